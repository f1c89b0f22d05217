# SPDX-License-Identifier: MIT
"""Online evaluation: off-policy estimators, replay, and an interactive rating simulator.

>>> from lmrec.evaluate.online import ips, synthetic_log
>>> log = synthetic_log(n_rounds=500, seed=0)
>>> est = ips(log.rewards, log.propensities, log.target_probs)
>>> round(log.true_value, 3) > 0
True
"""

from lmrec.evaluate.online.ope import Estimate, dr, ips, snips
from lmrec.evaluate.online.replay import ReplayResult, replay
from lmrec.evaluate.online.simulator import (
    RatingSimulator,
    Rounds,
    SimTrace,
    SimulatorConfig,
    simulate,
)
from lmrec.evaluate.online.streaming import (
    STRATEGIES,
    WindowResult,
    chronological_windows,
    prequential,
)
from lmrec.evaluate.online.synthetic import SyntheticConfig, SyntheticLog, synthetic_log

__all__ = [
    "STRATEGIES",
    "Estimate",
    "RatingSimulator",
    "ReplayResult",
    "Rounds",
    "SimTrace",
    "SimulatorConfig",
    "SyntheticConfig",
    "SyntheticLog",
    "WindowResult",
    "chronological_windows",
    "dr",
    "ips",
    "prequential",
    "replay",
    "simulate",
    "snips",
    "synthetic_log",
]
