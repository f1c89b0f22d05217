# SPDX-License-Identifier: MIT
"""Trainable pieces inserted for adaptation, and freezing rules."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from lmrec.adapt.config import AdaptConfig
from lmrec.errors import ConfigError


class BottleneckAdapter(nn.Module):
    """``x + up(gelu(down(x)))`` with ``up`` initialised at zero: starts as the identity."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.down = nn.Linear(dim, hidden)
        self.up = nn.Linear(hidden, dim)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.up(nn.functional.gelu(self.down(x)))


class AdaptedItems(nn.Module):
    """Wraps an item encoder so its representations pass through a bottleneck adapter."""

    def __init__(self, inner: nn.Module, dim: int, hidden: int):
        super().__init__()
        self.inner = inner
        self.adapter = BottleneckAdapter(dim, hidden)

    def forward(
        self, text: torch.Tensor | None, warm: torch.Tensor, index: torch.Tensor | None = None
    ) -> torch.Tensor:
        return self.adapter(self.inner(text, warm, index))


def apply(net: Any, cfg: AdaptConfig) -> Any:
    """Prepare a pretrained :class:`CausalTransformer` for ``cfg.strategy``; returns the net.
    Its ID embedding (``cfg.item_ids``) trains with every strategy."""
    ids = net.items.id_emb
    net = _apply_strategy(net, cfg)
    if ids is not None:
        ids.requires_grad_(True)
    return net


def _apply_strategy(net: Any, cfg: AdaptConfig) -> Any:
    if cfg.strategy in ("scratch", "full"):
        for p in net.parameters():
            p.requires_grad_(True)
        return net
    if cfg.strategy == "freeze":
        layers = list(net.blocks.layers)
        if cfg.freeze_layers > len(layers):
            raise ConfigError(f"freeze_layers={cfg.freeze_layers} but the model has {len(layers)}")
        frozen = layers[: cfg.freeze_layers] if cfg.freeze_layers else layers
        for p in net.parameters():
            p.requires_grad_(True)
        for layer in frozen:
            layer.requires_grad_(False)
        if not cfg.freeze_layers:
            net.norm.requires_grad_(False)
        return net
    net.requires_grad_(False)
    if cfg.strategy == "adapter":
        dim = net.pos.weight.shape[1]
        net.items = AdaptedItems(net.items, dim, cfg.adapter_dim)
        return net
    if cfg.strategy == "lora":
        from peft import LoraConfig, inject_adapter_in_model

        dead = [m for m in cfg.target_modules if m.endswith("out_proj")]
        if dead:
            raise ConfigError(
                f"lora: {dead[0]!r} cannot be adapted (attention reads its weight directly, "
                "so the update would never train); target linear1/linear2"
            )
        lora = LoraConfig(
            r=cfg.lora_r,
            lora_alpha=cfg.lora_alpha,
            lora_dropout=cfg.lora_dropout,
            target_modules=cfg.target_modules,
        )
        # the whole net: Transformer layers (linear1/linear2) or the item side (e.g. the text
        # adaptor, "adaptor.0"/"adaptor.2") can be targeted
        net = inject_adapter_in_model(lora, net)
        for name, p in net.named_parameters():
            p.requires_grad_("lora_" in name)
        for layer in net.blocks.layers:
            # PyTorch's inference fast path reads linear1/linear2 weights directly and would
            # skip the LoRA update; this flag is one of its preconditions, the slow path is exact
            layer.activation_relu_or_gelu = False
        return net
    raise ConfigError(f"unknown adaptation strategy {cfg.strategy!r}")


def count_parameters(net: nn.Module) -> dict[str, int]:
    """Trainable and total parameter counts."""
    total = sum(p.numel() for p in net.parameters())
    trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
    return {"trainable": int(trainable), "total": int(total)}
