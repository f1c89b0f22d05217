# SPDX-License-Identifier: MIT
"""Known-answer and property tests of the ranking metrics (lmrec.evaluate.metrics.ranking)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from lmrec.evaluate.metrics import (
    RANKING_METRICS,
    f1_at_k,
    hit_rate_at_k,
    hits_from_arrays,
    map_at_k,
    mrr_at_k,
    ndcg_at_k,
    ndcg_curve,
    precision_at_k,
    ranking_metrics,
    recall_at_k,
    recall_curve,
)

PUBLIC = {
    "precision": precision_at_k,
    "recall": recall_at_k,
    "f1": f1_at_k,
    "ndcg": ndcg_at_k,
    "map": map_at_k,
    "mrr": mrr_at_k,
    "hit_rate": hit_rate_at_k,
}


def all_metrics(recommended, relevant, k):
    return {name: fn(recommended, relevant, k) for name, fn in PUBLIC.items()}


def assert_metrics(got, expected):
    for name, value in expected.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-12, atol=1e-15, err_msg=name)


# ---------------------------------------------------------------- known answers (hand-computed)


def test_worked_example_from_the_docs():
    # recommended [a, b, c, d], relevant {b, d, e}, k = 4: hits at ranks 2 and 4
    # P@4 = 2/4; R@4 = 2/3; F1 = 2·(1/2)·(2/3) / (1/2 + 2/3) = (2/3) / (7/6) = 4/7
    # DCG = 1/log2(3) + 1/log2(5); IDCG over min(3, 4) = 3 hits = 1 + 1/log2(3) + 1/log2(4)
    # AP@4 = (P@2 + P@4) / min(3, 4) = (1/2 + 2/4) / 3 = 1/3; MRR = 1/2; hit rate = 1
    got = all_metrics([["a", "b", "c", "d"]], [{"b", "d", "e"}], k=4)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert_metrics(
        got,
        {
            "precision": [0.5],
            "recall": [2 / 3],
            "f1": [4 / 7],
            "ndcg": [dcg / idcg],
            "map": [1 / 3],
            "mrr": [0.5],
            "hit_rate": [1.0],
        },
    )
    assert got["ndcg"][0] == pytest.approx(0.498189, abs=1e-6)
    for value in got.values():
        assert value.dtype == np.float64 and value.shape == (1,)


def test_perfect_list_scores_one_everywhere():
    # every recommended item is relevant and every relevant item is recommended
    got = all_metrics([[1, 2, 3]], [{3, 2, 1}], k=3)
    assert_metrics(got, {key: [1.0] for key in RANKING_METRICS})


def test_miss_and_empty_lists_score_zero():
    # user 0: two misses; user 1: an empty list — both have a relevant item, so 0, not NaN
    got = all_metrics([["p", "q"], []], [{"z"}, {"z"}], k=2)
    assert_metrics(got, {key: [0.0, 0.0] for key in RANKING_METRICS})


def test_users_without_relevant_items_are_nan():
    # user 1 has no relevant item: every metric is undefined -> NaN; user 0 is unaffected
    got = all_metrics([["a", "b"], ["a", "b"]], [{"a"}, set()], k=2)
    for name in RANKING_METRICS:
        assert not np.isnan(got[name][0]), name
        assert np.isnan(got[name][1]), name


def test_k_larger_than_the_list_counts_missing_slots_as_misses():
    # user 0: [a], relevant {a}, k = 5: P = 1/5, R = 1, F1 = 2·(1/5) / (6/5) = 1/3
    #   NDCG = 1 / IDCG(min(1, 5) = 1) = 1; AP = P@1 / 1 = 1; MRR = 1
    # user 1: [a, b], relevant {b, c}, k = 5: P = 1/5, R = 1/2, F1 = 2·(1/10) / (7/10) = 2/7
    #   NDCG = (1/log2 3) / (1 + 1/log2 3); AP = P@2 / min(2, 5) = (1/2) / 2 = 1/4; MRR = 1/2
    got = all_metrics([["a"], ["a", "b"]], [{"a"}, {"b", "c"}], k=5)
    g = 1 / math.log2(3)
    assert_metrics(
        got,
        {
            "precision": [0.2, 0.2],
            "recall": [1.0, 0.5],
            "f1": [1 / 3, 2 / 7],
            "ndcg": [1.0, g / (1 + g)],
            "map": [1.0, 0.25],
            "mrr": [1.0, 0.5],
            "hit_rate": [1.0, 1.0],
        },
    )


def test_k_smaller_than_relevant_caps_ideal_dcg_and_ap_denominator():
    # user 0: [a, b, c, d], relevant {a..f} (6 items), k = 2: both slots hit
    #   P = 1, R = 2/6 (recall is NOT capped), NDCG = 1 (ideal over min(6, 2) = 2 hits),
    #   AP = (P@1 + P@2) / min(6, 2) = (1 + 1) / 2 = 1
    # user 1: [x, a], relevant {a, b, c}, k = 2: hit at rank 2 only
    #   NDCG = (1/log2 3) / (1 + 1/log2 3); AP = (1/2) / min(3, 2) = 1/4; MRR = 1/2
    got = all_metrics([list("abcd"), ["x", "a"]], [set("abcdef"), {"a", "b", "c"}], k=2)
    g = 1 / math.log2(3)
    assert_metrics(
        got,
        {
            "precision": [1.0, 0.5],
            "recall": [1 / 3, 1 / 3],
            "ndcg": [1.0, g / (1 + g)],
            "map": [1.0, 0.25],
            "mrr": [1.0, 0.5],
            "hit_rate": [1.0, 1.0],
        },
    )


def test_cut_off_ignores_items_beyond_k():
    # [a, b, c], relevant {c}, k = 2: the hit at rank 3 does not count
    got = all_metrics([["a", "b", "c"]], [{"c"}], k=2)
    assert_metrics(got, {key: [0.0] for key in RANKING_METRICS})


def test_duplicates_count_once_at_first_occurrence():
    # [a, a, b], relevant {a, b}, k = 3: hits [1, 0, 1] (the second a is a miss)
    # P = 2/3, R = 1, AP = (P@1 + P@3) / 2 = (1 + 2/3) / 2 = 5/6, MRR = 1
    # NDCG = (1 + 1/log2 4) / (1 + 1/log2 3)
    got = all_metrics([["a", "a", "b"]], [{"a", "b"}], k=3)
    assert_metrics(
        got,
        {
            "precision": [2 / 3],
            "recall": [1.0],
            "map": [5 / 6],
            "mrr": [1.0],
            "ndcg": [(1 + 0.5) / (1 + 1 / math.log2(3))],
        },
    )


def test_ids_may_be_any_hashable_and_mixed():
    # 1 and "1" are different ids; tuples are fine too
    got = precision_at_k([[1, "1", (2, 3)]], [{"1", (2, 3)}], k=3)
    np.testing.assert_allclose(got, [2 / 3])


def test_public_functions_reject_bad_input():
    with pytest.raises(ValueError, match="users"):
        ndcg_at_k([["a"]], [{"a"}, {"b"}], k=1)
    with pytest.raises(ValueError, match="positive integer"):
        ndcg_at_k([["a"]], [{"a"}], k=0)
    with pytest.raises(TypeError, match="string"):
        ndcg_at_k(["ab"], [{"a"}], k=1)


def test_empty_input_gives_empty_arrays():
    assert ndcg_at_k([], [], k=3).shape == (0,)


# ---------------------------------------------------------------- array cores


def test_hits_from_arrays_padding_explicit_zeros_and_unsorted_csr():
    # row 0: relevant {1, 3}; row 1: relevant {0} plus an explicitly stored zero at item 2
    rel = sp.csr_matrix(
        (np.array([1.0, 1.0, 1.0, 0.0]), np.array([3, 1, 0, 2]), np.array([0, 2, 4])),
        shape=(2, 4),
    )
    assert not rel.has_sorted_indices
    rec = np.array([[1, 2, 3, -1], [2, 0, -1, -1]])
    hits = hits_from_arrays(rec, rel)
    assert hits.dtype == bool
    np.testing.assert_array_equal(hits, [[1, 0, 1, 0], [0, 1, 0, 0]])


def test_hits_from_arrays_repeated_items_hit_once():
    rel = sp.csr_matrix(np.array([[0, 1, 1]]))
    np.testing.assert_array_equal(hits_from_arrays(np.array([[1, 1, 2, 1]]), rel), [[1, 0, 1, 0]])


def test_hits_from_arrays_validates():
    rel = sp.csr_matrix(np.eye(3))
    with pytest.raises(ValueError, match="outside"):
        hits_from_arrays(np.array([[0], [1], [3]]), rel)
    with pytest.raises(ValueError, match="rows"):
        hits_from_arrays(np.array([[0], [1]]), rel)
    with pytest.raises(ValueError, match="2-D"):
        hits_from_arrays(np.array([0, 1, 2]), rel)


def test_ranking_metrics_on_hits_with_k_beyond_columns():
    # hits [1, 0] with 3 relevant items, k = 4: P = 1/4, R = 1/3, AP = 1 / min(3, 4) = 1/3
    # NDCG = 1 / (1 + 1/log2 3 + 1/log2 4)
    out = ranking_metrics(np.array([[True, False]]), np.array([3]), k=4)
    np.testing.assert_allclose(out["precision"], [0.25])
    np.testing.assert_allclose(out["recall"], [1 / 3])
    np.testing.assert_allclose(out["map"], [1 / 3])
    np.testing.assert_allclose(out["ndcg"], [1 / (1.5 + 1 / math.log2(3))])
    assert list(out) == list(RANKING_METRICS)


def test_ranking_metrics_validates():
    with pytest.raises(ValueError, match="n_relevant"):
        ranking_metrics(np.zeros((2, 3), bool), np.array([1]), k=2)
    with pytest.raises(ValueError, match="positive integer"):
        ranking_metrics(np.zeros((2, 3), bool), np.array([1, 1]), k=-1)


# ---------------------------------------------------------------- property: cores == slow loop


def reference(ranked: list[int], relevant: set[int], k: int) -> dict[str, float]:
    """The module definitions, spelled out one user at a time."""
    if not relevant:
        return dict.fromkeys(RANKING_METRICS, math.nan)
    seen: set[int] = set()
    rels = []
    for item in ranked[:k]:
        rels.append(1.0 if item in relevant and item not in seen else 0.0)
        seen.add(item)
    rels += [0.0] * (k - len(rels))
    n_hits = sum(rels)
    p, r = n_hits / k, n_hits / len(relevant)
    dcg = sum(x / math.log2(i + 2) for i, x in enumerate(rels))
    idcg = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    ap = sum(sum(rels[: i + 1]) / (i + 1) * x for i, x in enumerate(rels))
    first = next((i for i, x in enumerate(rels) if x), None)
    return {
        "precision": p,
        "recall": r,
        "f1": 0.0 if p + r == 0 else 2 * p * r / (p + r),
        "ndcg": dcg / idcg,
        "map": ap / min(len(relevant), k),
        "mrr": 0.0 if first is None else 1 / (first + 1),
        "hit_rate": float(n_hits > 0),
    }


def random_case(seed: int, n: int = 300, n_items: int = 40, width: int = 12):
    rng = np.random.default_rng(seed)
    rec = rng.integers(0, n_items, size=(n, width))  # includes repeats on purpose
    lengths = rng.integers(0, width + 1, size=n)
    rec[np.arange(width)[None, :] >= lengths[:, None]] = -1
    dense = rng.random((n, n_items)) < rng.uniform(0, 0.3, size=(n, 1))
    return rec, sp.csr_matrix(dense.astype(np.float32))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 5, 12, 20])
def test_vectorised_core_equals_slow_reference(seed, k):
    rec, rel = random_case(seed)
    hits = hits_from_arrays(rec, rel)
    n_rel = np.diff(rel.indptr)
    got = ranking_metrics(hits, n_rel, k)
    for u in range(rec.shape[0]):
        ranked = [int(i) for i in rec[u] if i >= 0]
        expected = reference(ranked, set(rel.indices[rel.indptr[u] : rel.indptr[u + 1]]), k)
        for name in RANKING_METRICS:
            np.testing.assert_allclose(got[name][u], expected[name], rtol=1e-12, err_msg=name)


def test_public_surface_equals_core_on_random_data():
    rec, rel = random_case(3, n=50)
    lists = [[f"item{i}" for i in row if i >= 0] for row in rec]
    sets = [{f"item{i}" for i in rel.indices[rel.indptr[u] : rel.indptr[u + 1]]} for u in range(50)]
    core = ranking_metrics(hits_from_arrays(rec, rel), np.diff(rel.indptr), 8)
    for name, fn in PUBLIC.items():
        np.testing.assert_allclose(fn(lists, sets, 8), core[name], rtol=1e-12, err_msg=name)


def test_curves_equal_metrics_at_each_cut_off():
    rec, rel = random_case(4)
    hits = hits_from_arrays(rec, rel)
    n_rel = np.diff(rel.indptr)
    ks = np.arange(1, 16)  # beyond the 12 columns too
    nd = ndcg_curve(hits, n_rel, ks)
    rc = recall_curve(hits, n_rel, ks)
    assert nd.shape == rc.shape == (rec.shape[0], ks.size)
    for j, k in enumerate(ks):
        out = ranking_metrics(hits, n_rel, int(k))
        np.testing.assert_allclose(nd[:, j], out["ndcg"], rtol=1e-12)
        np.testing.assert_allclose(rc[:, j], out["recall"], rtol=1e-12)


def test_curves_validate_ks():
    with pytest.raises(ValueError, match=">= 1"):
        ndcg_curve(np.zeros((1, 2), bool), np.array([1]), [0, 1])
