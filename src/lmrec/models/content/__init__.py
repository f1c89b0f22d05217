# SPDX-License-Identifier: MIT
"""Content-based models over LM item embeddings."""

from lmrec.models.content._text import TextConfig, TextRecommender
from lmrec.models.content.knn import ContentKNN, ContentKNNConfig

__all__ = ["ContentKNN", "ContentKNNConfig", "TextConfig", "TextRecommender"]
