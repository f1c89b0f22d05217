# SPDX-License-Identifier: MIT
"""Shared conformance suites: every lmrec model's test class inherits one."""

from conformance.recommender import RecommenderTests, TextRecommenderTests

__all__ = ["RecommenderTests", "TextRecommenderTests"]
