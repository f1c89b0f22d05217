# SPDX-License-Identifier: MIT
"""Ensembles: score fusion, reciprocal rank fusion, Borda count and learned stacking."""

from lmrec.models.fusion.config import ChildSpec, FusionConfig
from lmrec.models.fusion.model import Fusion

__all__ = ["ChildSpec", "Fusion", "FusionConfig"]
