# SPDX-License-Identifier: MIT
"""Scenario adaptation: start from a model pretrained across scenarios and fit a target one by
full fine-tuning, freezing, a bottleneck adapter or LoRA (through ``peft``).

>>> from lmrec.adapt import AdaptConfig
>>> AdaptConfig(strategy="lora", lora_r=4).strategy
'lora'
"""

from lmrec.adapt.config import AdaptConfig, Strategy
from lmrec.adapt.layers import BottleneckAdapter, apply, count_parameters
from lmrec.adapt.model import AdaptedSASRec, AdaptedSASRecConfig
from lmrec.adapt.registry import ScenarioRegistry

STRATEGIES: tuple[str, ...] = ("scratch", "full", "freeze", "adapter", "lora")

__all__ = [
    "STRATEGIES",
    "AdaptConfig",
    "AdaptedSASRec",
    "AdaptedSASRecConfig",
    "BottleneckAdapter",
    "ScenarioRegistry",
    "Strategy",
    "apply",
    "count_parameters",
]
