# SPDX-License-Identifier: MIT
"""nearest_items: item-to-item neighbours for similar_items."""

from __future__ import annotations

import numpy as np
import pytest

from lmrec.errors import UnknownIdError
from lmrec.retrieval import make_index, nearest_items
from lmrec.retrieval._testing import brute_force_topk


@pytest.fixture(scope="module")
def exact(small):
    index = make_index("exact", dim=small[0].shape[1])
    index.add(small[0])
    return index, small[0]


def test_neighbours_leave_out_the_item_itself(exact):
    index, vectors = exact
    items = [0, 5, 599]
    ids, scores = nearest_items(index, vectors, items, k=5)
    truth = brute_force_topk(vectors[items], vectors, 6)  # the first is the item itself
    np.testing.assert_array_equal(truth[:, 0], items)
    np.testing.assert_array_equal(ids, truth[:, 1:])
    assert ids.dtype == np.int64 and scores.dtype == np.float32 and ids.shape == (3, 5)


def test_neighbours_can_include_the_item_and_read_vectors_back(exact):
    index, vectors = exact
    ids, scores = nearest_items(index, None, np.array([3, 9]), k=2, exclude_self=False)
    assert ids[:, 0].tolist() == [3, 9]
    np.testing.assert_allclose(scores[:, 0], 1.0, rtol=1e-5)
    same, _ = nearest_items(index, vectors, [3, 9], k=2, exclude_self=False)
    np.testing.assert_array_equal(same, ids)


def test_unknown_items_and_empty_requests(exact):
    index, vectors = exact
    with pytest.raises(UnknownIdError, match="item 600 is outside item_vectors"):
        nearest_items(index, vectors, [600], k=3)
    with pytest.raises(UnknownIdError):
        nearest_items(index, None, [-2], k=3)
    ids, scores = nearest_items(index, vectors, [], k=3)
    assert ids.shape == scores.shape == (0, 3)
