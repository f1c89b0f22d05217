# SPDX-License-Identifier: MIT
"""Top-K ranking metrics: vectorised array cores and the plain-input public functions.

Definitions (the project's contract; ``rel_i`` is 1 when the item at 1-based rank ``i`` is
relevant, ``R`` the user's set of relevant items, ``|R|`` its size, never capped):

* **precision@K** = (hits in the top K) / K. A list shorter than K counts its missing slots
  as misses.
* **recall@K** = (hits in the top K) / |R|.
* **F1@K** = 2·P·R / (P + R), and 0 when P and R are both 0.
* **NDCG@K** (binary gain) = DCG / IDCG with DCG = Σ_{i≤K} rel_i / log2(i + 1) and IDCG the
  DCG of min(|R|, K) hits at ranks 1, 2, ….
* **AP@K** = Σ_{i≤K} P@i · rel_i / min(|R|, K); **MAP@K** is the mean of AP@K over users
  (the per-user array returned here holds AP@K).
* **MRR@K**: 1 / (rank of the first hit) when it lies within the top K, else 0 (per user: the
  reciprocal rank; MRR is its mean).
* **hit rate@K** = 1 when the top K holds at least one hit, else 0.

Users with **no relevant items** get ``NaN`` for every metric (they are undefined, not zero);
the harness drops them before averaging, and ``np.nanmean`` does the same by hand.

An item that appears more than once in a recommended list counts once, at its first
occurrence; later copies are misses (the harness itself never produces duplicates).

Two layers share one code path:

* array cores for the harness: :func:`hits_from_arrays` turns a padded ``[n, K]`` matrix of
  dense item indices (``-1`` = padding) and a CSR of relevant items into a boolean hits matrix;
  :func:`ranking_metrics`, :func:`ndcg_curve` and :func:`recall_curve` turn hits into per-user
  values without any Python loop over users;
* the documented surface (:func:`precision_at_k`, :func:`ndcg_at_k`, …) takes ranked lists of
  arbitrary hashable ids and sets of relevant ids, converts them to the arrays above and calls
  the same cores.

Example:
    >>> ndcg_at_k([["a", "b", "c", "d"]], [{"b", "d", "e"}], k=4).round(4)
    array([0.4982])
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np
import scipy.sparse as sp

__all__ = [
    "RANKING_METRICS",
    "f1_at_k",
    "hit_rate_at_k",
    "hits_from_arrays",
    "map_at_k",
    "mrr_at_k",
    "ndcg_at_k",
    "ndcg_curve",
    "precision_at_k",
    "ranking_metrics",
    "recall_at_k",
    "recall_curve",
]

#: Keys of the dict returned by :func:`ranking_metrics`, in report order.
RANKING_METRICS: tuple[str, ...] = (
    "precision",
    "recall",
    "f1",
    "ndcg",
    "map",
    "mrr",
    "hit_rate",
)


# --------------------------------------------------------------------------------------------
# array cores
# --------------------------------------------------------------------------------------------


def _first_occurrence(recommended: np.ndarray) -> np.ndarray:
    """Bool ``[n, K]``: True where the entry is valid (not -1) and not a repeat within its row."""
    valid = recommended >= 0
    if recommended.shape[1] < 2:
        return valid
    order = np.argsort(recommended, axis=1, kind="stable")  # equal ids keep their rank order
    srt = np.take_along_axis(recommended, order, axis=1)
    repeat = np.zeros(recommended.shape, dtype=bool)
    repeat[:, 1:] = srt[:, 1:] == srt[:, :-1]
    if not repeat.any():
        return valid
    dup = np.zeros(recommended.shape, dtype=bool)
    np.put_along_axis(dup, order, repeat, axis=1)
    return valid & ~dup


def _relevant_keys(relevant: sp.csr_matrix) -> np.ndarray:
    """Sorted unique ``row * n_cols + col`` keys of the nonzero entries of ``relevant``."""
    rows = np.repeat(np.arange(relevant.shape[0], dtype=np.int64), np.diff(relevant.indptr))
    keys = rows * np.int64(relevant.shape[1]) + relevant.indices.astype(np.int64)
    keys = keys[relevant.data != 0]  # explicitly stored zeros are not relevant
    if relevant.has_canonical_format:
        return keys  # row-major, sorted within rows, no duplicates: already sorted
    return np.unique(keys)


def hits_from_arrays(recommended: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    """Mark which recommended items are relevant.

    Membership is a binary search of ``row * n_items + item`` keys in the sorted keys of the
    nonzeros of ``relevant`` (O((nnz + n·K) log nnz), no dense ``[n, n_items]`` block).

    Args:
        recommended: ``[n, K]`` integer dense item indices, best first, padded with ``-1``.
        relevant: ``[n, n_items]`` sparse matrix (CSR preferred); a nonzero at ``(u, i)`` marks
            item ``i`` as relevant for row ``u``. Explicitly stored zeros are not relevant.

    Returns:
        Bool ``[n, K]``: True where the item is relevant. Padding is never a hit, and a repeated
        item is a hit only at its first occurrence.

    Raises:
        ValueError: if the shapes disagree or an index lies outside ``[-1, n_items)``.
    """
    rec = np.asarray(recommended)
    if rec.ndim != 2:
        raise ValueError(f"recommended must be a 2-D [n, K] array, got shape {rec.shape}")
    if rec.size and not np.issubdtype(rec.dtype, np.integer):
        raise ValueError(f"recommended must hold integer item indices, got dtype {rec.dtype}")
    rel = sp.csr_matrix(relevant)
    n_rows, n_items = rel.shape
    if rec.shape[0] != n_rows:
        raise ValueError(
            f"recommended has {rec.shape[0]} rows but relevant has {n_rows}; pass one row per user"
        )
    rec = rec.astype(np.int64, copy=False)
    if rec.size and (rec.min() < -1 or rec.max() >= n_items):
        raise ValueError(
            f"recommended holds item indices outside [-1, {n_items}) (-1 is padding); "
            "check that the recommendations and relevant matrix share one item index"
        )
    keys = _relevant_keys(rel)
    ok = _first_occurrence(rec)
    if keys.size == 0 or rec.size == 0:
        return np.zeros(rec.shape, dtype=bool)
    query = np.arange(n_rows, dtype=np.int64)[:, None] * np.int64(n_items) + rec
    pos = np.searchsorted(keys, query)
    found = keys[np.minimum(pos, keys.size - 1)] == query
    return found & ok


def _check_hits(hits: np.ndarray, n_relevant: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h = np.asarray(hits)
    if h.ndim != 2:
        raise ValueError(f"hits must be a 2-D [n, K] array, got shape {h.shape}")
    n_rel = np.asarray(n_relevant, dtype=np.float64)
    if n_rel.shape != (h.shape[0],):
        raise ValueError(
            f"n_relevant must have shape ({h.shape[0]},) to match hits, got {n_rel.shape}"
        )
    if np.any(n_rel < 0) or not np.all(np.isfinite(n_rel)):
        raise ValueError("n_relevant must hold finite, non-negative counts")
    return h.astype(bool, copy=False), n_rel


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return int(k)


def _discounts(k: int) -> np.ndarray:
    """``1 / log2(i + 1)`` for ranks ``i = 1 … k``."""
    return 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))


def _idcg(n_rel: np.ndarray, k: int) -> np.ndarray:
    """Ideal DCG@k: ``min(|R|, k)`` hits at the top (0 where ``|R| = 0``)."""
    cum = np.concatenate(([0.0], np.cumsum(_discounts(k))))
    return cum[np.minimum(n_rel, k).astype(np.int64)]


def ranking_metrics(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Per-user ranking metrics at cut-off ``k`` from a hits matrix.

    Args:
        hits: bool ``[n, K]`` from :func:`hits_from_arrays` (True = relevant at that rank).
            Only the first ``k`` columns are used; when ``K < k`` the missing ranks are misses.
        n_relevant: ``[n]`` number of relevant items per user (all of them, not capped at ``k``).
        k: cut-off, ``>= 1``.

    Returns:
        ``{name: float64 [n]}`` for the names in :data:`RANKING_METRICS` (``precision``,
        ``recall``, ``f1``, ``ndcg``, ``map`` (per-user AP@k), ``mrr`` (per-user reciprocal
        rank), ``hit_rate``), following the module definitions. Rows with
        ``n_relevant == 0`` are NaN in every array.

    Raises:
        ValueError: on a bad ``k`` or mismatched shapes.
    """
    k = _check_k(k)
    h, n_rel = _check_hits(hits, n_relevant)
    h = h[:, :k].astype(np.float64)
    kk = h.shape[1]
    n_hits = h.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = n_hits / k
        recall = n_hits / n_rel
        denom = precision + recall
        f1 = np.where(denom > 0, 2.0 * precision * recall / np.where(denom > 0, denom, 1.0), 0.0)
        ndcg = (h @ _discounts(kk)) / _idcg(n_rel, k)
        prec_at_i = np.cumsum(h, axis=1) / np.arange(1, kk + 1, dtype=np.float64)
        ap = (prec_at_i * h).sum(axis=1) / np.minimum(n_rel, k)
    any_hit = n_hits > 0
    first = np.argmax(h, axis=1) if kk else np.zeros(h.shape[0], dtype=np.int64)
    mrr = np.where(any_hit, 1.0 / (first + 1.0), 0.0)
    out = {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "ndcg": ndcg,
        "map": ap,
        "mrr": mrr,
        "hit_rate": any_hit.astype(np.float64),
    }
    undefined = n_rel == 0
    for arr in out.values():
        arr[undefined] = np.nan
    return out


def _check_ks(ks: Sequence[int] | np.ndarray) -> np.ndarray:
    ks_arr = np.asarray(ks)
    if ks_arr.ndim != 1 or ks_arr.size == 0 or not np.issubdtype(ks_arr.dtype, np.integer):
        raise ValueError("ks must be a non-empty 1-D sequence of integers")
    if ks_arr.min() < 1:
        raise ValueError(f"every cut-off in ks must be >= 1, got {ks_arr.min()}")
    return ks_arr.astype(np.int64)


def _cumulative_at(h: np.ndarray, weights: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """``Σ_{i ≤ k} h_i · w_i`` for each k in ``ks`` (ranks past the list's end add nothing)."""
    cum = np.zeros((h.shape[0], h.shape[1] + 1), dtype=np.float64)
    np.cumsum(h * weights, axis=1, out=cum[:, 1:])
    return cum[:, np.minimum(ks, h.shape[1])]


def ndcg_curve(
    hits: np.ndarray, n_relevant: np.ndarray, ks: Sequence[int] | np.ndarray
) -> np.ndarray:
    """NDCG@k for several cut-offs at once (one cumulative sum; e.g. ``ks = range(1, 51)``).

    Args:
        hits: bool ``[n, K]`` hits matrix.
        n_relevant: ``[n]`` relevant-item counts.
        ks: cut-offs, each ``>= 1`` (may exceed ``K``: missing ranks are misses).

    Returns:
        float64 ``[n, len(ks)]``; column ``j`` equals ``ranking_metrics(hits, n_relevant,
        ks[j])["ndcg"]``. Rows with no relevant items are NaN.
    """
    ks_arr = _check_ks(ks)
    h, n_rel = _check_hits(hits, n_relevant)
    h = h[:, : ks_arr.max()].astype(np.float64)
    dcg = _cumulative_at(h, _discounts(h.shape[1]), ks_arr)
    cum = np.concatenate(([0.0], np.cumsum(_discounts(int(ks_arr.max())))))
    idcg = cum[np.minimum(n_rel[:, None], ks_arr[None, :]).astype(np.int64)]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = dcg / idcg
    out[n_rel == 0] = np.nan
    return out


def recall_curve(
    hits: np.ndarray, n_relevant: np.ndarray, ks: Sequence[int] | np.ndarray
) -> np.ndarray:
    """Recall@k for several cut-offs at once; same conventions as :func:`ndcg_curve`.

    Returns:
        float64 ``[n, len(ks)]``; rows with no relevant items are NaN.
    """
    ks_arr = _check_ks(ks)
    h, n_rel = _check_hits(hits, n_relevant)
    h = h[:, : ks_arr.max()].astype(np.float64)
    n_hits = _cumulative_at(h, np.ones(h.shape[1]), ks_arr)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = n_hits / n_rel[:, None]
    out[n_rel == 0] = np.nan
    return out


# --------------------------------------------------------------------------------------------
# documented surface: plain ids
# --------------------------------------------------------------------------------------------


def _encode(
    recommended: Sequence[Sequence[Hashable]], relevant: Sequence[Iterable[Hashable]], k: int
) -> tuple[np.ndarray, sp.csr_matrix]:
    """Map arbitrary ids to dense indices: padded ``[n, k]`` recommendations + relevant CSR."""
    if isinstance(recommended, str | bytes) or isinstance(relevant, str | bytes):
        raise TypeError("recommended and relevant must be sequences with one entry per user")
    if len(recommended) != len(relevant):
        raise ValueError(
            f"recommended has {len(recommended)} users but relevant has {len(relevant)}; "
            "pass one ranked list and one relevant set per user"
        )
    vocab: dict[Hashable, int] = {}
    rec = np.full((len(recommended), k), -1, dtype=np.int64)
    rows: list[int] = []
    cols: list[int] = []
    for u, (ranked, rel) in enumerate(zip(recommended, relevant, strict=True)):
        if isinstance(ranked, str | bytes) or isinstance(rel, str | bytes):
            raise TypeError(
                f"user {u}: expected a list of item ids and a set of item ids, got a string; "
                "wrap a single user's list as [[...]] and [{...}]"
            )
        top = [vocab.setdefault(item, len(vocab)) for item in list(ranked)[:k]]
        rec[u, : len(top)] = top
        rel_codes = {vocab.setdefault(item, len(vocab)) for item in rel}
        rows.extend([u] * len(rel_codes))
        cols.extend(rel_codes)
    shape = (len(recommended), max(len(vocab), 1))
    data = np.ones(len(rows), dtype=np.int8)
    relevant_csr = sp.csr_matrix((data, (rows, cols)), shape=shape)
    return rec, relevant_csr


def _metric(
    name: str,
    recommended: Sequence[Sequence[Hashable]],
    relevant: Sequence[Iterable[Hashable]],
    k: int,
) -> np.ndarray:
    k = _check_k(k)
    rec, rel = _encode(recommended, relevant, k)
    hits = hits_from_arrays(rec, rel)
    n_rel = np.diff(rel.indptr)
    return ranking_metrics(hits, n_rel, k)[name]


def precision_at_k(
    recommended: Sequence[Sequence[Hashable]], relevant: Sequence[Iterable[Hashable]], k: int
) -> np.ndarray:
    """Precision@k per user: hits in the top k / k (missing slots count as misses).

    Args:
        recommended: one ranked list of item ids per user, best first (any hashable ids,
            e.g. strings or ints); lists may be shorter or longer than ``k``.
        relevant: one collection (e.g. a set) of relevant item ids per user, aligned with
            ``recommended``.
        k: cut-off, ``>= 1``.

    Returns:
        float64 ``[n_users]``; NaN for users with no relevant items.

    Example:
        >>> precision_at_k([["a", "b", "c", "d"], ["x"]], [{"b", "d", "e"}, {"x"}], k=4)
        array([0.5 , 0.25])
    """
    return _metric("precision", recommended, relevant, k)


def recall_at_k(
    recommended: Sequence[Sequence[Hashable]], relevant: Sequence[Iterable[Hashable]], k: int
) -> np.ndarray:
    """Recall@k per user: hits in the top k / number of relevant items (not capped).

    Args:
        recommended: one ranked list of item ids per user, best first (any hashable ids,
            e.g. strings or ints); lists may be shorter or longer than ``k``.
        relevant: one collection (e.g. a set) of relevant item ids per user, aligned with
            ``recommended``.
        k: cut-off, ``>= 1``.

    Returns:
        float64 ``[n_users]``; NaN for users with no relevant items.
    """
    return _metric("recall", recommended, relevant, k)


def f1_at_k(
    recommended: Sequence[Sequence[Hashable]], relevant: Sequence[Iterable[Hashable]], k: int
) -> np.ndarray:
    """F1@k per user: harmonic mean of precision@k and recall@k (0 when both are 0).

    Args:
        recommended: one ranked list of item ids per user, best first (any hashable ids,
            e.g. strings or ints); lists may be shorter or longer than ``k``.
        relevant: one collection (e.g. a set) of relevant item ids per user, aligned with
            ``recommended``.
        k: cut-off, ``>= 1``.

    Returns:
        float64 ``[n_users]``; NaN for users with no relevant items.
    """
    return _metric("f1", recommended, relevant, k)


def ndcg_at_k(
    recommended: Sequence[Sequence[Hashable]], relevant: Sequence[Iterable[Hashable]], k: int
) -> np.ndarray:
    """NDCG@k per user with binary gain; ideal DCG over min(|relevant|, k) hits.

    Args:
        recommended: one ranked list of item ids per user, best first (any hashable ids,
            e.g. strings or ints); lists may be shorter or longer than ``k``.
        relevant: one collection (e.g. a set) of relevant item ids per user, aligned with
            ``recommended``.
        k: cut-off, ``>= 1``.

    Returns:
        float64 ``[n_users]``; NaN for users with no relevant items.

    Example:
        >>> ndcg_at_k([["a", "b", "c", "d"]], [{"b", "d", "e"}], k=4).round(4)
        array([0.4982])
    """
    return _metric("ndcg", recommended, relevant, k)


def map_at_k(
    recommended: Sequence[Sequence[Hashable]], relevant: Sequence[Iterable[Hashable]], k: int
) -> np.ndarray:
    """AP@k per user (MAP@k is its mean): Σ_{i≤k} P@i·rel_i / min(|relevant|, k).

    Args:
        recommended: one ranked list of item ids per user, best first (any hashable ids,
            e.g. strings or ints); lists may be shorter or longer than ``k``.
        relevant: one collection (e.g. a set) of relevant item ids per user, aligned with
            ``recommended``.
        k: cut-off, ``>= 1``.

    Returns:
        float64 ``[n_users]``; NaN for users with no relevant items.
    """
    return _metric("map", recommended, relevant, k)


def mrr_at_k(
    recommended: Sequence[Sequence[Hashable]], relevant: Sequence[Iterable[Hashable]], k: int
) -> np.ndarray:
    """Reciprocal rank of the first hit within the top k per user (0 if none).

    Args:
        recommended: one ranked list of item ids per user, best first (any hashable ids,
            e.g. strings or ints); lists may be shorter or longer than ``k``.
        relevant: one collection (e.g. a set) of relevant item ids per user, aligned with
            ``recommended``.
        k: cut-off, ``>= 1``.

    Returns:
        float64 ``[n_users]``; NaN for users with no relevant items.
    """
    return _metric("mrr", recommended, relevant, k)


def hit_rate_at_k(
    recommended: Sequence[Sequence[Hashable]], relevant: Sequence[Iterable[Hashable]], k: int
) -> np.ndarray:
    """Hit rate@k per user: 1 if the top k holds a relevant item, else 0.

    Args:
        recommended: one ranked list of item ids per user, best first (any hashable ids,
            e.g. strings or ints); lists may be shorter or longer than ``k``.
        relevant: one collection (e.g. a set) of relevant item ids per user, aligned with
            ``recommended``.
        k: cut-off, ``>= 1``.

    Returns:
        float64 ``[n_users]``; NaN for users with no relevant items.
    """
    return _metric("hit_rate", recommended, relevant, k)
