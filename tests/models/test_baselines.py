# SPDX-License-Identifier: MIT
"""Every baseline passes the shared conformance suite."""

from __future__ import annotations

from conformance import RecommenderTests


class TestPopular(RecommenderTests):
    model = "popular"
    expected_top1_blocks = 0.0  # not personalised: the known answer is out of its reach
    personalised = False


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
