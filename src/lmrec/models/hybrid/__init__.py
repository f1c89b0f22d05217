# SPDX-License-Identifier: MIT
"""Hybrid models: collaborative signals tied to LM text embeddings."""

from lmrec.models.hybrid.model import ContentLearned, ContentLearnedConfig, Hybrid, HybridConfig

__all__ = ["ContentLearned", "ContentLearnedConfig", "Hybrid", "HybridConfig"]
