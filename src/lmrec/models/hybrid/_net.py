# SPDX-License-Identifier: MIT
"""The torch network behind the hybrid and learned-content models."""

from __future__ import annotations

import torch
from torch import nn


class TextTower(nn.Module):
    """Item representations from text (``E @ P``) plus an optional per-item ID part.

    A user is the normalised sum of the representations of the items in their history (an
    autoencoder over histories, as in Mult-DAE) passed through a small MLP; scores are inner
    products with the item representations plus a bias (text bias + ID bias). Items without
    interactions keep a zero ID part, so they are scored from text alone.
    """

    def __init__(self, n_items: int, text_dim: int, dim: int, use_ids: bool, dropout: float):
        super().__init__()
        self.proj = nn.Linear(text_dim, dim, bias=False)
        self.text_bias = nn.Linear(text_dim, 1)
        self.user = nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Linear(dim, dim))
        self.drop = nn.Dropout(dropout)
        self.use_ids = use_ids
        self.id_emb = nn.Parameter(torch.zeros(n_items, dim)) if use_ids else None
        self.id_bias = nn.Parameter(torch.zeros(n_items)) if use_ids else None

    def items(self, text: torch.Tensor, warm: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Item representations ``[n, dim]`` and biases ``[n]``."""
        reps = self.proj(text)
        bias = self.text_bias(text).squeeze(-1)
        if self.id_emb is not None and self.id_bias is not None:
            n, m = len(warm), len(self.id_bias)
            ids, id_bias = self.id_emb[: min(n, m)], self.id_bias[: min(n, m)]
            if n > m:  # items added after training have no ID part
                ids = torch.cat([ids, ids.new_zeros(n - m, ids.shape[1])])
                id_bias = torch.cat([id_bias, id_bias.new_zeros(n - m)])
            reps = reps + ids * warm[:, None]
            bias = bias + id_bias * warm
        return reps, bias

    def users(self, hist: torch.Tensor, reps: torch.Tensor, query: torch.Tensor) -> torch.Tensor:
        """User vectors from a (row-normalised, dense) history matrix and query projections."""
        return self.user(self.drop(hist) @ reps + query)

    def forward(
        self, hist: torch.Tensor, text: torch.Tensor, warm: torch.Tensor, query: torch.Tensor
    ) -> torch.Tensor:
        reps, bias = self.items(text, warm)
        return self.users(hist, reps, query) @ reps.T + bias
