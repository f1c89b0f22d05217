# SPDX-License-Identifier: MIT
"""A sequential model adapted from a pretrained base to a target scenario."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from lmrec._io import verify_dir
from lmrec.adapt.config import AdaptConfig
from lmrec.adapt.layers import apply, count_parameters
from lmrec.errors import ArtifactError, ConfigError
from lmrec.models._train import run_identity
from lmrec.models.sequential.model import SASRec, SASRecConfig

# architecture settings an adapted model takes from its base
_ARCH = (
    "dim",
    "layers",
    "heads",
    "max_len",
    "use_ids",
    "use_text",
    "encoder",
    "encoder_params",
    "key_padding",
)
ADAPTER_FILE = "adapter.safetensors"


@lru_cache(maxsize=8)
def _load_base(path: str, digest: str) -> SASRec:
    """A base model loaded once per (folder, content digest) and shared by its adapters."""
    from lmrec.models import load

    base = load(path)
    if not isinstance(base, SASRec):
        raise ConfigError(f"sasrec_adapted: {path} holds a {base.name!r} model")
    return base


def _digest(path: str) -> str:
    """SHA-256 of the base's weights file, from its verified manifest."""
    return str(verify_dir(path)["files"]["state.npz"])


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
        arch["use_ids"] = self.config.adapt.item_ids  # the target's own IDs, never the base's
        self.config = self.config.model_copy(update=arch)

    def _base(self) -> SASRec:
        return _load_base(str(Path(self.config.base).resolve()), _digest(self.config.base))

    def _learning_rate(self) -> float:
        return self.config.adapt.lr or self.config.lr

    def _scenario_input(self, names: list[str]) -> bool:
        """The target is one scenario; it gets a scenario vector when the base used them."""
        return self.config.adapt.strategy != "scratch" and bool(self._base().scenario_input_)

    def _starting_net(self) -> Any:
        """The base's network on this catalogue (a fresh one for ``scratch``), before
        :func:`apply`. A multi-scenario base's scenario vectors are averaged into the
        target's, which trains with the strategies that train the input layer."""
        net = self._net(self.n_items)
        if self.config.adapt.strategy != "scratch":
            state = dict(self._base().net_.state_dict())
            state["scenario.weight"] = state["scenario.weight"].mean(0, keepdim=True)
            if net.items.id_emb is not None:  # item_ids: the new table starts from its init
                state["items.id_emb.weight"] = net.items.id_emb.weight.detach()
            net.load_state_dict(state)
        return net

    def _run_identity(self, train: Any, valid: Any) -> str:
        """A checkpoint also belongs to the base it started from (its weights digest, not its
        folder)."""
        config = self.config.model_copy(update={"base": ""})
        return run_identity(config, train, valid, extra=_digest(self.config.base))

    def _training_net(self) -> Any:
        net = apply(self._starting_net(), self.config.adapt)
        self.trainable_ = count_parameters(net)
        return net

    # ------------------------------------------------------------------ persistence
    # Only the trained weights are saved (adapter.safetensors); the frozen ones come from the
    # base, whose weights digest is recorded and checked, so an adapter is a small file.
    def _state(self) -> dict[str, np.ndarray]:
        state = super()._state()
        out = {k: v for k, v in state.items() if not k.startswith("net.")}
        out["base_digest"] = np.array(_digest(self.config.base))
        return out

    def _save_files(self, folder: Path) -> None:
        from safetensors.numpy import save_file

        trained = {
            name: p.detach().numpy().copy()
            for name, p in self.net_.named_parameters()
            if p.requires_grad
        }
        save_file(trained, str(folder / ADAPTER_FILE))

    def _load_files(self, folder: Path) -> None:
        from safetensors.numpy import load_file

        self.trained_weights_ = load_file(str(folder / ADAPTER_FILE))

    def _set_state(self, state: dict[str, Any]) -> None:
        import torch

        from lmrec.models.content._text import TextRecommender

        TextRecommender._set_state(self, state)
        if str(state["base_digest"]) != _digest(self.config.base):
            raise ArtifactError(
                f"{self.config.base}: base weights differ from those the adapter was trained on"
            )
        self._set_sequences(state)
        net = apply(self._starting_net(), self.config.adapt)
        trained = {k: torch.from_numpy(v) for k, v in self.trained_weights_.items()}
        missing, unexpected = net.load_state_dict(trained, strict=False)
        frozen = {n for n, p in net.named_parameters() if not p.requires_grad}
        if unexpected or set(missing) - frozen:
            raise ArtifactError(f"{ADAPTER_FILE}: weights do not fit the {self.config.adapt} model")
        self.net_ = net
        self.trainable_ = count_parameters(net)
        del self.trained_weights_
        self._cache_items()

    def adapter_bytes(self) -> int:
        """Size of the trained weights (what one scenario adds on top of the base)."""
        return sum(p.numel() * p.element_size() for p in self.net_.parameters() if p.requires_grad)
