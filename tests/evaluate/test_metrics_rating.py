# SPDX-License-Identifier: MIT
"""Known-answer tests of RMSE and MAE (lmrec.evaluate.metrics.rating)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lmrec.evaluate.metrics import mae, rmse


def test_known_answers():
    # errors (true - pred) = [0, 0, -2]: RMSE = sqrt(4 / 3), MAE = 2 / 3
    assert rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(math.sqrt(4 / 3))
    assert mae([1, 2, 3], [1, 2, 5]) == pytest.approx(2 / 3)
    # errors [1, -1, 3, -3]: RMSE = sqrt((1 + 1 + 9 + 9) / 4) = sqrt(5), MAE = 8 / 4 = 2
    assert rmse([4, 3, 5, 1], [3, 4, 2, 4]) == pytest.approx(math.sqrt(5))
    assert mae([4, 3, 5, 1], [3, 4, 2, 4]) == pytest.approx(2.0)


def test_perfect_prediction_is_zero_and_result_is_a_float():
    y = np.array([1.5, 2.0, 4.5], dtype=np.float32)
    assert rmse(y, y) == 0.0 and mae(y, y) == 0.0
    assert type(rmse(y, y)) is float and type(mae(y, y)) is float


def test_any_shape_is_flattened_elementwise():
    assert rmse([[1, 2], [3, 4]], [[1, 2], [3, 6]]) == pytest.approx(1.0)  # sqrt(4 / 4)


@pytest.mark.parametrize("fn", [rmse, mae])
def test_errors(fn):
    with pytest.raises(ValueError, match="empty"):
        fn([], [])
    with pytest.raises(ValueError, match="shape"):
        fn([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="finite"):
        fn([1, 2], [1, np.nan])
