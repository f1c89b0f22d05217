# SPDX-License-Identifier: MIT
"""The evaluation harness: full ranking of every test user, all metrics, per-user values kept."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from tqdm.auto import tqdm

from lmrec.data import Dataset
from lmrec.errors import DataError, ModelError
from lmrec.evaluate._result import EvalResult
from lmrec.evaluate.metrics import beyond, click, rating
from lmrec.evaluate.metrics.ranking import (
    hits_from_arrays,
    ndcg_curve,
    ranking_metrics,
    recall_curve,
)
from lmrec.models import Recommender, UserBatch
from lmrec.models._topk import mask_rows, topk

CURVE_MAX_K = 50


def _relevant(test: Dataset, threshold: float | None) -> sp.csr_matrix:
    rel = test.interactions.copy()
    if threshold is not None:
        rel.data = (rel.data >= threshold).astype(np.float32)
        rel.eliminate_zeros()
    rel.data[:] = 1.0
    return rel


def default_item_vectors(train: Dataset) -> np.ndarray | None:
    """Numeric item features (e.g. genre flags) used for intra-list diversity, if any."""
    feats = train.item_features
    if feats is None:
        return None
    num = feats.select_dtypes("number")
    cols = [c for c in num.columns if str(c).startswith("genre:")] or list(num.columns)
    if not cols:
        return None
    return num[cols].fillna(0).to_numpy(dtype=np.float32)


def evaluate(
    model: Recommender,
    test: Dataset,
    *,
    train: Dataset | None = None,
    k: int = 10,
    candidates: np.ndarray | None = None,
    relevance_threshold: float | None = None,
    users: np.ndarray | None = None,
    item_vectors: np.ndarray | None = None,
    batch_size: int = 1024,
    n_boot: int = 1000,
    seed: int = 0,
    name: str | None = None,
    meta: dict[str, Any] | None = None,
    progress: bool | None = None,
) -> EvalResult:
    """Evaluate ``model`` on ``test`` by full ranking, seen items excluded.

    Every user with at least one relevant test item is ranked over all items (or over
    ``candidates``) minus the items in their ``train`` history; ranking metrics at ``k``, NDCG
    and recall curves for K = 1…50, full-ranking AUC, beyond-accuracy metrics and, for rating
    models on explicit data, RMSE/MAE are computed and kept per user.

    Args:
        model: a fitted recommender.
        test: held-out events (same id maps as the model's training data).
        train: the history whose items are excluded and that drives history-based scoring;
            default: the model's training data.
        k: cut-off of the headline metrics.
        candidates: dense item indices to rank among (e.g. the held-out items of a cold split).
        relevance_threshold: test events with a lower value are not relevant (None: all are).
        users: restrict to these dense user indices.
        item_vectors: ``[n_items, d]`` vectors for intra-list diversity (default: the training
            data's numeric item features, e.g. genres; skipped when there are none).
        batch_size: users scored at once (bounds memory at ``batch_size × n_items`` floats).
        n_boot, seed: bootstrap of the confidence intervals.
        name: label of the model in reports (default: the model's registry name).
        meta: extra facts recorded with the result (e.g. ``fit_s``, split description).
        progress: show a progress bar (default: when stderr is a terminal).

    Returns:
        An :class:`EvalResult` holding per-user values, means with 95% CIs and curves.
    """
    model._check_fitted()
    if test.n_items != model.n_items or test.n_users != model.n_users:
        raise DataError(
            f"test data ({test.n_users} users × {test.n_items} items) does not share the model's "
            f"id maps ({model.n_users} × {model.n_items}); split one Dataset with lmrec.split"
        )
    if k < 1:
        raise ModelError(f"k must be ≥ 1, got {k}")
    seen = model.train_ if train is None else train.interactions
    rel = _relevant(test, relevance_threshold)
    n_rel_all = np.diff(rel.indptr)
    eval_users = np.flatnonzero(n_rel_all > 0)
    if users is not None:
        eval_users = np.intersect1d(eval_users, np.asarray(users, np.int64))
    if candidates is not None:
        cand_mask = np.zeros(model.n_items, bool)
        cand_mask[np.asarray(candidates, np.int64)] = True
        rel = sp.csr_matrix(rel.multiply(cand_mask[None, :]))
        rel.eliminate_zeros()  # masked entries stay stored as explicit zeros otherwise
        eval_users = eval_users[np.diff(rel.indptr)[eval_users] > 0]
    if len(eval_users) == 0:
        raise DataError(f"{test.name}: no user has a relevant test item; nothing to evaluate")

    kmax = max(k, CURVE_MAX_K)
    ks = np.arange(1, CURVE_MAX_K + 1)
    parts: dict[str, list[np.ndarray]] = {}
    top_all = np.empty((len(eval_users), k), np.int64)
    t0 = time.perf_counter()
    batches = range(0, len(eval_users), batch_size)
    for start in tqdm(batches, desc=f"evaluate {name or model.name}", disable=_quiet(progress)):
        ub = eval_users[start : start + batch_size]
        batch = UserBatch(index=ub, history=sp.csr_matrix(seen[ub]))
        scores = model.score(batch)
        mask_rows(scores, batch.history)
        if candidates is not None:
            scores[:, ~cand_mask] = -np.inf
        top, _ = topk(scores, kmax)
        rel_b = rel[ub]
        n_rel = np.diff(rel_b.indptr)
        hits = hits_from_arrays(top, rel_b)
        for key, val in ranking_metrics(hits, n_rel, k).items():
            parts.setdefault(f"{key}@{k}", []).append(val)
        parts.setdefault("ndcg_curve", []).append(ndcg_curve(hits, n_rel, ks))
        parts.setdefault("recall_curve", []).append(recall_curve(hits, n_rel, ks))
        parts.setdefault("auc", []).append(click.auc_per_row(scores, rel_b, np.isfinite(scores)))
        top_all[start : start + len(ub)] = top[:, :k]
    eval_s = time.perf_counter() - t0

    per_user = {key: np.concatenate(v) for key, v in parts.items() if not key.endswith("_curve")}
    if item_vectors is None:
        item_vectors = default_item_vectors(test)
    per_user.update(_beyond(top_all, model, k, item_vectors))
    global_metrics = {
        f"coverage@{k}": beyond.catalog_coverage(top_all, model.n_items),
        f"gini@{k}": beyond.gini_exposure(top_all, model.n_items),
    }
    global_metrics.update(_rating_metrics(model, test))
    info = {
        "dataset": test.name,
        "n_users": len(eval_users),
        "n_items": int(model.n_items),
        "n_candidates": int(model.n_items if candidates is None else len(candidates)),
        "eval_s": round(eval_s, 4),
        "users_per_s": round(len(eval_users) / max(eval_s, 1e-9), 1),
        "config": model.config.model_dump(mode="json"),
        "model_class": model.name,
        **(meta or {}),
    }
    return EvalResult(
        name=name or model.name,
        k=k,
        users=eval_users,
        per_user=per_user,
        global_metrics=global_metrics,
        curves={
            "k": ks.tolist(),
            "ndcg": np.nanmean(np.concatenate(parts["ndcg_curve"]), axis=0).tolist(),
            "recall": np.nanmean(np.concatenate(parts["recall_curve"]), axis=0).tolist(),
        },
        meta=info,
        n_boot=n_boot,
        seed=seed,
    )


def _quiet(progress: bool | None) -> bool | None:
    return None if progress is None else not progress


def _beyond(
    top: np.ndarray, model: Recommender, k: int, item_vectors: np.ndarray | None
) -> dict[str, np.ndarray]:
    counts = np.asarray(model.popularity_, dtype=np.float64)
    out = {
        f"novelty@{k}": beyond.novelty(top, counts, model.n_users),
        f"arp@{k}": beyond.average_popularity(top, counts),
    }
    if item_vectors is not None:
        out[f"ild@{k}"] = beyond.intra_list_diversity(top, item_vectors)
    return out


def _rating_metrics(model: Recommender, test: Dataset) -> dict[str, float]:
    if not model.rates() or test.feedback != "explicit" or test.n_events == 0:
        return {}
    pred = model.predict(test.user_index, test.item_index)
    return {"rmse": rating.rmse(test.values, pred), "mae": rating.mae(test.values, pred)}


def evaluate_ratings(model: Recommender, test: Dataset) -> dict[str, float]:
    """RMSE and MAE of a rating model's predictions on ``test`` events."""
    if not model.rates():
        raise ModelError(f"{model.name} does not predict ratings")
    return _rating_metrics(model, test)


def evaluate_many(models: Sequence[Recommender], test: Dataset, **kwargs: Any) -> list[EvalResult]:
    """:func:`evaluate` for several models with the same settings."""
    return [evaluate(m, test, **kwargs) for m in models]
