# SPDX-License-Identifier: MIT
"""Combining scenarios into one Dataset."""

from __future__ import annotations

import numpy as np
import pytest

from lmrec.data.combine import combine, scenario_of_users
from lmrec.data.synthetic import random_interactions
from lmrec.errors import DataError


def test_combine_keeps_scenarios_apart() -> None:
    a = random_interactions(seed=0)._replace(name="a")
    b = random_interactions(n_users=30, n_items=20, seed=1)._replace(name="b")
    mix = combine([a, b])
    assert mix.n_users == a.n_users + b.n_users
    assert mix.n_items == a.n_items + b.n_items
    assert mix.n_events == a.n_events + b.n_events
    assert set(scenario_of_users(mix)) == {"a", "b"}
    assert mix.item_features is not None
    assert (mix.item_features["scenario"] == "a").sum() == a.n_items
    # each user's sequence keeps its original order and stays within its scenario
    u = int(np.flatnonzero(scenario_of_users(mix) == "b")[0])
    seq = mix.items.ids[mix.sequences()[u]]
    assert all(str(i).startswith("b:") for i in seq)
    orig = b.sequences()[b.users.index([mix.users.ids[u].split(":", 1)[1]])[0]]
    assert [s.split(":", 1)[1] for s in seq] == [str(x) for x in b.items.ids[orig]]
    assert mix.item_text is not None and mix.item_text[0] == a.item_text[0]


def test_combine_rejects_duplicate_names() -> None:
    a = random_interactions(seed=0)
    with pytest.raises(DataError, match="names must differ"):
        combine([a, a])
    with pytest.raises(DataError, match="no data sets"):
        combine([])
