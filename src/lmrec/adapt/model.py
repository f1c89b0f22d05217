# SPDX-License-Identifier: MIT
"""A sequential model adapted from a pretrained base to a target scenario."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from lmrec.adapt.config import AdaptConfig
from lmrec.adapt.layers import apply, count_parameters
from lmrec.errors import ConfigError
from lmrec.models.sequential.model import SASRec, SASRecConfig

# architecture settings an adapted model takes from its base
_ARCH = ("dim", "layers", "heads", "max_len", "use_ids", "use_text", "encoder", "encoder_params")


class AdaptedSASRecConfig(SASRecConfig):
    """:class:`SASRecConfig` plus the base checkpoint and the adaptation strategy."""

    base: str = Field(..., description="folder of a saved text-based SASRec (the pretrained base)")
    adapt: AdaptConfig = Field(default_factory=lambda: AdaptConfig.model_validate({}))
    use_ids: bool = False
    use_text: bool = True


class AdaptedSASRec(SASRec):
    """SASRec initialised from a pretrained text-based base and trained on a target scenario
    with one of the :class:`AdaptConfig` strategies (``scratch`` ignores the base).

    The base must represent items by text only (``use_ids=False``): that is what lets its
    weights carry over to a new catalogue. Architecture settings are taken from the base;
    ``trainable_`` reports the trained and total parameter counts.

    Stability: experimental.
    """

    name: ClassVar[str] = "sasrec_adapted"
    config_class = AdaptedSASRecConfig  # type: ignore[assignment]  # adds a required field
    config: AdaptedSASRecConfig

    def __init__(self, config: Any = None, **params: Any) -> None:
        super().__init__(config, **params)
        base = self._base()
        if base.config.use_ids:
            raise ConfigError("sasrec_adapted: the base must be text-only (use_ids=False)")
        arch = {k: getattr(base.config, k) for k in _ARCH}
        self.config = self.config.model_copy(update=arch)

    def _base(self) -> SASRec:
        from lmrec.models import load

        base = load(self.config.base)
        if not isinstance(base, SASRec):
            raise ConfigError(f"sasrec_adapted: {self.config.base} holds a {base.name!r} model")
        return base

    def _structure(self, n_items: int) -> Any:
        """The network with the strategy's extra modules and frozen parts, untrained."""
        return apply(self._net(n_items), self.config.adapt)

    def _training_net(self) -> Any:
        net = self._net(self.n_items)
        if self.config.adapt.strategy != "scratch":
            state = self._base().net_.state_dict()
            net.load_state_dict(state)
        net = apply(net, self.config.adapt)
        self.trainable_ = count_parameters(net)
        return net

    def _set_state(self, state: dict[str, Any]) -> None:
        import numpy as np
        import torch

        from lmrec.models.content._text import TextRecommender

        TextRecommender._set_state(self, state)
        self.seqs_ = np.split(state["seq_items"], np.cumsum(state["seq_lengths"])[:-1])
        self.net_ = self._structure(self.n_items)
        self.net_.load_state_dict(
            {k[4:]: torch.from_numpy(np.array(v)) for k, v in state.items() if k.startswith("net.")}
        )
        self.trainable_ = count_parameters(self.net_)
        self._cache_items()
