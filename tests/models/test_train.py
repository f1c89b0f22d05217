# SPDX-License-Identifier: MIT
"""Training helpers shared by the neural models."""

from __future__ import annotations

import pytest

from lmrec.models._train import EarlyStopping


class _Net:
    def __init__(self) -> None:
        self.w = 0.0

    def state_dict(self) -> dict[str, float]:
        return {"w": self.w}

    def load_state_dict(self, state: dict[str, float]) -> None:
        self.w = state["w"]


@pytest.mark.parametrize("offset", [0.0, -5.0])  # e.g. NDCG, or a negated RMSE above 1
def test_early_stopping_keeps_the_best_and_stops_after_patience(offset: float) -> None:
    net, stopping = _Net(), EarlyStopping(patience=2)
    for w, metric in [(1.0, 0.1), (2.0, 0.3), (3.0, 0.2), (4.0, 0.25)]:
        net.w = w
        stopping.step(metric + offset, net)
        if w < 4.0:
            assert not stopping.stop
    assert stopping.stop
    stopping.restore(net)
    assert net.w == 2.0
