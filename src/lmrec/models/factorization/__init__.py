# SPDX-License-Identifier: MIT
"""Matrix factorisation: ALS and BPR (through ``implicit``) and biased MF for ratings."""

from lmrec.models.factorization.biased_mf import BiasedMF, BiasedMFConfig
from lmrec.models.factorization.implicit_mf import ALS, BPR, ALSConfig, BPRConfig

__all__ = ["ALS", "BPR", "ALSConfig", "BPRConfig", "BiasedMF", "BiasedMFConfig"]
