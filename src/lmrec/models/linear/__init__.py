# SPDX-License-Identifier: MIT
"""Linear item-item models."""

from lmrec.models.linear.ease import EASE, EASEConfig

__all__ = ["EASE", "EASEConfig"]
