# SPDX-License-Identifier: MIT
"""Most-popular and random recommenders (the reference floors)."""

from lmrec.models.popularity.model import Popular, PopularConfig
from lmrec.models.popularity.random import Random, RandomConfig

__all__ = ["Popular", "PopularConfig", "Random", "RandomConfig"]
