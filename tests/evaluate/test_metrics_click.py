# SPDX-License-Identifier: MIT
"""Known-answer and property tests of AUC and log loss (lmrec.evaluate.metrics.click)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from lmrec.evaluate.metrics import auc, auc_per_row, log_loss
from lmrec.evaluate.metrics import click as click_module

# ---------------------------------------------------------------- auc


def test_auc_known_answer():
    # positives 0.35, 0.8; negatives 0.1, 0.4. Pairs (pos > neg): 0.35>0.1 yes, 0.35>0.4 no,
    # 0.8>0.1 yes, 0.8>0.4 yes -> 3 of 4
    assert auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)


def test_auc_ties_count_one_half():
    # one positive and one negative with the same score: 0.5
    assert auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    # positive 0.5 vs negatives 0.2 (win: 1) and 0.5 (tie: 1/2) -> 1.5 / 2
    assert auc([False, False, True], [0.2, 0.5, 0.5]) == pytest.approx(0.75)
    # all scores equal -> 0.5
    assert auc([0, 1, 1, 0, 1], np.zeros(5)) == pytest.approx(0.5)


def test_auc_perfect_and_reversed():
    assert auc([0, 0, 1], [1, 2, 3]) == 1.0
    assert auc([1, 1, 0], [1, 2, 3]) == 0.0


def test_auc_single_class_is_nan():
    assert math.isnan(auc([1, 1, 1], [0.1, 0.2, 0.3]))
    assert math.isnan(auc([0, 0], [0.1, 0.2]))


def test_auc_validates():
    with pytest.raises(ValueError, match="empty"):
        auc([], [])
    with pytest.raises(ValueError, match="one per row"):
        auc([0, 1], [0.1])
    with pytest.raises(ValueError, match="binary"):
        auc([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="finite"):
        auc([0, 1], [0.1, np.nan])


def slow_auc(y: np.ndarray, s: np.ndarray) -> float:
    pos, neg = s[y], s[~y]
    if pos.size == 0 or neg.size == 0:
        return math.nan
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return wins / (pos.size * neg.size)


def test_auc_equals_pairwise_definition_on_random_ties():
    rng = np.random.default_rng(0)
    y = rng.random(200) < 0.3
    s = rng.integers(0, 10, 200).astype(float)  # many ties
    assert auc(y, s) == pytest.approx(slow_auc(y, s), abs=1e-12)


# ---------------------------------------------------------------- log loss


def test_log_loss_known_answer():
    # -(ln 0.8 + ln(1 - 0.2)) / 2 = -ln 0.8
    assert log_loss([1, 0], [0.8, 0.2]) == pytest.approx(-math.log(0.8))
    # -(ln 0.5) for any label at p = 0.5
    assert log_loss([1, 0, 1], [0.5, 0.5, 0.5]) == pytest.approx(math.log(2))


def test_log_loss_clips_confident_mistakes():
    # p = 0 for a positive is clipped to eps: loss = -ln(1e-7) ≈ 16.118
    assert log_loss([1], [0.0]) == pytest.approx(-math.log(1e-7))
    # p = 1 (float32!) for a negative: clipped to 1 - eps, still finite
    assert log_loss([0], np.array([1.0], dtype=np.float32)) == pytest.approx(-math.log(1e-7))
    # a confident correct answer costs -ln(1 - eps) ≈ eps
    assert log_loss([1], [1.0]) == pytest.approx(1e-7, rel=1e-3)
    # custom eps
    assert log_loss([1], [0.0], eps=0.01) == pytest.approx(-math.log(0.01))


def test_log_loss_validates():
    with pytest.raises(ValueError, match="empty"):
        log_loss([], [])
    with pytest.raises(ValueError, match="one per example"):
        log_loss([1, 0], [0.5])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        log_loss([2], [0.5])
    with pytest.raises(ValueError, match="eps"):
        log_loss([1], [0.5], eps=0)


# ---------------------------------------------------------------- auc_per_row


def test_auc_per_row_known_answers():
    scores = np.array(
        [
            [0.9, 0.1, 0.5, 0.5],  # relevant {2}: negatives 0.9, 0.1, 0.5 -> (0 + 1 + .5) / 3
            [0.9, 0.1, 0.5, 0.5],  # same, column 0 excluded: negatives 0.1, 0.5 -> 1.5 / 2
            [0.3, 0.2, 0.1, 0.0],  # relevant {0, 1}: both beat both negatives -> 1
            [0.3, 0.2, 0.1, 0.0],  # no relevant item -> NaN
            [0.3, 0.2, 0.1, 0.0],  # relevant {0} but excluded -> no positive -> NaN
            [0.3, 0.2, 0.1, 0.0],  # every candidate (0, 1) relevant -> no negative -> NaN
            [-np.inf, -np.inf, 0.0, 1.0],  # relevant {0}: ties -inf (0.5) + loses twice -> .5/3
        ],
        dtype=np.float32,
    )
    relevant = sp.csr_matrix(
        np.array(
            [
                [0, 0, 1, 0],
                [0, 0, 1, 0],
                [1, 1, 0, 0],
                [0, 0, 0, 0],
                [1, 0, 0, 0],
                [1, 1, 0, 0],
                [1, 0, 0, 0],
            ]
        )
    )
    cand = np.ones(scores.shape, dtype=bool)
    cand[1, 0] = False
    cand[4, 0] = False
    cand[5, 2:] = False
    got = auc_per_row(scores, relevant, cand)
    np.testing.assert_allclose(got, [0.5, 0.75, 1.0, np.nan, np.nan, np.nan, 0.5 / 3])


def test_auc_per_row_defaults_to_all_candidates():
    scores = np.array([[0.1, 0.9, 0.5]])
    got = auc_per_row(scores, sp.csr_matrix(np.array([[0, 1, 0]])))
    np.testing.assert_allclose(got, [1.0])


def test_auc_per_row_validates():
    rel = sp.csr_matrix(np.eye(2))
    with pytest.raises(ValueError, match="shape"):
        auc_per_row(np.zeros((2, 3)), rel)
    with pytest.raises(ValueError, match="candidates"):
        auc_per_row(np.zeros((2, 2)), rel, np.ones((2, 3), bool))
    with pytest.raises(ValueError, match="NaN"):
        auc_per_row(np.array([[np.nan, 0.0], [0.0, 0.0]]), rel)
    # NaN on an excluded column is fine
    cand = np.array([[False, True], [True, True]])
    out = auc_per_row(np.array([[np.nan, 0.0], [0.0, 1.0]]), rel, cand)
    np.testing.assert_allclose(out, [np.nan, 1.0])  # row 1: relevant item 1 scores 1 > 0


@pytest.mark.parametrize("chunk", [None, 50])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_auc_per_row_equals_slow_reference(monkeypatch, chunk, dtype):
    if chunk is not None:  # force several row blocks
        monkeypatch.setattr(click_module, "_CHUNK_ELEMENTS", chunk)
    rng = np.random.default_rng(7)
    n, m = 60, 25
    scores = rng.integers(0, 6, (n, m)).astype(dtype)  # many ties
    scores[rng.random((n, m)) < 0.05] = -np.inf
    dense = rng.random((n, m)) < rng.uniform(0, 0.4, (n, 1))
    cand = rng.random((n, m)) < 0.8
    got = auc_per_row(scores, sp.csr_matrix(dense), cand)
    for u in range(n):
        s = scores[u, cand[u]].astype(np.float64)
        y = dense[u, cand[u]]
        np.testing.assert_allclose(got[u], slow_auc(y, s), atol=1e-12, err_msg=f"row {u}")
