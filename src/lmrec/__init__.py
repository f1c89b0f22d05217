# SPDX-License-Identifier: MIT
"""lmrec: language-model-driven recommendation across scenarios.

Sub-modules load on first use so ``import lmrec`` (and the CLI) stay fast::

    import lmrec
    ds = lmrec.datasets.load("ml-100k")
    train, valid, test = lmrec.split.temporal_user(ds, test_frac=0.2, valid_frac=0.1, seed=7)
    model = lmrec.models.create("ease", lam=500).fit(train, valid)
    result = lmrec.evaluate(model, test, train=train, k=10)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "datasets": "lmrec.data.loaders",
    "split": "lmrec.data.split",
    "data": "lmrec.data",
    "models": "lmrec.models",
    "evaluate": "lmrec.evaluate",
    "errors": "lmrec.errors",
    "pipeline": "lmrec.pipeline",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        globals()[name] = module
        return module
    raise AttributeError(f"module 'lmrec' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = ["__version__", *_LAZY]
