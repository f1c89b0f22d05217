# SPDX-License-Identifier: MIT
"""Most-popular recommender."""

from lmrec.models.popularity.model import Popular, PopularConfig

__all__ = ["Popular", "PopularConfig"]
