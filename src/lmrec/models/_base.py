# SPDX-License-Identifier: MIT
"""The :class:`Recommender` protocol every lmrec model implements."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, ValidationError

from lmrec._io import atomic_dir, load_arrays, save_arrays, verify_dir, write_json
from lmrec.data import Dataset, IdMap
from lmrec.errors import ArtifactError, ConfigError, ModelError, NotFittedError, UnknownIdError
from lmrec.models._topk import mask_rows, topk

CONFIG_FILE = "config.json"
STATE_FILE = "state.npz"


class ModelConfig(BaseModel):
    """Base of every model's hyperparameters: typed, frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def make_config(
    name: str,
    config_class: type[ModelConfig],
    config: ModelConfig | dict[str, Any] | None,
    params: dict[str, Any],
) -> Any:
    """``config`` (a config, a dict or None) overridden by ``params``, validated; a bad value
    raises :class:`ConfigError` naming the field."""
    base = config.model_dump() if isinstance(config, ModelConfig) else (config or {})
    try:
        return config_class(**{**base, **params})
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(map(str, first["loc"])) or "config"
        raise ConfigError(f"{name}: {where}: {first['msg']}") from None


@dataclass(frozen=True)
class UserBatch:
    """Users to score: known users (dense index ≥ 0) or ad-hoc ones (index -1) with a history.

    ``history`` is a ``[n, n_items]`` CSR matrix of the items each user interacted with (values as
    in training); it drives history-based models, fold-in of new users and seen-item exclusion.
    ``text`` optionally gives each user a free-text query or profile ("" for none); models that
    read text (``uses_text``) score from it, the others treat such users as cold.
    ``sequences`` keeps ad-hoc histories in the order given (oldest first) for sequential models.
    """

    index: np.ndarray
    history: sp.csr_matrix
    text: tuple[str, ...] | None = None
    sequences: tuple[np.ndarray, ...] | None = None

    def __len__(self) -> int:
        return len(self.index)

    @property
    def known(self) -> np.ndarray:
        """Boolean mask of users the model was trained on."""
        return self.index >= 0

    @classmethod
    def from_histories(
        cls,
        histories: Sequence[Sequence[int] | np.ndarray],
        n_items: int,
        values: Sequence[Sequence[float]] | None = None,
    ) -> UserBatch:
        """Ad-hoc users from lists of dense item indices (values default to 1)."""
        lengths = np.array([len(h) for h in histories], dtype=np.int64)
        parts = [np.asarray(h, np.int64).ravel() for h in histories]
        cols = np.concatenate(parts) if parts else np.empty(0, np.int64)
        if len(cols) and (cols.min() < 0 or cols.max() >= n_items):
            raise UnknownIdError(f"history item index out of range 0..{n_items - 1}")
        data = (
            np.concatenate([np.asarray(v, np.float32) for v in values])
            if values is not None and len(values)
            else np.ones(len(cols), np.float32)
        )
        indptr = np.r_[0, np.cumsum(lengths)]
        hist = sp.csr_matrix((data, cols, indptr), shape=(len(histories), n_items))
        hist.sum_duplicates()
        return cls(
            index=np.full(len(histories), -1, np.int64), history=hist, sequences=tuple(parts)
        )

    @classmethod
    def from_texts(
        cls,
        texts: Sequence[str],
        n_items: int,
        histories: Sequence[Sequence[int] | np.ndarray] | None = None,
    ) -> UserBatch:
        """Ad-hoc users described by free text (queries or profiles), optionally with histories."""
        texts = [str(t) for t in texts]
        if histories is not None and len(histories) != len(texts):
            raise ModelError(f"{len(texts)} texts but {len(histories)} histories")
        base = cls.from_histories(
            histories if histories is not None else [[]] * len(texts), n_items
        )
        return cls(
            index=base.index, history=base.history, text=tuple(texts), sequences=base.sequences
        )

    @property
    def has_text(self) -> np.ndarray:
        """Boolean mask of users carrying a non-empty text."""
        if self.text is None:
            return np.zeros(len(self.index), bool)
        return np.array([bool(t.strip()) for t in self.text], bool)


@dataclass(frozen=True)
class Recs:
    """Top-K lists: ``items[u]`` are dense item indices best first, padded with -1."""

    users: np.ndarray
    items: np.ndarray
    scores: np.ndarray
    item_ids: IdMap | None = None
    user_ids: IdMap | None = None

    def __len__(self) -> int:
        return len(self.users)

    def lists(self) -> list[np.ndarray]:
        """Per-user arrays of dense item indices without padding."""
        return [row[row >= 0] for row in self.items]

    def external(self) -> list[list[Any]]:
        """Per-user lists of external item ids."""
        if self.item_ids is None:
            raise ModelError("these recommendations carry no item vocabulary")
        return [self.item_ids.ids[row].tolist() for row in self.lists()]

    def to_frame(self) -> pd.DataFrame:
        """Long table: ``user``, ``rank`` (1-based), ``item``, ``score`` and external ids."""
        n, k = self.items.shape
        keep = self.items.ravel() >= 0
        df = pd.DataFrame(
            {
                "user": np.repeat(self.users, k)[keep],
                "rank": np.tile(np.arange(1, k + 1), n)[keep],
                "item": self.items.ravel()[keep],
                "score": self.scores.ravel()[keep],
            }
        )
        if self.user_ids is not None:
            users = df["user"].to_numpy()
            ext = self.user_ids.ids[np.maximum(users, 0)].astype(object)
            ext[users < 0] = None  # ad-hoc users have no external id
            df["user_id"] = ext
        if self.item_ids is not None:
            df["item_id"] = self.item_ids.ids[df["item"].to_numpy()]
        return df


class Recommender(ABC):
    """Base class of lmrec models (sklearn-style: ``__init__`` stores a config; state ends in _).

    Subclasses set ``name`` and ``config_class`` and implement ``_fit`` and ``_score``; models
    with learned arrays implement ``_state``/``_set_state`` for saving.

    Users without any history (new users with an empty history, or known users with no training
    events) get most-popular scores: the documented cold-user fallback.

    Stability: full.
    """

    name: ClassVar[str] = "base"
    config_class: ClassVar[type[ModelConfig]] = ModelConfig
    predicts_ratings: ClassVar[bool] = False
    uses_text: ClassVar[bool] = False

    def __init__(self, config: ModelConfig | dict[str, Any] | None = None, **params: Any) -> None:
        self.config = make_config(self.name, self.config_class, config, params)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.config.model_dump().items())
        return f"{type(self).__name__}({params})"

    # ------------------------------------------------------------------ training
    def fit(self, train: Dataset, valid: Dataset | None = None) -> Self:
        """Learn from ``train`` (``valid`` is used by models that tune or stop early)."""
        if train.n_events == 0:
            raise ModelError(f"{self.name}: training data {train.name!r} has no events")
        self.users_ = train.users
        self.items_ = train.items
        self.train_ = train.interactions.astype(np.float32)
        self.popularity_ = train.item_counts.astype(np.float32)
        self.fingerprint_ = train.fingerprint
        self._fit(train, valid)
        return self

    @abstractmethod
    def _fit(self, train: Dataset, valid: Dataset | None) -> None: ...

    def is_fitted(self) -> bool:
        """Whether the model has learned state."""
        return hasattr(self, "train_")

    def _check_fitted(self) -> None:
        if not self.is_fitted():
            raise NotFittedError(f"{self.name}: model is not fitted; call fit(train) first")

    @property
    def n_users(self) -> int:
        """Users known from training."""
        self._check_fitted()
        return len(self.users_)

    @property
    def n_items(self) -> int:
        """Items in the model's catalogue."""
        self._check_fitted()
        return len(self.items_)

    # ------------------------------------------------------------------ batches
    def batch(self, users: UserBatch | Sequence[int] | np.ndarray | int) -> UserBatch:
        """A :class:`UserBatch` for dense user indices (their training history attached)."""
        self._check_fitted()
        if isinstance(users, UserBatch):
            if users.history.shape[1] != self.n_items:
                raise ModelError(
                    f"{self.name}: history has {users.history.shape[1]} item columns, "
                    f"model has {self.n_items} items"
                )
            bad = users.index >= self.n_users
            if bad.any():
                raise UnknownIdError(f"user index {users.index[bad][0]} out of range")
            return users
        if isinstance(users, str):
            raise ModelError(f"{self.name}: for a text query use batch_from_texts([...])")
        idx = np.atleast_1d(np.asarray(users))
        if idx.dtype.kind not in "iu":
            raise ModelError(
                f"{self.name}: users must be dense integer indices; use batch_from_ids for "
                "external ids"
            )
        idx = idx.astype(np.int64)
        bad = (idx < 0) | (idx >= self.n_users)
        if bad.any():
            raise UnknownIdError(
                f"user index {idx[bad][0]} out of range 0..{self.n_users - 1}; for a new user "
                "pass a history (UserBatch.from_histories or batch_from_histories)"
            )
        return UserBatch(index=idx, history=self.train_[idx])

    def batch_from_ids(self, user_ids: Sequence[Any]) -> UserBatch:
        """A batch of known users by external id (unknown ids raise :class:`UnknownIdError`)."""
        self._check_fitted()
        return self.batch(self.users_.index(list(user_ids)))

    def batch_from_histories(
        self, histories: Sequence[Sequence[Any]], values: Sequence[Sequence[float]] | None = None
    ) -> UserBatch:
        """Ad-hoc users from lists of external item ids."""
        self._check_fitted()
        dense = [self.items_.index(list(h)) for h in histories]
        return UserBatch.from_histories(dense, self.n_items, values)

    def batch_from_texts(
        self, texts: Sequence[str], histories: Sequence[Sequence[Any]] | None = None
    ) -> UserBatch:
        """Ad-hoc users from free-text queries/profiles (and optional external-id histories)."""
        self._check_fitted()
        dense = None if histories is None else [self.items_.index(list(h)) for h in histories]
        return UserBatch.from_texts(texts, self.n_items, dense)

    # ------------------------------------------------------------------ scoring
    @abstractmethod
    def _score(self, batch: UserBatch) -> np.ndarray:
        """``[len(batch), n_items]`` float32 scores; higher is better."""

    def score(
        self, users: UserBatch | Sequence[int] | np.ndarray | int, items: np.ndarray | None = None
    ) -> np.ndarray:
        """Scores of ``items`` (all when None) for each user: ``[n_users, n_items]`` float32."""
        batch = self.batch(users)
        scores = np.asarray(self._score(batch), dtype=np.float32)
        empty = np.diff(batch.history.indptr) == 0
        if self.reads_text():
            empty &= ~batch.has_text
        if empty.any():
            scores[empty] = self._fallback_scores()
        if items is not None:
            items = np.asarray(items, dtype=np.int64)
            if len(items) and (items.min() < 0 or items.max() >= self.n_items):
                raise UnknownIdError(f"item index out of range 0..{self.n_items - 1}")
            scores = scores[:, items]
        return scores

    def rates(self) -> bool:
        """Whether :meth:`predict` returns ratings (so rating metrics apply)."""
        return type(self).predicts_ratings

    def score_pairs(self, batch: UserBatch, rows: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Scores of (batch row, item index) pairs: how a second stage rescores candidates
        (models that cannot afford full scoring override this)."""
        return self.score(batch)[np.asarray(rows, np.int64), np.asarray(items, np.int64)]

    def reads_text(self) -> bool:
        """Whether user texts (queries, profiles) drive this model's scores."""
        return self.uses_text

    def _fallback_scores(self) -> np.ndarray:
        """Scores for users with no history: normalised popularity."""
        pop = self.popularity_
        return pop / max(float(pop.max()), 1.0)

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Score of each (user, item) pair; rating models return predicted ratings."""
        users = np.asarray(users, dtype=np.int64)
        items = np.asarray(items, dtype=np.int64)
        uniq, inv = np.unique(users, return_inverse=True)
        out = np.empty(len(users), np.float32)
        for start in range(0, len(uniq), 1024):
            chunk = uniq[start : start + 1024]
            rows = np.flatnonzero((inv >= start) & (inv < start + len(chunk)))
            s = self.score(chunk)
            out[rows] = s[inv[rows] - start, items[rows]]
        return out

    def recommend(
        self,
        users: UserBatch | Sequence[int] | np.ndarray | int,
        k: int = 10,
        exclude_seen: bool = True,
        candidates: np.ndarray | None = None,
        exclude: np.ndarray | None = None,
    ) -> Recs:
        """Top-``k`` items per user.

        Args:
            users: dense user indices or a :class:`UserBatch`.
            k: list length.
            exclude_seen: drop items in each user's history.
            candidates: rank only these item indices (e.g. the held-out items of a cold split).
            exclude: item indices never to recommend.
        """
        if k < 1:
            raise ModelError(f"k must be ≥ 1, got {k}")
        batch = self.batch(users)
        scores = self.score(batch)
        if exclude_seen:
            mask_rows(scores, batch.history)
        if exclude is not None:
            scores[:, np.asarray(exclude, np.int64)] = -np.inf
        if candidates is not None:
            keep = np.zeros(self.n_items, bool)
            keep[np.asarray(candidates, np.int64)] = True
            scores[:, ~keep] = -np.inf
        idx, vals = topk(scores, k)
        return Recs(batch.index, idx, vals, item_ids=self.items_, user_ids=self.users_)

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, np.ndarray]:
        """Learned arrays to save (beyond the vocabularies and training matrix)."""
        return {}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:  # noqa: B027 - optional hook
        """Restore learned arrays written by :meth:`_state`."""

    def _save_files(self, folder: Path) -> None:  # noqa: B027 - optional hook
        """Write extra files (e.g. safetensors) into the artifact folder being published."""

    def _load_files(self, folder: Path) -> None:  # noqa: B027 - optional hook
        """Read extra files written by :meth:`_save_files` (checksums already verified)."""

    def save(self, path: Path | str, meta: dict[str, Any] | None = None) -> None:
        """Write ``config.json``, ``state.npz`` and a checksummed manifest, atomically.

        ``meta`` (e.g. ``{"fit_s": 1.2}``) is recorded in the manifest.
        """
        self._check_fitted()
        tr = self.train_
        arrays = {
            "users": self.users_.ids,
            "items": self.items_.ids,
            "train_indptr": tr.indptr,
            "train_indices": tr.indices,
            "train_data": tr.data,
            "popularity": self.popularity_,
        }
        for key, arr in self._state().items():
            arrays[f"model.{key}"] = arr
        info = {**(meta or {}), "model": self.name, "data_fingerprint": self.fingerprint_}
        with atomic_dir(path, extra_manifest=info) as tmp:
            write_json(
                tmp / CONFIG_FILE,
                {"model": self.name, "config": self.config.model_dump(mode="json")},
            )
            save_arrays(tmp / STATE_FILE, arrays)
            self._save_files(tmp)

    @classmethod
    def load(cls, path: Path | str) -> Self:
        """Load a model saved by :meth:`save`; checksums are verified first."""
        path = Path(path)
        manifest = verify_dir(path)
        spec = json.loads((path / CONFIG_FILE).read_text())
        if spec.get("model") != cls.name and cls is not Recommender:
            raise ArtifactError(f"{path}: holds a {spec.get('model')!r} model, not {cls.name!r}")
        model = cls(spec["config"])
        arrays = load_arrays(path / STATE_FILE)
        model.users_ = IdMap(arrays["users"], name="user")
        model.items_ = IdMap(arrays["items"], name="item")
        shape = (len(model.users_), len(model.items_))
        model.train_ = sp.csr_matrix(
            (arrays["train_data"], arrays["train_indices"], arrays["train_indptr"]), shape=shape
        )
        model.popularity_ = arrays["popularity"]
        model.fingerprint_ = manifest.get("data_fingerprint", "")
        model._load_files(path)
        model._set_state({k[6:]: v for k, v in arrays.items() if k.startswith("model.")})
        return model


def binary(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """A copy of ``matrix`` with every stored value set to 1 (float32)."""
    out = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    out.data[:] = 1.0
    return out


def as_input(matrix: sp.csr_matrix, binarize: bool) -> sp.csr_matrix:
    """The interaction matrix a model consumes: binarized, or float32 values as given."""
    return binary(matrix) if binarize else sp.csr_matrix(matrix, dtype=np.float32)
