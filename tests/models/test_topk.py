# SPDX-License-Identifier: MIT
"""topk: deterministic top-K with index tie-breaks, -inf exclusion and padding; mask_rows."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from lmrec.models._topk import mask_rows, topk

NEG = -np.inf


def reference(scores, k):
    """Slow top-k: sort each row by (-score, index), drop -inf, pad with (-1, -inf)."""
    n = scores.shape[0]
    idx = np.full((n, k), -1, np.int64)
    out = np.full((n, k), NEG, np.float32)
    for r, row in enumerate(scores):
        ranked = sorted((j for j in range(len(row)) if row[j] != NEG), key=lambda j: (-row[j], j))
        for c, j in enumerate(ranked[:k]):
            idx[r, c] = j
            out[r, c] = row[j]
    return idx, out


def test_best_first_and_output_types():
    idx, out = topk(np.array([[0.1, 0.9, 0.5, 0.3]]), 2)
    assert idx.tolist() == [[1, 2]]
    np.testing.assert_allclose(out, [[0.9, 0.5]], rtol=1e-6)
    assert idx.dtype == np.int64 and out.dtype == np.float32
    assert idx.shape == out.shape == (1, 2)


def test_ties_rank_the_lower_index_first():
    scores = np.array(
        [
            [1.0, 3.0, 3.0, 2.0, 3.0],  # three-way tie at the top, all selected
            [2.0, 1.0, 2.0, 1.0, 2.0],  # tie at 2 straddles the cut k=2: indices 0 and 2
            [5.0, 1.0, 1.0, 1.0, 1.0],  # tie for the 2nd and 3rd places: 1 then 2
        ]
    )
    idx, out = topk(scores, 3)
    assert idx.tolist() == [[1, 2, 4], [0, 2, 4], [0, 1, 2]]
    assert out.tolist() == [[3, 3, 3], [2, 2, 2], [5, 1, 1]]
    idx, _ = topk(scores, 2)
    assert idx.tolist() == [[1, 2], [0, 2], [0, 1]]


def test_all_rows_fully_tied_take_the_first_k_indices():
    # every row is one big tie, so argpartition's pick is arbitrary: the stable re-sort path
    scores = np.zeros((4, 50))
    idx, out = topk(scores, 5)
    assert idx.tolist() == [[0, 1, 2, 3, 4]] * 4
    assert (out == 0).all()
    # and a tie below distinct leaders: 9, 8 then the lowest-index items of the tied 0s
    scores[:, 30] = 9.0
    scores[:, 40] = 8.0
    idx, _ = topk(scores, 4)
    assert idx.tolist() == [[30, 40, 0, 1]] * 4


def test_tie_fix_on_some_rows_leaves_other_rows_correct():
    rng = np.random.default_rng(0)
    distinct = rng.permutation(40).astype(float)[None, :].repeat(3, axis=0)
    tied = np.zeros((2, 40))
    scores = np.vstack([distinct, tied])
    idx, _ = topk(scores, 6)
    assert idx[:3].tolist() == [np.argsort(-distinct[0])[:6].tolist()] * 3
    assert idx[3:].tolist() == [list(range(6))] * 2


def test_minus_inf_is_never_selected_and_pads():
    scores = np.array(
        [
            [NEG, 0.0, NEG, -5.0],  # two finite entries only
            [NEG, NEG, NEG, NEG],  # nothing selectable
            [1.0, 2.0, 3.0, 4.0],
        ]
    )
    idx, out = topk(scores, 3)
    assert idx.tolist() == [[1, 3, -1], [-1, -1, -1], [3, 2, 1]]
    assert out[0, :2].tolist() == [0.0, -5.0]
    assert np.isneginf(out[0, 2]) and np.isneginf(out[1]).all()


def test_minus_inf_straddling_the_cut_with_k_below_m():
    # k=2 < m=5: the cut falls among the -inf entries
    idx, out = topk(np.array([[NEG, 7.0, NEG, NEG, NEG]]), 2)
    assert idx.tolist() == [[1, -1]]
    assert out[0, 0] == 7.0 and np.isneginf(out[0, 1])


def test_very_negative_finite_scores_are_still_selected():
    idx, out = topk(np.array([[-1e30, NEG, -3e38]]), 3)
    assert idx.tolist() == [[0, 2, -1]]
    assert out[0, 1] == np.float32(-3e38)


def test_k_larger_than_m_pads_with_minus_one_and_minus_inf():
    idx, out = topk(np.array([[0.2, 0.7], [0.5, 0.5]]), 4)
    assert idx.tolist() == [[1, 0, -1, -1], [0, 1, -1, -1]]
    np.testing.assert_allclose(out[:, :2], [[0.7, 0.2], [0.5, 0.5]], rtol=1e-6)
    assert np.isneginf(out[:, 2:]).all()


def test_k_equal_to_m_sorts_the_whole_row():
    idx, out = topk(np.array([[2.0, 3.0, 1.0, 3.0]]), 4)
    assert idx.tolist() == [[1, 3, 0, 2]]
    assert out.tolist() == [[3.0, 3.0, 2.0, 1.0]]


@pytest.mark.parametrize(("n", "m", "k"), [(3, 0, 2), (0, 5, 2), (2, 4, 0)])
def test_degenerate_shapes(n, m, k):
    idx, out = topk(np.zeros((n, m)), k)
    assert idx.shape == out.shape == (n, k)
    assert (idx == -1).all() and np.isneginf(out).all()


def test_integer_scores_are_accepted():
    idx, out = topk(np.array([[1, 5, 5, 2]], dtype=np.int64), 2)
    assert idx.tolist() == [[1, 2]]
    assert out.dtype == np.float32 and out.tolist() == [[5.0, 5.0]]


@pytest.mark.parametrize("k", [1, 3, 7, 12, 15])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_the_slow_reference_on_many_ties(k, dtype):
    rng = np.random.default_rng(1234 + k)
    scores = rng.integers(-3, 4, size=(200, 12)).astype(dtype)  # 7 values over 12 columns
    scores[rng.random(scores.shape) < 0.15] = NEG
    scores[:5] = NEG  # some rows with nothing selectable
    idx, out = topk(scores, k)
    ref_idx, ref_out = reference(scores, k)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(out, ref_out)


def test_does_not_modify_its_input():
    scores = np.array([[3.0, 1.0, 2.0, NEG]])
    before = scores.copy()
    topk(scores, 2)
    np.testing.assert_array_equal(scores, before)


def test_mask_rows_sets_masked_entries_in_place():
    scores = np.arange(12, dtype=float).reshape(3, 4)
    mask = sp.csr_matrix(([1, 1, 1], ([0, 0, 2], [1, 3, 0])), shape=(3, 4))
    out = mask_rows(scores, mask)
    assert out is scores
    expected = np.arange(12, dtype=float).reshape(3, 4)
    expected[0, 1] = expected[0, 3] = expected[2, 0] = NEG
    np.testing.assert_array_equal(scores, expected)


def test_mask_rows_with_a_value_a_coo_mask_and_explicit_zeros():
    scores = np.ones((2, 3))
    # an explicitly stored 0 is still an entry of the mask
    mask = sp.coo_matrix((np.array([0.0, 5.0]), (np.array([1, 0]), np.array([2, 1]))), (2, 3))
    mask_rows(scores, mask, value=-1.0)
    assert scores.tolist() == [[1, -1, 1], [1, 1, -1]]


def test_masked_items_are_excluded_by_topk():
    scores = np.array([[0.9, 0.8, 0.7], [0.1, 0.2, 0.3]])
    mask = sp.csr_matrix(np.array([[1, 0, 0], [0, 0, 1]]))
    idx, _ = topk(mask_rows(scores, mask), 3)
    assert idx.tolist() == [[1, 2, -1], [1, 0, -1]]
