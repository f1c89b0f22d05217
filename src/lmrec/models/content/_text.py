# SPDX-License-Identifier: MIT
"""Shared machinery of models that read item text: encoding, new items, similar items."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from lmrec.data import Dataset, IdMap
from lmrec.errors import ModelError, UnknownIdError
from lmrec.models._base import ModelConfig, Recommender, UserBatch
from lmrec.text import TextEncoder, get_encoder, l2_normalise

if TYPE_CHECKING:
    from lmrec.retrieval import VectorIndex


class TextConfig(ModelConfig):
    """Encoder settings shared by text models."""

    encoder: str = Field("minilm", description="text encoder name (lmrec.text.available())")
    encoder_params: dict[str, Any] = Field(default_factory=dict)
    batch_size: int = Field(64, ge=1, description="texts per encoder batch")
    index: Literal["exact", "hnsw", "ivf"] = Field(
        "exact", description="vector index for similar_items: exact | hnsw | ivf (faiss)"
    )
    center: bool = Field(
        True,
        description="subtract the catalogue's mean embedding before normalising (LM embeddings "
        "share a large common direction that otherwise dominates user profiles)",
    )


class TextRecommender(Recommender):
    """A recommender whose items carry LM text embeddings (``item_vecs_``).

    Subclasses implement ``_fit_text`` and ``_score``. New items join with :meth:`add_items`
    (encoded at once, recommendable without retraining); :meth:`similar_items` ranks by text.
    """

    uses_text: ClassVar[bool] = True
    config: TextConfig
    encoder_: TextEncoder | None
    index_: VectorIndex | None

    # ------------------------------------------------------------------ encoder
    def encoder(self) -> TextEncoder:
        """The configured encoder (built on first use; stateful ones are refitted on the
        catalogue text so a loaded model encodes exactly as the trained one)."""
        enc: TextEncoder | None = getattr(self, "encoder_", None)
        if enc is None:
            enc = get_encoder(self.config.encoder, **self.config.encoder_params)
            fit = getattr(enc, "fit", None)
            if callable(fit) and hasattr(self, "item_text_"):
                fit(list(self.item_text_))
            self.encoder_ = enc
        return enc

    def _encode(self, texts: Sequence[str], queries: bool = False) -> np.ndarray:
        enc = self.encoder()
        fn = enc.encode_queries if queries else enc.encode
        progress = len(texts) > 2000
        return np.asarray(fn(list(texts), batch_size=self.config.batch_size, progress=progress))

    # ------------------------------------------------------------------ fitting
    def _fit(self, train: Dataset, valid: Dataset | None) -> None:
        if train.item_text is None:
            raise ModelError(
                f"{self.name}: data set {train.name!r} has no item text; load one with item "
                "text or pass item_text to Dataset.from_events"
            )
        self.item_text_ = np.asarray([str(t) for t in train.item_text], dtype=str)
        self.encoder_ = None
        self.index_ = None
        raw = self._encode(list(self.item_text_))
        self.item_mean_ = raw.mean(axis=0) if self.config.center else np.zeros(raw.shape[1])
        self.item_mean_ = self.item_mean_.astype(np.float32)
        self.item_vecs_ = self._embed(raw)
        self._fit_text(train, valid)

    def _embed(self, raw: np.ndarray) -> np.ndarray:
        """Encoder output → the model's unit vectors (centred on the training catalogue)."""
        return l2_normalise(np.asarray(raw, np.float32) - self.item_mean_)

    def _fit_text(self, train: Dataset, valid: Dataset | None) -> None:
        """Model-specific learning once ``item_vecs_`` exist."""

    # ------------------------------------------------------------------ queries
    def query_vectors(self, batch: UserBatch) -> np.ndarray:
        """``[n, d]`` encoded user texts (zero rows for users without text)."""
        out = np.zeros((len(batch), self.item_vecs_.shape[1]), np.float32)
        mask = batch.has_text
        if mask.any() and batch.text is not None:
            texts = [t for t, m in zip(batch.text, mask, strict=True) if m]
            out[mask] = self._embed(self._encode(texts, queries=True))
        return out

    def recommend_text(self, texts: Sequence[str], k: int = 10) -> list[list[Any]]:
        """External item ids best matching each free-text query or profile."""
        recs = self.recommend(self.batch_from_texts(texts), k=k)
        return recs.external()

    # ------------------------------------------------------------------ catalogue
    def add_items(self, ids: Sequence[Any], texts: Sequence[str]) -> np.ndarray:
        """Add new items known only by their text; returns their dense indices.

        They are encoded now and recommendable at once (no retraining)."""
        self._check_fitted()
        if len(ids) != len(texts):
            raise ModelError(f"add_items: {len(ids)} ids but {len(texts)} texts")
        if not len(ids):
            return np.empty(0, np.int64)
        dup = [i for i in ids if i in self.items_]
        if dup:
            raise ModelError(f"add_items: item {dup[0]!r} is already in the catalogue")
        vecs = self._embed(self._encode([str(t) for t in texts]))
        start = self.n_items
        self.items_ = IdMap(np.concatenate([self.items_.ids, np.asarray(list(ids))]), "item")
        n_new = len(ids)
        self.train_ = sp.hstack(
            [self.train_, sp.csr_matrix((self.n_users, n_new), dtype=np.float32)], format="csr"
        )
        self.popularity_ = np.concatenate([self.popularity_, np.zeros(n_new, np.float32)])
        self.item_text_ = np.concatenate([self.item_text_, np.asarray(texts, dtype=str)])
        self.item_vecs_ = np.vstack([self.item_vecs_, vecs])
        self._added_items(vecs)
        return np.arange(start, start + n_new)

    def _added_items(self, vecs: np.ndarray) -> None:
        """Extend model-specific item state for new items encoded as ``vecs``."""

    def item_vectors(self) -> np.ndarray:
        """``[n_items, d]`` vectors used for :meth:`similar_items` (text embeddings here)."""
        return self.item_vecs_

    def vector_index(self) -> VectorIndex:
        """A faiss index (``config.index`` kind) over :meth:`item_vectors`, built on first use
        and kept in step with :meth:`add_items`."""
        from lmrec.retrieval import make_index

        index: VectorIndex | None = getattr(self, "index_", None)
        vecs = self.item_vectors()
        if index is None:
            index = make_index(self.config.index, dim=vecs.shape[1], metric="ip")
            index.add(vecs, ids=np.arange(len(vecs)))
        elif len(index) < len(vecs):
            index.add(vecs[len(index) :], ids=np.arange(len(index), len(vecs)))
        self.index_ = index
        return index

    def similar_items(self, item: Any, k: int = 10) -> list[tuple[Any, float]]:
        """The ``k`` items closest to ``item`` (external id), with cosine scores."""
        from lmrec.retrieval import nearest_items

        self._check_fitted()
        if item not in self.items_:
            raise UnknownIdError(f"unknown item id {item!r}")
        idx = int(self.items_.index([item])[0])
        k = min(k, self.n_items - 1)
        ids, scores = nearest_items(self.vector_index(), self.item_vectors(), [idx], k)
        keep = ids[0] >= 0
        return [
            (self.items_.ids[i], float(v))
            for i, v in zip(ids[0][keep], scores[0][keep], strict=True)
        ]

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, np.ndarray]:
        return {
            "item_vecs": self.item_vecs_,
            "item_text": self.item_text_,
            "item_mean": self.item_mean_,
        }

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        self.item_vecs_ = state["item_vecs"]
        self.item_text_ = state["item_text"]
        self.item_mean_ = state["item_mean"]
        self.encoder_ = None
        self.index_ = None
