# SPDX-License-Identifier: MIT
"""A fine-tuned BERT-family cross-encoder that rates or clicks (user text, item text) pairs."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from tqdm.auto import tqdm

from lmrec.data import Dataset
from lmrec.data.text import history_text, item_texts, user_texts
from lmrec.errors import ConfigError, ModelError
from lmrec.models._base import Recommender, UserBatch
from lmrec.models._train import EarlyStopping, data_parallel, seeded
from lmrec.models.ranker._evidence import EVIDENCE, text_evidence
from lmrec.models.ranker.config import RankerConfig

WEIGHTS_FILE = "ranker.safetensors"
PRIOR_DIR = "prior"


def _pairs_split(ds: Dataset, share: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of events held out (about ``share`` of each user's, at least one kept)."""
    held = rng.random(ds.n_events) < share
    kept = np.bincount(ds.user_index[~held], minlength=ds.n_users)
    lonely = np.flatnonzero(kept == 0)
    if len(lonely):  # keep one event of users who would lose everything
        first = np.unique(ds.user_index, return_index=True)[1]
        held[first[np.isin(ds.user_index[first], lonely)]] = False
    return held


class LMRanker(Recommender):
    """Cross-encoder ranker: ``"item text [SEP] user text"`` through a BERT-family encoder
    (MiniLM by default, offline), mean-pooled, into a head that also reads a collaborative
    prior's score so the language model learns a residual over it.

    ``task="rating"`` regresses ratings with MSE; ``task="click"`` predicts like/click
    (rating ≥ ``positive_threshold`` or any implicit event, against sampled unseen items) with
    BCE. Training: AdamW with linear warm-up/decay, gradient clipping, validation every
    ``eval_every`` steps with early stopping on RMSE / log loss (best weights kept), seeded,
    resumable from ``checkpoint_dir``. The prior is fit without a held-out share of each user's
    events, on which the ranker trains; it is then refit on everything. With ``evidence_k``
    the head also reads :func:`~lmrec.models.ranker._evidence.text_evidence`: how the user
    rated the history items whose text embedding is closest to the candidate's.

    :meth:`predict` scores pairs (ratings or click probabilities); :meth:`score` reranks the
    prior's top ``n_candidates`` (the rest keep the prior's order below them), which is how
    evaluation and serving use it as a second stage.

    Stability: experimental.
    """

    name: ClassVar[str] = "lm_ranker"
    encoder_: Any
    tokenizer_: Any
    item_vecs_: np.ndarray | None
    predicts_ratings: ClassVar[bool] = True
    config_class = RankerConfig
    config: RankerConfig

    def rates(self) -> bool:
        return self.config.task == "rating"

    # ------------------------------------------------------------------ training data
    def _pairs(
        self, ds: Dataset, history: Dataset, rng: np.random.Generator, prior: Any = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(users, items, targets)`` of ``ds``: ratings, or click labels: ``ds``'s events
        with negatives unseen in ``history``, or (``click_pairs="candidates"``) ``prior``'s
        candidate lists for ``ds``'s users."""
        users, items = ds.user_index.astype(np.int64), ds.item_index.astype(np.int64)
        values = ds.values.astype(np.float32)
        if self.config.task == "rating":
            return users, items, values
        c = self.config
        labels = (values >= c.positive_threshold) if ds.feedback == "explicit" else values > 0
        if c.click_pairs == "candidates":
            return self._candidate_pairs(ds, history, labels, prior)
        pos_users = np.repeat(users[labels], c.negatives)
        seen = history.interactions
        neg_items = rng.integers(0, self.n_items, len(pos_users))
        clash = np.asarray(seen[pos_users, neg_items]).ravel() != 0
        keep = ~clash
        u = np.concatenate([users, pos_users[keep]])
        i = np.concatenate([items, neg_items[keep]])
        y = np.concatenate([labels.astype(np.float32), np.zeros(int(keep.sum()), np.float32)])
        return u, i, y

    def _candidate_pairs(
        self, ds: Dataset, history: Dataset, labels: np.ndarray, prior: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each ``ds`` user's top ``n_candidates`` by ``prior`` among the items not in
        ``history`` outside ``ds`` (so ``ds``'s own items can be candidates), labelled 1 where
        ``labels`` marks the user's event on them: what a rerank of the prior sees."""
        import scipy.sparse as sp

        from lmrec.models._topk import mask_rows, topk

        if prior is None:
            raise ConfigError("lm_ranker: click_pairs='candidates' needs a prior model")
        shape = (self.n_users, self.n_items)
        liked = sp.csr_matrix(
            (np.ones(int(labels.sum())), (ds.user_index[labels], ds.item_index[labels])), shape
        )
        own = sp.csr_matrix((np.ones(ds.n_events), (ds.user_index, ds.item_index)), shape)
        other = ((history.interactions != 0).astype(np.int8) - (own != 0).astype(np.int8)) > 0
        us, its, ys = [], [], []
        users = np.unique(ds.user_index)
        for s in range(0, len(users), 1024):
            block = users[s : s + 1024]
            scores = prior.score(block)
            mask_rows(scores, other[block])
            top, vals = topk(scores, min(self.config.n_candidates, self.n_items))
            rows, cols = np.nonzero(np.isfinite(vals))
            u, i = block[rows], top[rows, cols]
            us.append(u)
            its.append(i)
            ys.append(np.asarray(liked[u, i]).ravel().astype(np.float32))
        return np.concatenate(us), np.concatenate(its), np.concatenate(ys)

    def _fit(self, train: Dataset, valid: Dataset | None) -> None:
        import torch

        from lmrec.models import create

        c = self.config
        rng = seeded(c.seed, c.threads)
        self.item_text_ = np.asarray(item_texts(train), dtype=str)
        self.value_range_ = np.array([train.values.min(), train.values.max()], np.float32)
        self.item_vecs_ = self._item_vectors() if c.evidence_k else None
        if c.prior is not None:
            held = _pairs_split(train, c.prior_holdout, rng)
            base, ranker_data = train.subset(~held), train.subset(held)
            prior = create(c.prior, **c.prior_params).fit(base)
        else:
            base, ranker_data, prior = train, train, None
        self.user_text_ = np.asarray(user_texts(base, n_recent=c.n_recent), dtype=str)
        u, i, y = self._pairs(ranker_data, train, rng, prior)
        if valid is not None and valid.n_events:
            vu, vi, vy = self._pairs(valid, train.union(valid), rng, prior)
        else:  # no validation set: a tenth of the training pairs
            cut = rng.random(len(u)) < 0.1
            vu, vi, vy, u, i, y = u[cut], i[cut], y[cut], u[~cut], i[~cut], y[~cut]
        take = rng.permutation(len(u))[: c.max_train_pairs]
        vtake = rng.permutation(len(vu))[: c.max_valid_pairs]
        u, i, y, vu, vi, vy = u[take], i[take], y[take], vu[vtake], vi[vtake], vy[vtake]
        if not len(u):
            raise ModelError(f"lm_ranker: no training pairs in {train.name!r}")
        self.train_pairs_ = len(u)
        self.prior_ = prior
        # training pairs see the history the prior was fit on; validation pairs all training
        p = self._signals(u, i, self._prior_scores(u, i), base.interactions)
        vp = self._signals(vu, vi, self._prior_scores(vu, vi), train.interactions)
        self.prior_stats_ = np.array([p[:, 0].mean(), max(float(p[:, 0].std()), 1e-6)], np.float32)
        ev = p[:, 1:]
        self.evidence_stats_ = np.stack([ev.mean(0), np.maximum(ev.std(0), 1e-6)]).astype(
            np.float32
        )
        self._build(total_steps=c.epochs * -(-len(u) // c.batch_size))
        if c.task == "rating":  # start at the prior plus its mean residual
            start = float(np.mean(y - p[:, 0]))
        else:  # start at the base click rate (the standardised prior has mean 0)
            rate = float(np.clip(y.mean(), 1e-3, 1 - 1e-3))
            start = float(np.log(rate / (1 - rate)))
        with torch.no_grad():
            self.head_.bias.fill_(start)
        self._train(torch, (u, i, y, p), (vu, vi, vy, vp), rng)
        if c.prior is not None:  # the ranker learnt on out-of-sample prior scores; refit on all
            self.prior_ = create(c.prior, **c.prior_params).fit(train)
        self.user_text_ = np.asarray(user_texts(train, n_recent=c.n_recent), dtype=str)

    def _build(self, total_steps: int) -> None:
        from lmrec.models.ranker._net import RankerHead, load_encoder, prepare

        c = self.config
        self.tokenizer_, encoder = load_encoder(c.model, c.seed)
        self.encoder_ = prepare(encoder, c, total_steps)
        n_evidence = len(EVIDENCE) if self.config.evidence_k else 0
        self.head_ = RankerHead(encoder.config.hidden_size, n_evidence)
        self.total_steps_ = total_steps

    def _item_vectors(self) -> np.ndarray:
        """Unit-length, catalogue-centred embeddings of the item texts (for the evidence)."""
        from lmrec.text import get_encoder
        from lmrec.text._base import l2_normalise

        vecs = get_encoder(self.config.evidence_encoder).encode(list(self.item_text_))
        return l2_normalise(vecs - vecs.mean(0))

    def _signals(
        self, rows: np.ndarray, items: np.ndarray, prior: np.ndarray, history: Any
    ) -> np.ndarray:
        """``[n, 1 + E]`` per pair: the prior's score, then (with ``evidence_k``) the text
        evidence of the pair's user from ``history`` (a CSR of values, one row per user)."""
        cols = [np.asarray(prior, np.float32).reshape(-1, 1)]
        if self.config.evidence_k:
            if self.item_vecs_ is None:
                raise ModelError("lm_ranker: evidence_k is set but the item vectors are missing")
            ev = text_evidence(self.item_vecs_, history, rows, items, self.config.evidence_k)
            cols.append(ev)
        return np.hstack(cols)

    def _prior_scores(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        if self.prior_ is None:
            return np.zeros(len(users), np.float32)
        return np.asarray(self.prior_.predict(users, items), np.float32)

    # ------------------------------------------------------------------ forward
    def _texts(self, users: np.ndarray, items: np.ndarray, user_text: Any = None) -> Any:
        c = self.config
        utext = self.user_text_ if user_text is None else user_text
        return self.tokenizer_(
            [str(self.item_text_[j]) for j in items],
            [str(utext[j]) for j in users],
            truncation="only_second",
            max_length=c.max_tokens,
            padding=True,
            return_tensors="pt",
        )

    def _prior_inputs(self, signals: np.ndarray) -> tuple[Any, Any, Any]:
        """From :meth:`_signals`: the head's prior input (raw for ratings, standardised for
        clicks), its z-score, and the standardised evidence (``[n, 0]`` without)."""
        import torch

        s = np.asarray(signals, np.float32)
        p = torch.from_numpy(np.ascontiguousarray(s[:, 0]))
        z = (p - float(self.prior_stats_[0])) / float(self.prior_stats_[1])
        ev = (s[:, 1:] - self.evidence_stats_[0]) / self.evidence_stats_[1]
        return (p if self.config.task == "rating" else z), z, torch.from_numpy(ev)

    def _forward(self, tokens: Any, prior: np.ndarray, pooled: Any = None) -> Any:
        from lmrec.models.ranker._net import PairModel

        return PairModel(self.encoder_, self.head_)(
            None if tokens is None else dict(tokens), *self._prior_inputs(prior), pooled=pooled
        )

    def _pair_outputs(
        self, users: np.ndarray, items: np.ndarray, prior: np.ndarray, user_text: Any = None
    ) -> np.ndarray:
        """Raw head outputs (ratings or logits) in inference mode, batched."""
        import torch

        self.encoder_.eval()
        self.head_.eval()
        out = np.empty(len(users), np.float32)
        step = max(self.config.batch_size * 2, 64)
        with torch.no_grad():
            for s in range(0, len(users), step):
                tok = self._texts(users[s : s + step], items[s : s + step], user_text)
                out[s : s + step] = self._forward(tok, prior[s : s + step]).numpy()
        return out

    # ------------------------------------------------------------------ training loop
    def _train(
        self,
        torch: Any,
        data: tuple,
        valid: tuple,
        rng: np.random.Generator,
        resume: bool = True,
    ) -> None:
        import torch.nn.functional as F
        from transformers import get_linear_schedule_with_warmup

        from lmrec.models.ranker._net import pool

        c = self.config
        u, i, y, p = data
        from lmrec.models.ranker._net import PairModel

        modules = PairModel(self.encoder_, self.head_)
        step_fn, rank, world = data_parallel(modules)  # a slice of every batch per rank
        body = [q for q in self.encoder_.parameters() if q.requires_grad]
        fast = c.peft != "none"
        groups = [{"params": list(self.head_.parameters()), "lr": c.head_lr}]
        if body:
            groups.append({"params": body, "lr": c.head_lr if fast else c.lr})
        opt = torch.optim.AdamW(groups, weight_decay=c.weight_decay)
        params: list[Any] = [*self.head_.parameters(), *body]
        sched = get_linear_schedule_with_warmup(
            opt, int(c.warmup * self.total_steps_), self.total_steps_
        )
        frozen_body = not body  # all_but_head: pooled features computed once
        cached = valid_cached = None
        if frozen_body:  # the encoder never changes: its pair features are computed once
            self.encoder_.eval()

            def features(uu: np.ndarray, ii: np.ndarray) -> Any:
                with torch.no_grad():
                    return torch.cat(
                        [
                            pool(self.encoder_, dict(self._texts(uu[s : s + 256], ii[s : s + 256])))
                            for s in range(0, len(uu), 256)
                        ]
                    )

            cached, valid_cached = features(u, i), features(valid[0], valid[1])
        stopping = EarlyStopping(c.patience)
        step, start_step = 0, self._resume(modules) if resume else 0
        self.history_: list[dict[str, float]] = []
        bar = tqdm(total=self.total_steps_, desc=self.name, disable=not c.progress)
        target = torch.from_numpy(y)
        for _epoch in range(c.epochs):
            order = rng.permutation(len(u))
            for s in range(0, len(u), c.batch_size):
                rows = order[s : s + c.batch_size]
                if world > 1 and len(rows) >= world:
                    rows = rows[rank::world]
                step += 1
                bar.update(1)
                if step <= start_step:  # resumed: move the schedule to the checkpoint's step
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", UserWarning)  # no optimizer step yet
                        sched.step()
                    continue
                self.encoder_.train(not frozen_body)
                self.head_.train()
                tokens = None if cached is not None else dict(self._texts(u[rows], i[rows]))
                pooled = None if cached is None else cached[rows]
                out = step_fn(tokens, *self._prior_inputs(p[rows]), pooled)
                if c.task == "rating":
                    loss = F.mse_loss(out, target[rows])
                else:
                    loss = F.binary_cross_entropy_with_logits(out, target[rows])
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, c.max_grad_norm)
                opt.step()
                sched.step()
                if c.peft == "adalora":
                    self.encoder_.base_model.update_and_allocate(step)
                if step % c.eval_every == 0 or step == self.total_steps_:
                    metric = self._validate(valid, valid_cached)
                    stopping.step(-metric, modules)
                    self.history_.append({"step": step, "loss": loss.item(), "valid": metric})
                    bar.set_postfix(loss=round(loss.item(), 4), valid=round(metric, 4))
                    self._checkpoint(modules, step)
                    if stopping.stop:
                        break
            if stopping.stop:
                break
        bar.close()
        stopping.restore(modules)

    def finetune(self, data: Dataset, since: int) -> LMRanker:
        """Continue training on the events of ``data`` at or after timestamp ``since`` only,
        with the same loop and early stopping (on a tenth of them); ``data`` is the whole log
        with the model's id maps. Afterwards the prior is refit and the user profiles rebuilt
        on all of ``data``. Returns the model (save it as a new version)."""
        import torch

        from lmrec.models import create

        self._check_fitted()
        c = self.config
        if data.users != self.users_ or data.items != self.items_:
            raise ModelError(
                f"lm_ranker: {data.name!r} has other users or items than the checkpoint; "
                "fine-tuning continues on the same catalogue (retrain for new ids)"
            )
        if data.timestamps is None:
            raise ModelError(f"lm_ranker: {data.name!r} has no timestamps to select new events")
        new = data.subset(data.timestamps >= since)
        if not new.n_events:
            raise ModelError(f"lm_ranker: no events at or after {since} in {data.name!r}")
        rng = seeded(c.seed + 1, c.threads)
        u, i, y = self._pairs(new, data, rng, self.prior_)
        cut = rng.random(len(u)) < 0.1
        take = rng.permutation(int((~cut).sum()))[: c.max_train_pairs]
        u, i, y, vu, vi, vy = u[~cut][take], i[~cut][take], y[~cut][take], u[cut], i[cut], y[cut]
        vu, vi, vy = vu[: c.max_valid_pairs], vi[: c.max_valid_pairs], vy[: c.max_valid_pairs]
        if not len(u) or not len(vu):
            raise ModelError(f"lm_ranker: too few new events ({new.n_events}) to fine-tune on")
        self.total_steps_ = c.epochs * -(-len(u) // c.batch_size)
        history = data.interactions
        data_p = self._signals(u, i, self._prior_scores(u, i), history)
        valid_p = self._signals(vu, vi, self._prior_scores(vu, vi), history)
        self._train(torch, (u, i, y, data_p), (vu, vi, vy, valid_p), rng, resume=False)
        if c.prior is not None:
            self.prior_ = create(c.prior, **c.prior_params).fit(data)
        self.user_text_ = np.asarray(user_texts(data, n_recent=c.n_recent), dtype=str)
        self.train_ = data.interactions.astype(np.float32)
        self.popularity_ = data.item_counts.astype(np.float32)
        self.fingerprint_ = data.fingerprint
        self.finetuned_pairs_ = len(u)
        return self

    def _validate(self, valid: tuple, pooled: Any = None) -> float:
        """Validation RMSE (rating) or log loss (click); lower is better. ``pooled``: the
        pairs' encoder features when the encoder is frozen."""
        import torch

        from lmrec.evaluate.metrics import click, rating

        vu, vi, vy, vp = valid
        if pooled is None:
            out = self._pair_outputs(vu, vi, vp)
        else:
            self.head_.eval()
            with torch.no_grad():
                out = self._forward(None, vp, pooled=pooled).numpy()
        if self.config.task == "rating":
            return float(rating.rmse(vy, np.clip(out, *self.value_range_)))
        return float(click.log_loss(vy, 1 / (1 + np.exp(-out))))

    def _checkpoint(self, modules: Any, step: int) -> None:
        if self.config.checkpoint_dir is None:
            return
        from safetensors.torch import save_file

        folder = Path(self.config.checkpoint_dir)
        folder.mkdir(parents=True, exist_ok=True)
        trained = {k: v.detach().contiguous() for k, v in self._trainable(modules).items()}
        save_file(trained, str(folder / "checkpoint.safetensors"))
        (folder / "checkpoint.json").write_text(json.dumps({"step": step}))

    def _resume(self, modules: Any) -> int:
        """Load the checkpoint's weights; the step it reached (0 without one)."""
        if self.config.checkpoint_dir is None:
            return 0
        folder = Path(self.config.checkpoint_dir)
        if not (folder / "checkpoint.json").is_file():
            return 0
        from safetensors.torch import load_file

        modules.load_state_dict(load_file(str(folder / "checkpoint.safetensors")), strict=False)
        return int(json.loads((folder / "checkpoint.json").read_text())["step"])

    @staticmethod
    def _trainable(modules: Any) -> dict[str, Any]:
        names = {n for n, q in modules.named_parameters() if q.requires_grad}
        return {k: v for k, v in modules.state_dict().items() if k in names}

    def trainable_parameters(self) -> dict[str, int]:
        """Trained and total parameter counts (encoder + head)."""
        params = list(self.encoder_.parameters()) + list(self.head_.parameters())
        total = sum(q.numel() for q in params)
        return {"trainable": sum(q.numel() for q in params if q.requires_grad), "total": total}

    # ------------------------------------------------------------------ scoring
    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predicted ratings (clipped to the training range) or click probabilities."""
        users = np.asarray(users, np.int64)
        items = np.asarray(items, np.int64)
        prior = self._signals(users, items, self._prior_scores(users, items), self.train_)
        out = self._pair_outputs(users, items, prior)
        if self.config.task == "rating":
            return np.clip(out, *self.value_range_)
        return (1 / (1 + np.exp(-out))).astype(np.float32)

    def _batch_texts(self, batch: UserBatch) -> np.ndarray:
        """Profile text per batch row: stored for known users, built from an ad-hoc history."""
        out = []
        for row, u in enumerate(batch.index):
            if u >= 0:
                out.append(str(self.user_text_[u]))
                continue
            lo, hi = batch.history.indptr[row], batch.history.indptr[row + 1]
            items = batch.history.indices[lo:hi][-self.config.n_recent :]
            out.append("Recent items: " + history_text(list(self.item_text_), items))
        return np.asarray(out, dtype=str)

    def score_pairs(self, batch: UserBatch, rows: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Head outputs (ratings or logits) for (batch row, item index) pairs."""
        rows, items = np.asarray(rows, np.int64), np.asarray(items, np.int64)
        if self.prior_ is None:
            prior = np.zeros(len(rows), np.float32)
        else:
            prior = self.prior_.score_pairs(batch, rows, items)
        signals = self._signals(rows, items, prior, batch.history)
        return self._pair_outputs(rows, items, signals, user_text=self._batch_texts(batch))

    def _score(self, batch: UserBatch) -> np.ndarray:
        from lmrec.pipeline import rerank

        if self.prior_ is None:
            raise ModelError("lm_ranker: full scoring needs a prior model to propose candidates")
        texts = self._batch_texts(batch)
        prior = self.prior_.score(batch)

        def pairs(rows: np.ndarray, items: np.ndarray) -> np.ndarray:
            signals = self._signals(rows, items, prior[rows, items], batch.history)
            return self._pair_outputs(rows, items, signals, user_text=texts)

        return rerank(prior, batch.history, pairs, self.config.n_candidates)

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, np.ndarray]:
        return {
            "item_text": self.item_text_,
            "user_text": self.user_text_,
            "value_range": self.value_range_,
            "prior_stats": self.prior_stats_,
            "evidence_stats": self.evidence_stats_,
            "total_steps": np.array(self.total_steps_),
            **({} if self.item_vecs_ is None else {"item_vecs": self.item_vecs_}),
        }

    def _save_files(self, folder: Path) -> None:
        import torch
        from safetensors.torch import save_file

        modules = torch.nn.ModuleDict({"encoder": self.encoder_, "head": self.head_})
        trained = {k: v.detach().contiguous() for k, v in self._trainable(modules).items()}
        save_file(trained, str(folder / WEIGHTS_FILE))
        if self.prior_ is not None:
            self.prior_.save(folder / PRIOR_DIR)

    def _load_files(self, folder: Path) -> None:
        from safetensors.torch import load_file

        from lmrec.models import load

        self.loaded_weights_ = load_file(str(folder / WEIGHTS_FILE))
        self.prior_ = load(folder / PRIOR_DIR) if self.config.prior is not None else None

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        import torch

        self.item_text_ = state["item_text"]
        self.user_text_ = state["user_text"]
        self.value_range_ = state["value_range"]
        self.prior_stats_ = state["prior_stats"]
        self.evidence_stats_ = state.get("evidence_stats", np.zeros((2, 0), np.float32))
        self.item_vecs_ = state.get("item_vecs")
        seeded(self.config.seed, self.config.threads)  # the 'tiny' encoder's frozen init
        self._build(int(state["total_steps"]))
        modules = torch.nn.ModuleDict({"encoder": self.encoder_, "head": self.head_})
        missing, unexpected = modules.load_state_dict(self.loaded_weights_, strict=False)
        if unexpected or set(missing) & set(self._trainable(modules)):
            raise ModelError(f"{WEIGHTS_FILE}: weights do not fit the configured ranker")
        del self.loaded_weights_
