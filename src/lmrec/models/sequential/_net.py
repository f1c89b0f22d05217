# SPDX-License-Identifier: MIT
"""The causal Transformer behind :class:`~lmrec.models.sequential.SASRec`."""

from __future__ import annotations

import torch
from torch import nn


class ItemEncoder(nn.Module):
    """Item representations: an ID embedding, a learned adaptor of the LM text embedding, or
    their sum. Items beyond the ID table (added later) or without training events (``warm`` = 0)
    get no ID part, so they are represented by their text alone."""

    def __init__(self, n_items: int, dim: int, text_dim: int, use_ids: bool, use_text: bool):
        super().__init__()
        self.id_emb = nn.Embedding(n_items, dim) if use_ids else None
        if self.id_emb is not None:
            nn.init.normal_(self.id_emb.weight, std=0.02)
        self.adaptor = (
            nn.Sequential(nn.Linear(text_dim, dim), nn.GELU(), nn.Linear(dim, dim))
            if use_text
            else None
        )

    def forward(
        self, text: torch.Tensor | None, warm: torch.Tensor, index: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``[n_items, dim]`` representations of every item, or of the items in ``index``."""
        parts = []
        if index is not None:
            text = text[index] if text is not None else None
            warm = warm[index]
        if self.adaptor is not None and text is not None:
            parts.append(self.adaptor(text))
        if self.id_emb is not None:
            ids = self.id_emb.weight
            n = len(warm) if index is None else int(index.max()) + 1
            if n > len(ids):
                ids = torch.cat([ids, ids.new_zeros(n - len(ids), ids.shape[1])])
            ids = ids[:n] if index is None else ids[index]
            parts.append(ids * warm[:, None])
        return torch.stack(parts).sum(0)


class CausalTransformer(nn.Module):
    """SASRec: item representations + positions (+ scenario) → causal self-attention blocks.

    The output at each position scores every item by inner product with the same item
    representations used at the input (tied), which keeps the model inductive over text.
    """

    def __init__(
        self,
        n_items: int,
        dim: int,
        text_dim: int,
        max_len: int,
        layers: int,
        heads: int,
        dropout: float,
        use_ids: bool,
        use_text: bool,
        n_scenarios: int = 1,
        key_padding: bool = False,
    ):
        super().__init__()
        self.key_padding = key_padding
        self.items = ItemEncoder(n_items, dim, text_dim, use_ids, use_text)
        self.pos = nn.Embedding(max_len, dim)
        self.scenario = nn.Embedding(max(n_scenarios, 1), dim)
        nn.init.normal_(self.pos.weight, std=0.02)
        nn.init.zeros_(self.scenario.weight)
        block = nn.TransformerEncoderLayer(
            dim,
            heads,
            dim_feedforward=dim * 4,
            dropout=dropout,
            batch_first=True,
            norm_first=True,
            activation="gelu",
        )
        self.blocks = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.drop = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(dim)
        self.max_len = max_len

    def forward(
        self,
        seqs: list[torch.Tensor],
        text: torch.Tensor | None,
        warm: torch.Tensor,
        index: torch.Tensor | None = None,
        scenario: list[torch.Tensor] | None = None,
    ) -> tuple[list[torch.Tensor], torch.Tensor]:
        """A training step's ``(hidden states per chunk of sequences, item representations)``
        in one call, so DistributedDataParallel sees every trained parameter; the item
        representations are computed once for all chunks."""
        reps = self.items(text, warm, index)
        scen = scenario if scenario is not None else [None] * len(seqs)
        return [self.encode(x, reps, s) for x, s in zip(seqs, scen, strict=True)], reps

    def encode(
        self, seqs: torch.Tensor, reps: torch.Tensor, scenario: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Hidden states ``[batch, len, dim]`` for right-aligned item sequences (-1 = padding)."""
        pad = seqs < 0
        x = reps[seqs.clamp(min=0)] * (~pad)[..., None]
        length = seqs.shape[1]
        x = x * (reps.shape[1] ** 0.5) + self.pos.weight[-length:][None]
        if scenario is not None:
            x = x + self.scenario(scenario)[:, None, :]
        x = self.drop(x) * (~pad)[..., None]
        causal = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
        if self.key_padding and bool(pad.any()):
            # real positions never attend to padding; a padding position attends only to itself,
            # so no row is fully masked (which would give NaN)
            eye = torch.eye(length, dtype=torch.bool)
            blocked = causal[None] | (pad[:, None, :] & ~eye[None])
            heads = self.blocks.layers[0].self_attn.num_heads
            mask = blocked.repeat_interleave(heads, dim=0)
            h = self.blocks(x, mask=mask)
        else:
            # without the key-padding mask, left padding is zeroed and attended to by real
            # positions together with real keys (as in the original SASRec)
            h = self.blocks(x, mask=causal, is_causal=True)
        return self.norm(h) * (~pad)[..., None]
