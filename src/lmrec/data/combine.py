# SPDX-License-Identifier: MIT
"""Several scenarios as one Dataset (for multi-scenario pretraining)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lmrec.data._dataset import Dataset
from lmrec.errors import DataError


def combine(datasets: Sequence[Dataset], name: str = "mixture") -> Dataset:
    """One Dataset holding every event of ``datasets``, ids prefixed ``"<name>:"``.

    Users and items of different data sets never merge (each user's sequence stays within its
    scenario); item text is kept; the item feature ``scenario`` names each item's origin and
    :func:`scenario_of_users` gives each user's. Values are kept as they are (binarize first if
    the data sets mix ratings and counts); timestamps become per-scenario ranks so sequences keep
    their order while scales from different sources are never compared.
    """
    if not datasets:
        raise DataError("combine: no data sets given")
    names = [ds.name for ds in datasets]
    if len(set(names)) != len(names):
        raise DataError(f"combine: data set names must differ, got {names}")
    frames, items = [], []
    for ds in datasets:
        ev = ds.external_events()
        ev["user"] = ds.name + ":" + ev["user"].astype(str)
        ev["item"] = ds.name + ":" + ev["item"].astype(str)
        key = ds.timestamps if ds.timestamps is not None else np.arange(ds.n_events)
        ev["timestamp"] = pd.Series(key).rank(method="first").to_numpy(np.int64)
        frames.append(ev[["user", "item", "value", "timestamp"]])
        text = ds.item_text if ds.item_text is not None else ds.items.ids.astype(str)
        items.append(
            pd.DataFrame(
                {
                    "item": ds.name + ":" + pd.Series(ds.items.ids).astype(str),
                    "text": np.asarray(text, dtype=object),
                    "scenario": ds.name,
                }
            )
        )
    return Dataset.from_events(
        pd.concat(frames, ignore_index=True),
        value="value",
        timestamp="timestamp",
        items=pd.concat(items, ignore_index=True),
        item_text="text",
        name=name,
        scenario=name,
        time_kind="order",
    )


def scenario_of_users(ds: Dataset) -> np.ndarray:
    """The scenario prefix of each user of a :func:`combine`-d Dataset."""
    return np.array([str(u).split(":", 1)[0] for u in ds.users.ids])
