# SPDX-License-Identifier: MIT
"""Known-answer and property tests of the beyond-accuracy metrics (metrics.beyond)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from lmrec.evaluate.metrics import (
    average_popularity,
    catalog_coverage,
    gini_exposure,
    intra_list_diversity,
    novelty,
)

# ---------------------------------------------------------------- coverage


def test_catalog_coverage_lists_and_padded_array_agree():
    # distinct items {0, 1, 2} of a 6-item catalogue -> 3 / 6
    assert catalog_coverage([[0, 1], [1, 2]], n_items=6) == 0.5
    assert catalog_coverage(np.array([[0, 1], [1, 2], [-1, -1]]), n_items=6) == 0.5
    assert catalog_coverage([[], []], n_items=3) == 0.0
    assert catalog_coverage([[0, 1, 2]], n_items=3) == 1.0


def test_catalog_coverage_validates():
    with pytest.raises(ValueError, match="catalogue"):
        catalog_coverage([[0, 6]], n_items=6)
    with pytest.raises(ValueError, match="padding"):
        catalog_coverage([[0, -2]], n_items=6)
    with pytest.raises(ValueError, match="n_items"):
        catalog_coverage([[0]], n_items=0)


# ---------------------------------------------------------------- novelty


def test_novelty_known_answer():
    # n_users = 8, counts [4, 1, 0]: self-information -log2(4/8) = 1, -log2(1/8) = 3,
    # and the unseen item is treated as count 1 -> 3 (finite)
    # users: [0, 1] -> (1 + 3) / 2 = 2; [2] -> 3; [] -> NaN; [0, 0] -> 1
    got = novelty([[0, 1], [2], [], [0, 0]], item_counts=[4, 1, 0], n_users=8)
    np.testing.assert_allclose(got, [2.0, 3.0, np.nan, 1.0])


def test_novelty_validates():
    with pytest.raises(ValueError, match="n_users"):
        novelty([[0]], [1], n_users=0)
    with pytest.raises(ValueError, match="non-negative"):
        novelty([[0]], [-1], n_users=2)


# ---------------------------------------------------------------- average popularity (ARP)


def test_average_popularity_known_answer():
    # counts [10, 3, 0]: [0, 2] -> (10 + 0) / 2 = 5; [1] -> 3; padded empty row -> NaN
    got = average_popularity(np.array([[0, 2], [1, -1], [-1, -1]]), item_counts=[10, 3, 0])
    np.testing.assert_allclose(got, [5.0, 3.0, np.nan])


# ---------------------------------------------------------------- intra-list diversity


def test_ild_known_answers():
    vectors = np.array(
        [
            [1.0, 0.0],  # 0
            [3.0, 0.0],  # 1: same direction as 0 (cosine 1, length does not matter)
            [0.0, 1.0],  # 2: orthogonal to 0 and 1
            [0.0, 0.0],  # 3: zero vector -> cosine 0 with everything
            [2.0, 2.0],  # 4: 45° from 0 -> cosine 1/sqrt(2)
        ]
    )
    got = intra_list_diversity([[0, 1, 2], [0, 3], [0, 4], [0], [], [3, 3]], vectors)
    # [0, 1, 2]: pairs (0,1)=1, (0,2)=0, (1,2)=0 -> mean 1/3 -> ILD 2/3
    # [0, 3]: cosine 0 -> ILD 1;  [0, 4]: ILD 1 - 1/sqrt(2)
    # [0] and []: fewer than 2 items -> NaN;  [3, 3]: zero vectors -> ILD 1
    np.testing.assert_allclose(got, [2 / 3, 1.0, 1 - 1 / math.sqrt(2), np.nan, np.nan, 1.0])


def test_ild_equals_pairwise_loop_on_random_vectors():
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((30, 8))
    vectors[5] = 0.0
    lists = [list(rng.choice(30, size=rng.integers(0, 9), replace=False)) for _ in range(100)]
    got = intra_list_diversity(lists, vectors)
    for u, items in enumerate(lists):
        sims = []
        for i, j in itertools.combinations(items, 2):
            ni, nj = np.linalg.norm(vectors[i]), np.linalg.norm(vectors[j])
            sims.append(0.0 if ni == 0 or nj == 0 else vectors[i] @ vectors[j] / (ni * nj))
        expected = 1 - np.mean(sims) if sims else np.nan
        np.testing.assert_allclose(got[u], expected, atol=1e-12, err_msg=f"user {u}")


def test_ild_validates():
    with pytest.raises(ValueError, match="2-D"):
        intra_list_diversity([[0, 1]], np.ones(3))
    with pytest.raises(ValueError, match="catalogue"):
        intra_list_diversity([[0, 3]], np.ones((3, 2)))


# ---------------------------------------------------------------- Gini of exposure


def test_gini_known_answers():
    # exposure [0, 0, 0, 10] (item 3 recommended to 10 users), n = 4, total 10:
    # G = Σ (2i - n - 1) x_i / (n Σx) = (2·4 - 5)·10 / (4·10) = 0.75 = (n - 1) / n
    assert gini_exposure([[3]] * 10, n_items=4) == pytest.approx(0.75)
    # equal exposure [1, 1, 1, 1] -> 0
    assert gini_exposure([[0, 1], [2, 3]], n_items=4) == pytest.approx(0.0)
    # exposure [1, 2, 3, 4]: (-3·1 - 1·2 + 1·3 + 3·4) / (4·10) = 10 / 40 = 0.25
    # (check: Σ_ij |x_i - x_j| / (2 n² mean) = 20 / (2·16·2.5) = 0.25)
    lists = [[0, 1, 2, 3], [1, 2, 3], [2, 3], [3]]
    assert gini_exposure(lists, n_items=4) == pytest.approx(0.25)
    # never-recommended catalogue items count: [1, 1] over 4 items = exposure [0, 0, 1, 1]
    # (-3·0 - 1·0 + 1·1 + 3·1) / (4·2) = 0.5
    assert gini_exposure([[0], [1]], n_items=4) == pytest.approx(0.5)


def test_gini_nothing_recommended_is_nan():
    assert math.isnan(gini_exposure(np.full((3, 2), -1), n_items=4))


def test_gini_equals_mean_absolute_difference_form():
    rng = np.random.default_rng(1)
    rec = rng.integers(-1, 50, size=(200, 10))
    x = np.bincount(rec[rec >= 0], minlength=60).astype(float)
    expected = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    assert gini_exposure(rec, n_items=60) == pytest.approx(expected, abs=1e-12)
