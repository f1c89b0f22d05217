# SPDX-License-Identifier: MIT
"""The two-tower network of :class:`~lmrec.models.distill.Distilled`."""

from __future__ import annotations

import torch
from torch import nn


class TwoTower(nn.Module):
    """Item = text projection + ID embedding (bias from text + ID); user = ID embedding +
    projection of the mean history text embedding. Items beyond the ID table (added after
    training) are represented by their text alone."""

    def __init__(self, n_users: int, n_items: int, text_dim: int, dim: int):
        super().__init__()
        self.user_emb = nn.Embedding(n_users, dim)
        self.item_emb = nn.Embedding(n_items, dim)
        self.item_bias = nn.Embedding(n_items, 1)
        for emb in (self.user_emb, self.item_emb):
            nn.init.normal_(emb.weight, std=0.01)
        nn.init.zeros_(self.item_bias.weight)
        self.text_proj = nn.Linear(text_dim, dim, bias=False)
        self.hist_proj = nn.Linear(text_dim, dim, bias=False)
        self.text_bias = nn.Linear(text_dim, 1)
        self.global_bias = nn.Parameter(torch.zeros(1))

    def items(self, text: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``([n, dim] vectors, [n] biases)`` of every item."""
        n = len(text)
        ids, bias = self.item_emb.weight, self.item_bias.weight[:, 0]
        if n > len(ids):
            ids = torch.cat([ids, ids.new_zeros(n - len(ids), ids.shape[1])])
            bias = torch.cat([bias, bias.new_zeros(n - len(bias))])
        return self.text_proj(text) + ids[:n], self.text_bias(text)[:, 0] + bias[:n]

    def users(self, users: torch.Tensor, history: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        """``[b, dim]`` vectors of known ``users`` with their row-normalised sparse ``history``."""
        return self.user_emb(users) + torch.sparse.mm(history, self.hist_proj(text))
