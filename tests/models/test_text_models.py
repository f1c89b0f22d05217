# SPDX-License-Identifier: MIT
"""Text models pass the shared conformance suite plus the text contract (hashing encoder)."""

from __future__ import annotations

import numpy as np
import pytest

import lmrec
from conformance import TextRecommenderTests
from lmrec.data.synthetic import blocks, random_interactions
from lmrec.errors import ModelError, UnknownIdError
from lmrec.models.fusion import Fusion

FAST = {"encoder": "hashing", "epochs": 30, "dim": 32, "batch_users": 16, "dropout": 0.2}


class TestContentKNN(TextRecommenderTests):
    model = "content"
    params = {"encoder": "hashing"}


class TestContentKNNRecency(TextRecommenderTests):
    model = "content"
    params = {"encoder": "hashing", "half_life": 3.0}


class TestHybrid(TextRecommenderTests):
    model = "hybrid"
    params = FAST


class TestContentLearned(TextRecommenderTests):
    model = "content_learned"
    params = FAST


def test_text_model_needs_item_text() -> None:
    ds = random_interactions(with_text=False)
    with pytest.raises(ModelError, match="no item text"):
        lmrec.models.create("content", encoder="hashing").fit(ds)


def test_recency_weights_favour_latest_items() -> None:
    ds = random_interactions(seed=1)
    model = lmrec.models.create("content", encoder="hashing", half_life=1.0).fit(ds)
    row = model.weights_[0]
    events = ds.events[ds.user_index == 0].sort_values("timestamp")
    latest = int(events["item"].iloc[-1])
    oldest = int(events["item"].iloc[0])
    w = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
    ratings = dict(zip(events["item"], events["value"], strict=True))
    assert w[latest] / ratings[latest] > w[oldest] / ratings[oldest]


def test_hybrid_early_stopping_records_validation() -> None:
    ds = random_interactions(n_users=80, seed=2)
    split = lmrec.split.random(ds, test_frac=0.2, valid_frac=0.1, seed=0)
    model = lmrec.models.create("hybrid", **{**FAST, "epochs": 12, "patience": 2})
    model.fit(split.train, split.valid)
    assert all("valid_ndcg@10" in r for r in model.history_)
    assert 1 <= len(model.history_) <= 12
    best = max(r["valid_ndcg@10"] for r in model.history_)
    assert np.isclose(model._valid_ndcg(split.valid), best)


def test_cold_item_scored_from_text() -> None:
    """An item with no training events gets a finite, text-driven score, not a constant."""
    ds = random_interactions(seed=4)
    split = lmrec.split.cold_item(ds, test_frac=0.2, seed=0)
    model = lmrec.models.create("hybrid", **FAST).fit(split.train)
    cold = np.unique(split.test.item_index)
    scores = model.score(np.arange(10))[:, cold]
    assert np.isfinite(scores).all()
    assert scores.std(axis=1).min() > 0


def test_fusion_passes_text_queries_to_text_children() -> None:
    split = blocks(with_text=True)
    content = lmrec.models.create("content", encoder="hashing").fit(split.train)
    popular = lmrec.models.create("popular").fit(split.train)
    fused = Fusion.from_models([content, popular], method="score", weights=[1.0, 0.1])
    assert fused.reads_text()
    ids = fused.recommend(fused.batch_from_texts(["heist thriller bank robbery"]), k=3)
    assert [int(i) // 6 for i in ids.external()[0]] == [2, 2, 2]


def test_similar_items_hnsw_matches_exact() -> None:
    split = blocks(with_text=True)
    exact = lmrec.models.create("content", encoder="hashing").fit(split.train)
    hnsw = lmrec.models.create("content", encoder="hashing", index="hnsw").fit(split.train)
    for item in ["0", "7", "13"]:
        a = {i for i, _ in exact.similar_items(item, k=4)}
        b = {i for i, _ in hnsw.similar_items(item, k=4)}
        assert len(a & b) >= 3
    with pytest.raises(UnknownIdError):
        exact.similar_items("no-such-item")
