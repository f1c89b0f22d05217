# SPDX-License-Identifier: MIT
"""One evaluation harness for every model.

``lmrec.evaluate`` is both this package and a function::

    result = lmrec.evaluate(model, test, train=train, k=10)
    lmrec.evaluate.metrics.ndcg_at_k([["a", "b"]], [{"b"}], k=2)
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_LAZY = {
    "evaluate": ("lmrec.evaluate._harness", "evaluate"),
    "evaluate_ratings": ("lmrec.evaluate._harness", "evaluate_ratings"),
    "EvalResult": ("lmrec.evaluate._result", "EvalResult"),
    "compare": ("lmrec.evaluate._result", "compare"),
    "write_report": ("lmrec.evaluate.report", "write_report"),
    "bootstrap_ci": ("lmrec.evaluate.stats", "bootstrap_ci"),
    "paired_test": ("lmrec.evaluate.stats", "paired_test"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    if name in ("metrics", "stats", "report"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    """Lets ``lmrec.evaluate(...)`` call :func:`lmrec.evaluate._harness.evaluate`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return __getattr__("evaluate")(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = [*_LAZY, "metrics", "stats", "report"]
