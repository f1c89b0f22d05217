# SPDX-License-Identifier: MIT
"""Shared conformance suites: every lmrec model's test class inherits one."""

from conformance.recommender import RecommenderTests

__all__ = ["RecommenderTests"]
