# SPDX-License-Identifier: MIT
"""Every baseline passes the shared conformance suite."""

from __future__ import annotations

import numpy as np

from conformance import RecommenderTests


class TestPopular(RecommenderTests):
    model = "popular"
    expected_top1_blocks = 0.0  # not personalised: the known answer is out of its reach
    personalised = False


class TestRandom(RecommenderTests):
    model = "random"
    params = {"seed": 3}
    expected_top1_blocks = 0.0
    personalised = False

    def test_empty_history_gets_fallback(self, fitted) -> None:  # type: ignore[no-untyped-def]
        """Random's fallback is its own ad-hoc ordering, not popularity."""
        from lmrec.models import UserBatch

        recs = fitted.recommend(UserBatch.from_histories([[]], fitted.n_items), k=3)
        assert recs.items[0].tolist() == list(np.argsort(-fitted._fallback_scores())[:3])


class TestItemKNN(RecommenderTests):
    model = "item_knn"
    params = {"k": 20}


class TestItemKNNShrunkAsymmetric(RecommenderTests):
    model = "item_knn"
    params = {"k": 5, "shrink": 10.0, "alpha": 0.3}


class TestUserKNN(RecommenderTests):
    model = "user_knn"
    params = {"k": 10}


class TestALS(RecommenderTests):
    model = "als"
    params = {"factors": 4, "regularization": 0.1, "iterations": 15}


class TestBPR(RecommenderTests):
    model = "bpr"
    params = {"factors": 8, "iterations": 300, "learning_rate": 0.05}


class TestEASE(RecommenderTests):
    model = "ease"
    params = {"lam": 1.0}


class TestBiasedMF(RecommenderTests):
    model = "biased_mf"
    params = {"factors": 4, "iterations": 10}
    explicit = True
