# SPDX-License-Identifier: MIT
"""Seeded clustered unit vectors shared by the retrieval tests."""

from __future__ import annotations

import numpy as np
import pytest

from lmrec.retrieval._testing import clustered_vectors

pytest.importorskip("faiss")

DIM = 32  # the fixtures' dimension


@pytest.fixture(scope="session")
def corpus() -> tuple[np.ndarray, np.ndarray]:
    """5,000 item vectors and 200 queries from 100 clusters (dim 32)."""
    items, centres = clustered_vectors(5000, DIM, 100, noise=1.0, seed=0)
    queries, _ = clustered_vectors(200, DIM, 100, noise=1.0, seed=1, centres=centres)
    return items, queries


@pytest.fixture(scope="session")
def small() -> tuple[np.ndarray, np.ndarray]:
    """600 item vectors and 20 queries from 20 clusters: quick to index with any kind."""
    items, centres = clustered_vectors(600, DIM, 20, noise=1.0, seed=2)
    queries, _ = clustered_vectors(20, DIM, 20, noise=1.0, seed=3, centres=centres)
    return items, queries
