# SPDX-License-Identifier: MIT
"""SASRec-style sequential recommender over item IDs, LM text embeddings, or both."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field
from tqdm.auto import tqdm

from lmrec.data import Dataset
from lmrec.errors import ConfigError, ModelError
from lmrec.models._base import UserBatch
from lmrec.models._train import (
    EarlyStopping,
    data_parallel,
    load_checkpoint,
    run_identity,
    save_checkpoint,
    seeded,
)
from lmrec.models._valid import valid_ndcg
from lmrec.models.content._text import TextConfig, TextRecommender


class SASRecConfig(TextConfig):
    """Hyperparameters of :class:`SASRec`."""

    max_len: int = Field(200, ge=2, description="longest history the model reads")
    dim: int = Field(64, ge=8)
    layers: int = Field(2, ge=1)
    heads: int = Field(1, ge=1)
    dropout: float = Field(0.2, ge=0, lt=1)
    use_ids: bool = Field(True, description="learn an ID embedding per item")
    use_text: bool = Field(False, description="add an adaptor of the item's LM text embedding")
    loss: Literal["ce", "sampled"] = Field(
        "ce", description="full softmax over the catalogue, or sampled softmax"
    )
    negatives: int = Field(256, ge=1, description="shared negatives per batch (sampled loss)")
    epochs: int = Field(
        50, ge=0, description="0 keeps the starting network (zero-shot for adapted models)"
    )
    batch_size: int = Field(64, ge=1)
    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    patience: int = Field(5, ge=1, description="validations without gain before stopping")
    valid_users: int | None = Field(2000, ge=1, description="users sampled for validation")
    time_budget_s: float | None = Field(
        None, gt=0, description="stop after the epoch that exceeds this many seconds of training"
    )
    length_buckets: bool = Field(
        False,
        description="batch users of similar history length (less padding computed, faster on "
        "long-tailed data; on ml-1m it cost accuracy: 0.130 vs 0.147 NDCG@10)",
    )
    key_padding: bool = Field(
        False, description="mask padding positions out of attention (off: the original SASRec)"
    )
    length_chunks: int = Field(
        1,
        ge=1,
        description="split each batch into this many chunks of similar history length, each "
        "padded only to its own longest history, with one optimiser step per batch: the same "
        "batches and gradient, less padding computed (needs key_padding)",
    )
    scenarios: bool = Field(
        True,
        description="on a combine()-d mixture, batch users and sample negatives within each "
        "scenario and add a learned scenario embedding to the input",
    )
    checkpoint: str | None = Field(
        None,
        description="file the training state is saved to after every epoch; a fit of the same "
        "run (settings and data) finding it resumes from it, and a finished fit deletes it",
    )
    seed: int = 0
    threads: int | None = Field(None, ge=1)
    progress: bool = False


def _right_align(seqs: list[np.ndarray], length: int) -> np.ndarray:
    """``[n, length]`` int64 with each sequence's last ``length`` items at the right, -1 pads."""
    out = np.full((len(seqs), length), -1, np.int64)
    for row, s in enumerate(seqs):
        s = s[-length:]
        if len(s):
            out[row, -len(s) :] = s
    return out


def _by_length(lengths: np.ndarray, chunks: int) -> list[np.ndarray]:
    """Row positions of a batch in ``chunks`` groups of similar ``lengths`` (one group: as is)."""
    if chunks <= 1 or len(lengths) < 2:
        return [np.arange(len(lengths))]
    order = np.argsort(lengths, kind="stable")
    return [p for p in np.array_split(order, min(chunks, len(lengths))) if len(p)]


def _trim(seqs: np.ndarray, length: int | None = None) -> np.ndarray:
    """Right-aligned ``seqs`` cut to ``length`` columns (default: the longest row's)."""
    if length is None:
        length = max(int((seqs >= 0).sum(1).max()), 1)
    return np.ascontiguousarray(seqs[:, -length:])


def _length_batches(
    lengths: np.ndarray, size: int, rng: np.random.Generator, groups: np.ndarray, by_length: bool
) -> list[np.ndarray]:
    """Batches of rows of one group, in random order; with ``by_length`` rows of similar
    sequence length share a batch (so little padding is computed)."""
    batches = []
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        key = rng.random(len(rows))
        order = rows[np.lexsort((key, lengths[rows])) if by_length else np.argsort(key)]
        batches += [order[i : i + size] for i in range(0, len(order), size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def scenario_groups(ds: Dataset) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Scenario index of each user and item of a :func:`~lmrec.data.combine`-d mixture, and the
    scenario names (one scenario, index 0, for any other data set)."""
    feats = ds.item_features
    if feats is None or "scenario" not in feats.columns:
        return np.zeros(ds.n_users, np.int64), np.zeros(ds.n_items, np.int64), [ds.scenario]
    from lmrec.data.combine import scenario_of_users

    item_names = feats["scenario"].astype(str).to_numpy()
    names = sorted(set(item_names))
    users = np.searchsorted(names, scenario_of_users(ds))
    return users.astype(np.int64), np.searchsorted(names, item_names).astype(np.int64), names


class SASRec(TextRecommender):
    """Self-attentive sequential recommendation (Kang & McAuley 2018) with a full-softmax loss.

    An item's input representation is its ID embedding (``use_ids``), a learned adaptor of its LM
    text embedding (``use_text``), or their sum; the output layer is tied to the same
    representations, so with ``use_text`` items never seen in training — or added later with
    :meth:`add_items` — are scored from their text. Trained on next-item prediction at every
    position of each user's time-ordered history, early-stopped on validation NDCG@10.

    Histories: known users are scored from their training sequence (plus validation events
    given to ``fit``); items in a batch's history that the stored sequence lacks are appended
    (order unknown: by item index). Ad-hoc users are read in the order given to
    ``UserBatch.from_histories``.

    Stability: experimental.
    """

    name: ClassVar[str] = "sasrec"
    config_class = SASRecConfig
    config: SASRecConfig

    def reads_text(self) -> bool:
        """Free-text queries are not a sequence: SASRec treats text-only users as cold."""
        return False

    # ------------------------------------------------------------------ training
    def _fit(self, train: Dataset, valid: Dataset | None) -> None:
        if self.config.use_text:
            super()._fit(train, valid)  # encodes item text, then calls _fit_text
            return
        if not self.config.use_ids:
            raise ModelError("sasrec: use_ids and use_text cannot both be false")
        self.item_text_ = np.full(self.n_items, "", dtype=str)
        self.item_mean_ = np.zeros(0, np.float32)
        self.item_vecs_ = np.zeros((self.n_items, 0), np.float32)
        self.encoder_ = None
        self.index_ = None
        self._fit_text(train, valid)

    def _net(self, n_items: int, n_scenarios: int = 1) -> Any:
        from lmrec.models.sequential._net import CausalTransformer

        c = self.config
        return CausalTransformer(
            n_items,
            c.dim,
            self.item_vecs_.shape[1],
            c.max_len,
            c.layers,
            c.heads,
            c.dropout,
            c.use_ids,
            c.use_text,
            n_scenarios,
            c.key_padding,
        )

    def _training_net(self) -> Any:
        """The network training starts from (fresh here; adapted models start from a base)."""
        n = len(self.scenario_names_) if self.scenario_input_ else 1
        return self._net(self.n_items, n)

    def _learning_rate(self) -> float:
        return self.config.lr

    def _scenario_input(self, names: list[str]) -> bool:
        """Whether the scenario embedding is added to the input (only for mixtures)."""
        return self.config.scenarios and len(names) > 1

    def _fit_text(self, train: Dataset, valid: Dataset | None) -> None:
        import torch

        c = self.config
        if c.length_chunks > 1 and not c.key_padding:
            raise ConfigError(
                f"{self.name}: length_chunks > 1 needs key_padding=True (without the mask the "
                "amount of padding changes the hidden states)"
            )
        rng = seeded(c.seed, c.threads)
        self.seqs_ = train.sequences()
        user_group, item_group, self.scenario_names_ = scenario_groups(train)
        self.scenario_input_ = self._scenario_input(self.scenario_names_)
        if not c.scenarios:
            user_group, item_group = np.zeros_like(user_group), np.zeros_like(item_group)
        self.user_scenario_ = user_group if self.scenario_input_ else np.zeros_like(user_group)
        pools = [np.flatnonzero(item_group == g) for g in range(int(item_group.max()) + 1)]
        net = self._training_net()
        self.net_ = net
        text = torch.from_numpy(self.item_vecs_) if c.use_text else None
        warm = torch.from_numpy((self.popularity_ > 0).astype(np.float32))
        users = np.flatnonzero([len(s) >= 2 for s in self.seqs_])
        if not len(users):
            raise ModelError("sasrec: no user has two or more training events")
        windows = _right_align([self.seqs_[u] for u in users], c.max_len + 1)
        lengths = np.array([len(self.seqs_[u]) for u in users])
        trainable = [p for p in net.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(trainable, lr=self._learning_rate(), weight_decay=c.weight_decay)
        step, rank, world = data_parallel(net)  # under torch.distributed: a slice per rank
        stopping = EarlyStopping(c.patience)
        self.history_: list[dict[str, float]] = []
        self.resumed_s_ = 0.0  # training seconds of earlier, interrupted fits of this run
        ckpt = Path(c.checkpoint) if c.checkpoint else None
        identity = self._run_identity(train, valid) if ckpt else ""
        saved = load_checkpoint(ckpt, identity, rng) if ckpt else None
        if saved is not None:
            net.load_state_dict(saved["net"])
            opt.load_state_dict(saved["optimizer"])
            stopping.load_state_dict(saved["stopping"])
            self.history_ = json.loads(saved["history"])
            self.resumed_s_ = float(saved["seconds"])
        first = len(self.history_)
        bar = tqdm(range(first, c.epochs), desc=self.name, disable=not c.progress, initial=first)
        started = time.perf_counter() - self.resumed_s_
        for epoch in bar:
            net.train()
            total, count = 0.0, 0
            groups = user_group[users]
            for rows in _length_batches(lengths, c.batch_size, rng, groups, c.length_buckets):
                if world > 1 and len(rows) >= world:
                    rows = rows[rank::world]
                chunk = windows[rows]
                chunk = chunk[:, -min(int(lengths[rows].max()), c.max_len + 1) :]
                neg = None
                if c.loss == "sampled":  # only the batch's items and its negatives are encoded
                    pool = pools[user_group[users[rows[0]]]]
                    neg = pool[rng.integers(0, len(pool), c.negatives)]
                    seen = chunk >= 0
                    needed, inv = np.unique(np.concatenate([chunk[seen], neg]), return_inverse=True)
                    chunk = np.full(chunk.shape, -1, np.int64)
                    chunk[seen] = inv[: int(seen.sum())]
                    neg = torch.from_numpy(inv[int(seen.sum()) :])
                    index = torch.from_numpy(needed)
                else:
                    index = None
                xs, ys, scen = [], [], []
                for part in _by_length(lengths[rows], c.length_chunks):
                    x = _trim(chunk[part, :-1])
                    xs.append(torch.from_numpy(x))
                    ys.append(torch.from_numpy(_trim(chunk[part, 1:], x.shape[1])))
                    scen.append(torch.from_numpy(self.user_scenario_[users[rows[part]]]))
                hs, reps = step(xs, text, warm, index, scen if self.scenario_input_ else None)
                masks = [(y >= 0) & (x >= 0) for x, y in zip(xs, ys, strict=True)]
                n = sum(int(m.sum()) for m in masks)
                h = torch.cat([h[m] for h, m in zip(hs, masks, strict=True)])
                y = torch.cat([y[m] for y, m in zip(ys, masks, strict=True)])
                loss = self._loss(h, y, reps, neg)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach()) * n
                count += n
            record: dict[str, float] = {"epoch": epoch + 1, "loss": total / max(count, 1)}
            if valid is not None and valid.n_events:
                self._cache_items()
                metric = valid_ndcg(
                    self.batch, self._score, valid, self.popularity_, 10, c.valid_users, c.seed
                )
                record["valid_ndcg@10"] = metric
                stopping.step(metric, net)
            self.history_.append(record)
            bar.set_postfix({k: round(v, 4) for k, v in record.items() if k != "epoch"})
            if stopping.stop:
                break
            if c.time_budget_s is not None and time.perf_counter() - started > c.time_budget_s:
                break
            if ckpt is not None and rank == 0:
                state = {"net": net.state_dict(), "optimizer": opt.state_dict()}
                state["stopping"] = stopping.state_dict()
                state["history"] = json.dumps(self.history_)
                state["seconds"] = time.perf_counter() - started
                save_checkpoint(ckpt, identity, state, rng)
        stopping.restore(net)
        if ckpt is not None and rank == 0:
            ckpt.unlink(missing_ok=True)  # the run is over: its result is the fitted model
        if valid is not None and valid.n_events:
            self.seqs_ = train.union(valid).sequences()  # later scoring reads the whole history
        self._cache_items()

    def _run_identity(self, train: Dataset, valid: Dataset | None) -> str:
        """What a checkpoint must match to be resumed by this fit."""
        return run_identity(self.config, train, valid)

    def _loss(self, h: Any, target: Any, reps: Any, neg: Any) -> Any:
        """Full softmax over ``reps``, or sampled softmax against the ``neg`` rows."""
        import torch
        import torch.nn.functional as F

        if neg is None:
            return F.cross_entropy(h @ reps.T, target)
        pos = (h * reps[target]).sum(-1, keepdim=True)
        logits = torch.cat([pos, h @ reps[neg].T], dim=1)
        logits[:, 1:] = logits[:, 1:].masked_fill(neg[None, :] == target[:, None], -1e9)
        return F.cross_entropy(logits, torch.zeros(len(h), dtype=torch.long))

    # ------------------------------------------------------------------ scoring
    def _cache_items(self) -> None:
        import torch

        self.net_.eval()
        with torch.no_grad():
            text = torch.from_numpy(self.item_vecs_) if self.config.use_text else None
            warm = torch.from_numpy((self.popularity_ > 0).astype(np.float32))
            self.item_reps_ = self.net_.items(text, warm).numpy()

    def _sequences(self, batch: UserBatch) -> list[np.ndarray]:
        out = []
        for row, u in enumerate(batch.index):
            hist = batch.history.indices[batch.history.indptr[row] : batch.history.indptr[row + 1]]
            if u >= 0:
                seq = self.seqs_[u]
                extra = np.setdiff1d(hist, seq)
                out.append(np.concatenate([seq, extra]) if len(extra) else seq)
            elif batch.sequences is not None:
                out.append(np.asarray(batch.sequences[row], np.int64))
            else:
                out.append(np.sort(hist))
        return out

    def _score(self, batch: UserBatch) -> np.ndarray:
        import torch

        if not hasattr(self, "net_"):
            raise ModelError(f"{self.name}: network missing; refit or reload the model")
        seqs = _right_align(self._sequences(batch), self.config.max_len)
        reps = torch.from_numpy(self.item_reps_)
        out = np.empty((len(batch), len(reps)), np.float32)
        scen = np.where(batch.index >= 0, self.user_scenario_[np.maximum(batch.index, 0)], 0)
        # with the key-padding mask, padding does not change a score: users of similar history
        # length share a block cut to its longest history
        order = np.arange(len(seqs))
        if self.config.key_padding:
            order = np.argsort((seqs >= 0).sum(1), kind="stable")
        with torch.no_grad():
            for start in range(0, len(seqs), 256):
                rows = order[start : start + 256]
                block = seqs[rows] if not self.config.key_padding else _trim(seqs[rows])
                x = torch.from_numpy(block)
                s = torch.from_numpy(scen[rows]) if self.scenario_input_ else None
                h = self.net_.encode(x, reps, s)[:, -1]
                out[rows] = (h @ reps.T).numpy()
        return out

    def set_histories(self, ds: Dataset) -> SASRec:
        """Score known users from ``ds``'s time-ordered events from now on (``ds`` shares the
        training id maps): e.g. full histories of users a model was trained without, or fresh
        events; returns the model."""
        self._check_fitted()
        if ds.n_users != self.n_users or ds.n_items != self.n_items:
            raise ModelError(
                f"{self.name}: histories have {ds.n_users} users × {ds.n_items} items, the model "
                f"{self.n_users} × {self.n_items}; build them with the training id maps"
            )
        self.seqs_ = ds.sequences()
        return self

    def item_vectors(self) -> np.ndarray:
        """Learned item representations, L2-normalised (for :meth:`similar_items`)."""
        norms = np.linalg.norm(self.item_reps_, axis=1, keepdims=True)
        return self.item_reps_ / np.maximum(norms, 1e-9)

    def add_items(self, ids: Any, texts: Any) -> np.ndarray:
        """New items scored from their text (needs ``use_text=True``)."""
        if not self.config.use_text:
            raise ModelError("sasrec: add_items needs use_text=True (new items are scored by text)")
        return super().add_items(ids, texts)

    def _added_items(self, vecs: np.ndarray) -> None:
        self._cache_items()

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, np.ndarray]:
        weights = {f"net.{k}": v.detach().numpy() for k, v in self.net_.state_dict().items()}
        lengths = np.array([len(s) for s in self.seqs_], np.int64)
        flat = np.concatenate(self.seqs_) if self.seqs_ else np.empty(0, np.int64)
        scen = {
            "user_scenario": self.user_scenario_,
            "scenario_names": np.array(self.scenario_names_, dtype=str),
            "scenario_input": np.array(self.scenario_input_),
        }
        return {**super()._state(), **weights, "seq_items": flat, "seq_lengths": lengths, **scen}

    def _set_sequences(self, state: dict[str, Any]) -> None:
        self.seqs_ = np.split(state["seq_items"], np.cumsum(state["seq_lengths"])[:-1])
        self.user_scenario_ = np.asarray(state["user_scenario"], np.int64)
        self.scenario_names_ = [str(n) for n in state["scenario_names"]]
        self.scenario_input_ = bool(state["scenario_input"])

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        import torch

        super()._set_state(state)
        self._set_sequences(state)
        key = "net.items.id_emb.weight"
        n_trained = int(state[key].shape[0]) if key in state else self.n_items
        self.net_ = self._net(n_trained, int(state["net.scenario.weight"].shape[0]))
        self.net_.load_state_dict(
            {k[4:]: torch.from_numpy(np.array(v)) for k, v in state.items() if k.startswith("net.")}
        )
        self._cache_items()
