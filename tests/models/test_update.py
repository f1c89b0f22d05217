# SPDX-License-Identifier: MIT
"""Online ``update`` of the factor models: exact fold-in, new users and items, repeated pairs."""

from __future__ import annotations

import numpy as np
import pytest

import lmrec
from lmrec.data.synthetic import blocks
from lmrec.errors import DataError
from lmrec.models.factorization._foldin import fold_in

PARAMS = {
    "als": {"factors": 8, "iterations": 10, "regularization": 0.1, "num_threads": 1, "seed": 0},
    "bpr": {"factors": 8, "iterations": 50, "num_threads": 1, "seed": 0},
}


def _fit(name: str) -> lmrec.models.Recommender:
    return lmrec.models.create(name, **PARAMS[name]).fit(blocks().train)


@pytest.mark.parametrize("name", ["als", "bpr"])
def test_known_user_is_refolded_exactly(name: str) -> None:
    m = _fit(name)
    user, item = m.users_.ids[0], m.items_.ids[-1]  # user 0 (block 0) meets a block-2 item
    before = m.train_.copy()
    m.update([user], [item], [1.0])
    assert m.train_[0, m.n_items - 1] == 1.0
    assert (m.train_ != before).nnz == 1  # nothing else changed
    reg, alpha = m._solver()  # type: ignore[attr-defined]
    expect = fold_in(m.item_factors_, _input(m, m.train_[[0]]), reg, alpha)
    np.testing.assert_allclose(m.user_factors_[0], expect[0], rtol=1e-5, atol=1e-6)
    recs = m.recommend(m.batch(0), k=m.n_items)
    assert m.n_items - 1 not in recs.items[0]  # the new item now counts as seen


def _input(m: lmrec.models.Recommender, rows: object) -> object:
    from lmrec.models._base import as_input, binary

    return binary(rows) if m.name == "bpr" else as_input(rows, True)


def test_new_user_joins_and_follows_their_events() -> None:
    m = _fit("als")
    block2 = m.items_.ids[-6:-1]
    with pytest.raises(DataError, match="not an integer"):
        m.update(["newcomer"], block2[:1])
    m.update([1000] * 5, block2)
    assert m.n_users == 25 and m.users_.ids[-1] == 1000
    top = m.recommend(m.batch_from_ids([1000]), k=1).items[0][0]
    assert top == m.n_items - 1  # the one block-2 item they have not seen


def test_new_item_needs_fold_items_to_be_recommended() -> None:
    m = _fit("als")
    users = m.users_.ids[:8]  # all of block 0 meet a brand-new item
    m.update(users, [500] * 8)
    assert m.n_items == 19 and not m.item_factors_[-1].any()  # users only: still zero
    m.update(users, [500] * 8, fold_items=True)
    assert m.item_factors_[-1].any()
    # a fresh block-0 user (3 block-0 items) now gets it near the top
    m.update([2000] * 3, m.items_.ids[:3])
    top = m.recommend(m.batch_from_ids([2000]), k=4).items[0]
    assert m.n_items - 1 in top


def test_repeated_pair_keeps_the_last_value_and_errors_are_clear() -> None:
    m = _fit("als")
    u, i = m.users_.ids[1], m.items_.ids[0]
    m.update([u, u], [i, i], [3.0, 2.0])
    assert m.train_[1, 0] == 2.0 and m.train_.has_sorted_indices
    n = m.train_.nnz
    m.update([], [])
    assert m.train_.nnz == n
    with pytest.raises(DataError, match="differ"):
        m.update([u], [i, i])
    with pytest.raises(DataError, match="finite"):
        m.update([u], [i], [float("nan")])


@pytest.mark.parametrize("seed", range(5))
def test_set_entries_matches_dense_assignment(seed: int) -> None:
    import scipy.sparse as sp

    from lmrec.models.factorization.implicit_mf import _set_entries

    rng = np.random.default_rng(seed)
    m = sp.random(12, 9, density=0.3, format="csr", random_state=seed, dtype=np.float32)
    shape = (14, 11)  # two new rows and columns
    n = 25
    rows, cols = rng.integers(0, shape[0], n), rng.integers(0, shape[1], n)
    rows[:3], cols[:3] = rows[3], cols[3]  # repeated pairs: the last one wins
    vals = rng.uniform(1, 5, n).astype(np.float32)
    dense = np.zeros(shape, np.float32)
    dense[:12, :9] = m.toarray()
    for r, c, v in zip(rows, cols, vals, strict=True):
        dense[r, c] = v
    out = _set_entries(m, rows, cols, vals, shape)
    np.testing.assert_array_equal(out.toarray(), dense)
    assert out.has_sorted_indices and out.shape == shape
    np.testing.assert_array_equal(out.indices, out.sorted_indices().indices)


def test_decay_discounts_the_users_older_events() -> None:
    m = lmrec.models.create("als", **PARAMS["als"], binarize=False).fit(blocks().train)
    row = m.train_[0].toarray().ravel().copy()
    other = m.train_[1].toarray().ravel().copy()
    m.update([m.users_.ids[0]], [m.items_.ids[-1]], [2.0], decay=0.5)
    after = m.train_[0].toarray().ravel()
    np.testing.assert_allclose(after[:-1], row[:-1] * 0.5)
    assert after[-1] == 2.0
    np.testing.assert_array_equal(m.train_[1].toarray().ravel(), other)  # others untouched
    with pytest.raises(DataError, match="decay"):
        m.update([m.users_.ids[0]], [m.items_.ids[0]], decay=0.0)


def test_fold_in_shared_solve_matches_the_per_user_equations() -> None:
    """Users whose confidences are all 1 take the batched path; others the per-user one."""
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    y = rng.normal(size=(40, 6)).astype(np.float32)
    h = sp.random(9, 40, density=0.2, format="csr", random_state=1)
    h.data[:] = 1.0
    h.data[: h.indptr[2]] = 3.0  # users 0 and 1 have confidence 3: the per-user path
    out = fold_in(y, h, 0.5, alpha=1.0)
    yy = y.astype(np.float64)
    for u in range(9):
        items, c = h[u].indices, h[u].data
        a = yy.T @ yy + 0.5 * np.eye(6) + (yy[items].T * (c - 1)) @ yy[items]
        np.testing.assert_allclose(out[u], np.linalg.solve(a, yy[items].T @ c), rtol=1e-5)


def test_cached_gram_follows_in_place_item_updates() -> None:
    m = _fit("als")
    users = m.users_.ids[:8]
    m.update(users[:1], m.items_.ids[:1])  # caches YᵀY of the fitted item factors
    m.update(users, [m.items_.ids[12]] * 8, fold_items=True)  # item factors change in place
    m.update(users[:1], m.items_.ids[15:16])
    reg, alpha = m._solver()  # type: ignore[attr-defined]
    fresh = fold_in(m.item_factors_, _input(m, m.train_[[0]]), reg, alpha)
    np.testing.assert_allclose(m.user_factors_[0], fresh[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["als", "bpr"])
def test_running_foldin_matches_fold_in_of_the_whole_history(name: str) -> None:
    """Event by event, in batches with repeats (within a batch and of stored pairs), the running
    vectors equal a fold-in of each user's whole, deduplicated history."""
    import scipy.sparse as sp

    m = _fit(name)
    rng = np.random.default_rng(0)
    history = m.train_.copy()
    run = m.running_foldin(history)  # type: ignore[attr-defined]
    seen = history.toarray() > 0
    reg, _ = m._solver()  # type: ignore[attr-defined]
    batches = [
        (np.array([0, 0, 3]), np.array([17, 17, 5])),  # a pair twice in one batch
        (np.array([3, 1]), np.array([5, int(history[1].indices[0])])),  # added / stored again
        (rng.integers(0, m.n_users, 40), rng.integers(0, m.n_items, 40)),
        (np.array([], np.int64), np.array([], np.int64)),
    ]
    for users, items in batches:
        fresh = {u for u, i in zip(users.tolist(), items.tolist(), strict=True) if not seen[u, i]}
        touched = run.add(users, items)
        assert sorted(touched.tolist()) == sorted(fresh)
        seen[users, items] = True
        expect = fold_in(m.item_factors_, sp.csr_matrix(seen.astype(np.float32)), reg)
        np.testing.assert_allclose(run.vectors(np.arange(m.n_users)), expect, rtol=1e-4, atol=1e-5)
    with pytest.raises(DataError, match="out of range"):
        run.add(np.array([m.n_users]), np.array([0]))
    with pytest.raises(DataError, match="out of range"):
        run.add(np.array([0]), np.array([-1]))


def test_running_foldin_needs_confidences_of_one() -> None:
    m = lmrec.models.create("als", **{**PARAMS["als"], "alpha": 2.0}).fit(blocks().train)
    with pytest.raises(DataError, match="confidence"):
        m.running_foldin(m.train_)  # type: ignore[attr-defined]
