# SPDX-License-Identifier: MIT
"""Knowledge distillation of a slow teacher into a fast two-tower student."""

from lmrec.models.distill.model import DistillConfig, Distilled

__all__ = ["DistillConfig", "Distilled"]
