# SPDX-License-Identifier: MIT
"""Hybrid recommender: collaborative item factors tied to LM text embeddings, trained jointly."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from pydantic import Field
from tqdm.auto import tqdm

from lmrec.data import Dataset
from lmrec.errors import ModelError
from lmrec.models._base import UserBatch
from lmrec.models._train import EarlyStopping, seeded
from lmrec.models._valid import valid_ndcg
from lmrec.models.content._text import TextConfig, TextRecommender


class HybridConfig(TextConfig):
    """Hyperparameters of :class:`Hybrid`."""

    dim: int = Field(128, ge=1, description="representation size")
    use_ids: bool = Field(True, description="add a per-item ID part to the text projection")
    epochs: int = Field(40, ge=1)
    batch_users: int = Field(256, ge=1)
    lr: float = Field(2e-3, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    dropout: float = Field(0.5, ge=0, lt=1, description="history dropout (denoising)")
    patience: int = Field(5, ge=1, description="epochs without validation gain before stopping")
    seed: int = 0
    threads: int | None = Field(None, ge=1, description="torch threads (None: leave as is)")
    progress: bool = False


def _row_normalise(m: sp.csr_matrix) -> sp.csr_matrix:
    out = sp.csr_matrix(m, dtype=np.float32, copy=True)
    out.data[:] = 1.0
    norms = np.sqrt(np.maximum(np.diff(out.indptr), 1)).astype(np.float32)
    return sp.diags(1.0 / norms) @ out


class Hybrid(TextRecommender):
    """Item factors = projection of the item's LM text embedding + an ID embedding.

    Trained end to end on the interaction histories with a multinomial likelihood over the items
    seen in training (a denoising autoencoder over histories), early-stopped on validation
    NDCG@10 when a validation split is given. Warm items use their interactions through the ID
    part; items without interactions (cold, or added later with :meth:`add_items`) are scored
    from text alone, so the fall-back is smooth rather than a switch. Free-text queries are
    projected into the same space.

    Stability: experimental.
    """

    name: ClassVar[str] = "hybrid"
    config_class = HybridConfig
    config: HybridConfig

    # ------------------------------------------------------------------ training
    def _net(self, n_items: int, text_dim: int) -> Any:
        from lmrec.models.hybrid._net import TextTower

        c = self.config
        return TextTower(n_items, text_dim, c.dim, c.use_ids, c.dropout)

    def _fit_text(self, train: Dataset, valid: Dataset | None) -> None:
        import torch

        c = self.config
        rng = seeded(c.seed, c.threads)
        net = self._net(self.n_items, self.item_vecs_.shape[1])
        text = torch.from_numpy(self.item_vecs_)
        warm_np = (self.popularity_ > 0).astype(np.float32)
        warm = torch.from_numpy(warm_np)
        unseen = torch.from_numpy(warm_np == 0)
        inputs = _row_normalise(self.train_)
        targets = sp.csr_matrix(self.train_, dtype=np.float32, copy=True)
        targets.data[:] = 1.0
        users = np.flatnonzero(np.diff(self.train_.indptr) > 0)
        opt = torch.optim.AdamW(net.parameters(), lr=c.lr, weight_decay=c.weight_decay)
        zero_q = torch.zeros(1, c.dim)
        stopping = EarlyStopping(c.patience)
        self.history_: list[dict[str, float]] = []
        bar = tqdm(range(c.epochs), desc=self.name, disable=not c.progress)
        for epoch in bar:
            net.train()
            order = rng.permutation(users)
            total = 0.0
            for start in range(0, len(order), c.batch_users):
                rows = order[start : start + c.batch_users]
                x = torch.from_numpy(inputs[rows].toarray())
                y = torch.from_numpy(targets[rows].toarray())
                logits = net(x, text, warm, zero_q).masked_fill(unseen, -1e9)
                loss = -(torch.log_softmax(logits, dim=1) * y).sum(1).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(rows)
            record = {"epoch": epoch + 1, "loss": total / max(len(users), 1)}
            self.net_ = net
            if valid is not None and valid.n_events:
                record["valid_ndcg@10"] = metric = self._valid_ndcg(valid)
                stopping.step(metric, net)
            self.history_.append(record)
            bar.set_postfix({k: round(v, 4) for k, v in record.items() if k != "epoch"})
            if stopping.stop:
                break
        stopping.restore(net)
        net.eval()
        self.net_ = net
        self._cache_items()

    def _valid_ndcg(self, valid: Dataset, k: int = 10) -> float:
        """Validation NDCG@k for early stopping (cold splits rank among cold items)."""
        self._cache_items()
        return valid_ndcg(self.batch, self._score, valid, self.popularity_, k)

    # ------------------------------------------------------------------ scoring
    def _cache_items(self) -> None:
        """Item representations and biases as numpy arrays (recomputed after training)."""
        import torch

        with torch.no_grad():
            self.net_.eval()
            text = torch.from_numpy(self.item_vecs_)
            warm = torch.from_numpy((self.popularity_ > 0).astype(np.float32))
            reps, bias = self.net_.items(text, warm)
        self.item_reps_ = reps.numpy()
        self.item_bias_ = bias.numpy()

    def _score(self, batch: UserBatch) -> np.ndarray:
        import torch

        if not hasattr(self, "net_"):
            raise ModelError(f"{self.name}: network missing; refit or reload the model")
        hist = _row_normalise(batch.history)
        query = self.query_vectors(batch) if batch.text is not None else None
        with torch.no_grad():
            reps = torch.from_numpy(self.item_reps_)
            h = torch.from_numpy(np.asarray(hist @ self.item_reps_, dtype=np.float32))
            if query is not None:
                h = h + self.net_.proj(torch.from_numpy(query))
            u = self.net_.user(h).numpy()
        return np.asarray(u @ reps.numpy().T + self.item_bias_, dtype=np.float32)

    def item_vectors(self) -> np.ndarray:
        """Learned item representations, L2-normalised (for :meth:`similar_items`)."""
        norms = np.linalg.norm(self.item_reps_, axis=1, keepdims=True)
        return self.item_reps_ / np.maximum(norms, 1e-9)

    def _added_items(self, vecs: np.ndarray) -> None:
        self._cache_items()  # new items have no ID part: their representation is text only

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, np.ndarray]:
        weights = {f"net.{k}": v.detach().numpy() for k, v in self.net_.state_dict().items()}
        return {**super()._state(), **weights}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        import torch

        super()._set_state(state)
        n_trained = int(state["net.id_emb"].shape[0]) if "net.id_emb" in state else self.n_items
        self.net_ = self._net(n_trained, self.item_vecs_.shape[1])
        self.net_.load_state_dict(
            {k[4:]: torch.from_numpy(np.array(v)) for k, v in state.items() if k.startswith("net.")}
        )
        self.net_.eval()
        self._cache_items()


class ContentLearnedConfig(HybridConfig):
    """Hyperparameters of :class:`ContentLearned` (no ID part)."""

    use_ids: bool = False


class ContentLearned(Hybrid):
    """A learned map from text space, trained on interactions: the hybrid without ID parts.

    Every item is represented only through its text, so warm and cold items are treated alike.

    Stability: experimental.
    """

    name: ClassVar[str] = "content_learned"
    config_class = ContentLearnedConfig
    config: ContentLearnedConfig
