# SPDX-License-Identifier: MIT
"""Metric functions of the evaluation harness: pure numpy, vectorised, pinned by known answers.

The documented surface takes plain inputs anyone can check by hand::

    from lmrec.evaluate.metrics import ndcg_at_k
    ndcg_at_k([["a", "b", "c", "d"]], [{"b", "d", "e"}], k=4)   # one value per user

* ranking @K (:mod:`.ranking`): precision, recall, F1, NDCG, MAP, MRR, hit rate, plus the array
  cores :func:`hits_from_arrays`, :func:`ranking_metrics`, :func:`ndcg_curve`,
  :func:`recall_curve` used by the harness;
* rating (:mod:`.rating`): RMSE, MAE;
* click (:mod:`.click`): AUC, per-user full-ranking AUC, log loss;
* beyond accuracy (:mod:`.beyond`): catalogue coverage, novelty, intra-list diversity,
  average popularity, Gini of exposure.

Each module's docstring states its exact definitions and NaN conventions.
"""

from __future__ import annotations

from lmrec.evaluate.metrics.beyond import (
    average_popularity,
    catalog_coverage,
    gini_exposure,
    intra_list_diversity,
    novelty,
)
from lmrec.evaluate.metrics.click import auc, auc_per_row, log_loss
from lmrec.evaluate.metrics.ranking import (
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
from lmrec.evaluate.metrics.rating import mae, rmse

__all__ = [
    "RANKING_METRICS",
    "auc",
    "auc_per_row",
    "average_popularity",
    "catalog_coverage",
    "f1_at_k",
    "gini_exposure",
    "hit_rate_at_k",
    "hits_from_arrays",
    "intra_list_diversity",
    "log_loss",
    "mae",
    "map_at_k",
    "mrr_at_k",
    "ndcg_at_k",
    "ndcg_curve",
    "novelty",
    "precision_at_k",
    "ranking_metrics",
    "recall_at_k",
    "recall_curve",
    "rmse",
]
