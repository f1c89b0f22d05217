# SPDX-License-Identifier: MIT
"""Rating-prediction error metrics: RMSE and MAE.

* **RMSE** = sqrt(mean((y_true − y_pred)²))
* **MAE** = mean(|y_true − y_pred|)

Both take array-likes of the same shape (any shape; every element is one prediction) and return
a Python ``float``. Empty input, a shape mismatch or a non-finite value (NaN/inf) raise
``ValueError``: a silent NaN average would hide a bug upstream.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["mae", "rmse"]


def _errors(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    """``y_true − y_pred`` as float64, after validating both inputs."""
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if t.shape != p.shape:
        raise ValueError(
            f"y_true has shape {t.shape} but y_pred has shape {p.shape}; "
            "pass one prediction per true rating"
        )
    if t.size == 0:
        raise ValueError("y_true and y_pred are empty; an error metric needs at least one rating")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(p))):
        raise ValueError("y_true and y_pred must be finite (found NaN or inf); drop or fill them")
    return t - p


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error.

    Args:
        y_true: true ratings.
        y_pred: predicted ratings, same shape as ``y_true``.

    Returns:
        ``sqrt(mean((y_true - y_pred) ** 2))``.

    Raises:
        ValueError: on empty input, mismatched shapes or non-finite values.

    Example:
        >>> rmse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])  # sqrt(4 / 3)
        1.1547005383792515
    """
    err = _errors(y_true, y_pred)
    return float(np.sqrt(np.mean(err * err)))


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error.

    Args:
        y_true: true ratings.
        y_pred: predicted ratings, same shape as ``y_true``.

    Returns:
        ``mean(|y_true - y_pred|)``.

    Raises:
        ValueError: on empty input, mismatched shapes or non-finite values.

    Example:
        >>> mae([1.0, 2.0, 3.0], [2.0, 2.0, 5.0])  # (1 + 0 + 2) / 3
        1.0
    """
    return float(np.mean(np.abs(_errors(y_true, y_pred))))
