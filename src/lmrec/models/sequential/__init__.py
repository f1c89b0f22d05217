# SPDX-License-Identifier: MIT
"""Sequential recommenders: a causal Transformer over ID and/or LM text item representations."""

from lmrec.models.sequential.model import SASRec, SASRecConfig

__all__ = ["SASRec", "SASRecConfig"]
