# SPDX-License-Identifier: MIT
"""Fine-tuned language-model ranker (cross-encoder) with freezing and parameter-efficient
fine-tuning."""

from lmrec.models.ranker.config import RankerConfig
from lmrec.models.ranker.model import LMRanker

__all__ = ["LMRanker", "RankerConfig"]
