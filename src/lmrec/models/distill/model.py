# SPDX-License-Identifier: MIT
"""A small two-tower student distilled from a slow teacher (e.g. the LM ranker)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import Field
from tqdm.auto import tqdm

from lmrec.data import Dataset
from lmrec.errors import ModelError
from lmrec.models._base import Recommender, UserBatch
from lmrec.models._topk import mask_rows, topk
from lmrec.models._train import seeded
from lmrec.models.content._text import TextConfig, TextRecommender


class DistillConfig(TextConfig):
    """Hyperparameters of :class:`Distilled`."""

    teacher: str = Field(
        ..., description="folder of a saved model, or a model name fitted on the same data"
    )
    teacher_params: dict[str, Any] = Field(
        default_factory=dict, description="parameters when teacher is a model name"
    )
    n_candidates: int = Field(50, ge=1, description="teacher's top-N per user used as targets")
    n_random: int = Field(20, ge=0, description="random items per user also scored by it")
    max_users: int | None = Field(None, ge=1, description="users sampled for teacher scoring")
    temperature: float = Field(1.0, gt=0, description="softmax temperature of the listwise KL")
    mse_weight: float = Field(0.5, ge=0, description="weight of pointwise MSE on teacher scores")
    hard_weight: float = Field(
        0.3, ge=0, le=1, description="share of the hard-label loss (the rest is distillation)"
    )
    dim: int = Field(64, ge=1)
    epochs: int = Field(40, ge=1)
    batch_users: int = Field(64, ge=1)
    lr: float = Field(5e-3, gt=0)
    weight_decay: float = Field(1e-5, ge=0)
    teacher_cache: str | None = Field(
        None, description="npz file keeping teacher scores between fits (keyed by the teacher)"
    )
    seed: int = 0
    threads: int | None = Field(None, ge=1)
    progress: bool = False


class Distilled(TextRecommender):
    """Two-tower student: item = projection of its frozen LM text embedding + ID embedding
    (+ bias); user = ID embedding + projection of the mean text embedding of their history.

    Trained on the teacher's scores over each user's candidate set (the teacher's top
    ``n_candidates`` plus ``n_random`` random items): listwise KL between the softmaxes at
    ``temperature``, pointwise MSE, and the hard labels (ratings with MSE when the teacher
    predicts ratings, else clicks with BCE against the random items), mixed by ``hard_weight``.
    Teacher scores are computed once (optionally cached on disk). Full scoring is one matrix
    product, so the student ranks the whole catalogue where the teacher could only rerank.

    Stability: experimental.
    """

    name: ClassVar[str] = "distilled"
    predicts_ratings: ClassVar[bool] = True
    config_class = DistillConfig
    config: DistillConfig

    def rates(self) -> bool:
        return bool(getattr(self, "rates_", False))

    # ------------------------------------------------------------------ teacher targets
    def _teacher_targets(
        self, teacher: Recommender, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(users, items [n, m], scores [n, m])``: candidate sets and the teacher's scores."""
        c = self.config
        key = hashlib.sha256(
            f"{teacher.fingerprint_}|{c.teacher}|{c.n_candidates}|{c.n_random}|{c.max_users}|"
            f"{c.seed}".encode()
        ).hexdigest()[:16]
        cache = Path(c.teacher_cache) if c.teacher_cache else None
        if cache is not None and cache.is_file():
            with np.load(cache, allow_pickle=False) as z:
                if str(z["key"]) == key:
                    return z["users"], z["items"], z["scores"]
        users = np.flatnonzero(np.diff(self.train_.indptr) > 0)
        if c.max_users is not None and len(users) > c.max_users:
            users = np.sort(rng.choice(users, c.max_users, replace=False))
        n = min(c.n_candidates, self.n_items)
        items = np.empty((len(users), n + c.n_random), np.int64)
        scores = np.empty(items.shape, np.float32)
        step = 16
        for s in tqdm(range(0, len(users), step), desc="teacher", disable=not c.progress):
            batch = teacher.batch(users[s : s + step])
            full = teacher.score(batch)  # a reranking teacher's top entries are its own scores
            mask_rows(full, batch.history)
            top, vals = topk(full, n)
            rand = rng.integers(0, self.n_items, (len(batch), c.n_random))
            rows = np.repeat(np.arange(len(batch)), c.n_random)
            rand_scores = teacher.score_pairs(batch, rows, rand.ravel()).reshape(rand.shape)
            items[s : s + step] = np.concatenate([top, rand], axis=1)
            scores[s : s + step] = np.concatenate([vals, rand_scores], axis=1)
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache, key=np.array(key), users=users, items=items, scores=scores)
        return users, items, scores

    # ------------------------------------------------------------------ training
    def _fit_text(self, train: Dataset, valid: Dataset | None) -> None:
        import torch
        import torch.nn.functional as F

        from lmrec.models import create, load
        from lmrec.models.distill._net import TwoTower

        c = self.config
        rng = seeded(c.seed, c.threads)
        if Path(c.teacher).is_dir():
            teacher = load(c.teacher)
        else:
            teacher = create(c.teacher, **c.teacher_params).fit(train, valid)
        if teacher.n_items != self.n_items:
            raise ModelError(
                f"distilled: teacher has {teacher.n_items} items, the data {self.n_items}"
            )
        self.rates_ = teacher.rates()
        # its own generator, so a cached run trains exactly like the one that scored
        users, items, targets = self._teacher_targets(teacher, np.random.default_rng([c.seed, 1]))
        # soft targets where the teacher scored a user; hard labels for every user
        target_row = np.full(self.n_users, -1, np.int64)
        target_row[users] = np.arange(len(users))
        net = TwoTower(self.n_users, self.n_items, self.item_vecs_.shape[1], c.dim)
        net.global_bias.data.fill_(float(np.mean(targets)) if self.rates_ else 0.0)
        self.net_ = net
        text = torch.from_numpy(self.item_vecs_)
        hist = self._history_matrix(self.train_)
        everyone = np.flatnonzero(np.diff(self.train_.indptr) > 0)
        opt = torch.optim.AdamW(net.parameters(), lr=c.lr, weight_decay=c.weight_decay)
        t = c.temperature
        self.history_: list[dict[str, float]] = []
        for epoch in tqdm(range(c.epochs), desc=self.name, disable=not c.progress):
            total = 0.0
            order = everyone[rng.permutation(len(everyone))]
            for s in range(0, len(order), c.batch_users):
                batch_users = order[s : s + c.batch_users]
                uvec = net.users(torch.from_numpy(batch_users), self._rows(hist, batch_users), text)
                ivec, ibias = net.items(text)
                loss = c.hard_weight * self._hard_loss(net, uvec, batch_users, ivec, ibias, rng)
                have = np.flatnonzero(target_row[batch_users] >= 0)
                if len(have):
                    tr = target_row[batch_users[have]]
                    it = torch.from_numpy(items[tr])
                    tgt = torch.from_numpy(targets[tr])
                    pred = (uvec[have][:, None, :] * ivec[it]).sum(-1) + ibias[it]
                    pred = pred + net.global_bias
                    kl = F.kl_div(
                        F.log_softmax(pred / t, dim=1),
                        F.softmax(tgt / t, dim=1),
                        reduction="batchmean",
                    )
                    soft = kl * t * t + c.mse_weight * F.mse_loss(pred, tgt)
                    loss = loss + (1 - c.hard_weight) * soft * len(have) / len(batch_users)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(batch_users)
            self.history_.append({"epoch": epoch + 1, "loss": total / max(len(everyone), 1)})
        self._cache_vectors()

    def _hard_loss(
        self, net: Any, uvec: Any, users: np.ndarray, ivec: Any, ibias: Any, rng: Any
    ) -> Any:
        """Ratings (MSE), or clicks against random items (BCE), of these users' events."""
        import torch
        import torch.nn.functional as F

        x = self.train_[users].tocoo()
        r, i = torch.from_numpy(x.row.astype(np.int64)), torch.from_numpy(x.col.astype(np.int64))
        pos = (uvec[r] * ivec[i]).sum(-1) + ibias[i] + net.global_bias
        if self.rates_:
            return F.mse_loss(pos, torch.from_numpy(x.data.astype(np.float32)))
        rand = torch.from_numpy(rng.integers(0, len(ivec), (len(users), 8)))
        neg = (uvec[:, None, :] * ivec[rand]).sum(-1) + ibias[rand] + net.global_bias
        logits = torch.cat([pos, neg.ravel()])
        labels = torch.cat([torch.ones_like(pos), torch.zeros(neg.numel())])
        return F.binary_cross_entropy_with_logits(logits, labels)

    @staticmethod
    def _history_matrix(m: Any) -> Any:
        """Row-normalised binary history (mean of the history items' vectors)."""
        import scipy.sparse as sp

        out = sp.csr_matrix(m, dtype=np.float32, copy=True)
        sizes = np.diff(out.indptr)
        out.data[:] = np.repeat(1.0 / np.maximum(sizes, 1), sizes)  # row scaling, no diag product
        return out

    @staticmethod
    def _rows(hist: Any, users: np.ndarray) -> Any:
        import torch

        x = hist[users].tocoo()
        idx = torch.from_numpy(np.vstack([x.row, x.col]).astype(np.int64))
        return torch.sparse_coo_tensor(
            idx, torch.from_numpy(x.data), x.shape, check_invariants=False
        )

    # ------------------------------------------------------------------ scoring
    def _cache_vectors(self) -> None:
        import torch

        with torch.no_grad():
            text = torch.from_numpy(self.item_vecs_)
            ivec, ibias = self.net_.items(text)
            self.item_out_ = ivec.numpy()
            self.item_bias_ = ibias.numpy() + float(self.net_.global_bias)
            self.user_id_ = self.net_.user_emb.weight.numpy()
            self.hist_w_ = self.net_.hist_proj.weight.numpy()
            self.hist_proj_ = self.item_vecs_ @ self.hist_w_.T

    def _score(self, batch: UserBatch) -> np.ndarray:
        hist = self._history_matrix(batch.history)
        u = np.asarray(hist @ self.hist_proj_, np.float32)
        known = batch.index >= 0
        u[known] += self.user_id_[batch.index[known]]
        if batch.text is not None and batch.has_text.any():  # a query: in the history space
            u += self.query_vectors(batch) @ self.hist_w_.T
        return u @ self.item_out_.T + self.item_bias_

    def _added_items(self, vecs: np.ndarray) -> None:
        self._cache_vectors()

    def parameter_count(self) -> int:
        """Trainable parameters of the student."""
        return sum(p.numel() for p in self.net_.parameters())

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, np.ndarray]:
        weights = {f"net.{k}": v.detach().numpy() for k, v in self.net_.state_dict().items()}
        return {**super()._state(), **weights, "rates": np.array(self.rates_)}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        import torch

        from lmrec.models.distill._net import TwoTower

        super()._set_state(state)
        self.rates_ = bool(state["rates"])
        shape = state["net.user_emb.weight"].shape
        n_items = state["net.item_emb.weight"].shape[0]
        self.net_ = TwoTower(shape[0], n_items, self.item_vecs_.shape[1], shape[1])
        self.net_.load_state_dict(
            {k[4:]: torch.from_numpy(np.array(v)) for k, v in state.items() if k.startswith("net.")}
        )
        self._cache_vectors()
