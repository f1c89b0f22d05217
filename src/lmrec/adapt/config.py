# SPDX-License-Identifier: MIT
"""Adaptation strategies as one typed config value."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Strategy = Literal["scratch", "full", "freeze", "adapter", "lora"]


class AdaptConfig(BaseModel):
    """How a pretrained sequential model is adapted to a target scenario.

    * ``scratch``: ignore the pretrained weights (the reference).
    * ``full``: fine-tune every weight.
    * ``freeze``: keep the Transformer frozen and train the text adaptor (and positions);
      ``freeze_layers`` > 0 instead freezes only the bottom N Transformer layers.
    * ``adapter``: train only a small residual bottleneck on the item representations
      (UniSRec-style), everything else frozen.
    * ``lora``: low-rank updates through ``peft`` of the modules named by ``target_modules``,
      everything else frozen: the Transformer's feed-forward layers (``linear1``/``linear2``,
      the default) or the item side, the text adaptor's layers (``adaptor.0``/``adaptor.2``),
      which transfers better to a new catalogue. (PyTorch's attention reads its output
      projection's weight directly, so a LoRA there would never train: it is refused.)

    ``lr`` overrides the model's learning rate for the trained weights: small adapters and
    LoRA matrices that start at zero need a larger step than full fine-tuning.
    ``item_ids`` adds a trained ID embedding for the target's items on top of any strategy
    (it is saved with the adapter: items × dim floats).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    strategy: Strategy = "full"
    freeze_layers: int = Field(0, ge=0, description="freeze: bottom N layers only (0: all)")
    adapter_dim: int = Field(32, ge=1, description="adapter bottleneck width")
    lora_r: int = Field(8, ge=1)
    lora_alpha: int = Field(16, ge=1)
    lora_dropout: float = Field(0.0, ge=0, lt=1)
    target_modules: list[str] = Field(
        default_factory=lambda: ["linear1", "linear2"],
        description="sub-modules LoRA wraps: linear1/linear2 (Transformer feed-forward) "
        "and/or adaptor.0/adaptor.2 (the item text adaptor)",
    )
    lr: float | None = Field(None, gt=0, description="learning rate (None: the model's)")
    item_ids: bool = Field(
        False,
        description="also learn an ID embedding per target item, added to its text "
        "representation and trained with every strategy (UniSRec's inductive + transductive "
        "fine-tuning); items without training events keep their text alone",
    )
