# SPDX-License-Identifier: MIT
"""TF-IDF + truncated SVD (latent semantic analysis): the non-LM lexical baseline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from lmrec.errors import DataError, NotFittedError
from lmrec.text._base import l2_normalise


class TfidfEncoder:
    """Word n-gram TF-IDF reduced to ``dim`` dense dimensions by truncated SVD (LSA).

    Stateful: :meth:`fit` learns the vocabulary, IDF weights and SVD basis from a corpus;
    :meth:`encode` on an unfitted encoder fits on the texts it is given first, and
    :meth:`encode_queries` requires a fitted encoder. When the corpus cannot support ``dim``
    dimensions (fewer features or documents), ``dim`` shrinks to what it supports; when that is
    the number of features, the TF-IDF vectors are used as they are (no SVD). Because vectors
    depend on the fit, this encoder is never put behind the embedding cache.
    """

    stateful: ClassVar[bool] = True

    def __init__(
        self,
        dim: int = 256,
        min_df: int | float = 1,
        ngram_range: tuple[int, int] = (1, 2),
        seed: int = 0,
    ) -> None:
        if dim < 1:
            raise ValueError(f"dim must be ≥ 1, got {dim}")
        self.requested_dim = dim
        self.dim = dim
        self.min_df = min_df
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.seed = seed
        self.name = f"tfidf-lsa-{dim}"
        self._vectorizer: Any = None
        self._svd: Any = None

    def __repr__(self) -> str:
        return f"TfidfEncoder(dim={self.dim}, fitted={self.fitted})"

    @property
    def fitted(self) -> bool:
        """Whether :meth:`fit` has run."""
        return self._vectorizer is not None

    def fit(self, texts: Sequence[str]) -> TfidfEncoder:
        """Learn vocabulary, IDF and the SVD basis from ``texts``; returns self."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = [str(t) for t in texts]
        if not docs:
            raise DataError("TfidfEncoder.fit: no texts to fit on")
        vectorizer = TfidfVectorizer(
            min_df=self.min_df,
            ngram_range=self.ngram_range,
            sublinear_tf=True,
            strip_accents="unicode",
            token_pattern=r"(?u)\b\w+\b",  # keep one-character words
            dtype=np.float32,
        )
        try:
            x = vectorizer.fit_transform(docs)
        except ValueError as e:  # empty vocabulary: only stop-words, punctuation or min_df
            raise DataError(f"TfidfEncoder.fit: no usable terms in {len(docs)} texts ({e})") from e
        n_docs, n_features = x.shape
        dim = min(self.requested_dim, n_features, n_docs)
        svd = None
        if dim < n_features:
            svd = TruncatedSVD(n_components=dim, algorithm="randomized", random_state=self.seed)
            svd.fit(x)
        else:
            dim = n_features
        self._vectorizer, self._svd = vectorizer, svd
        self.dim = dim
        self.name = f"tfidf-lsa-{dim}"
        return self

    def _transform(self, texts: Sequence[str]) -> np.ndarray:
        x = self._vectorizer.transform([str(t) for t in texts])
        dense = self._svd.transform(x) if self._svd is not None else x.toarray()
        return l2_normalise(np.asarray(dense, dtype=np.float32))

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        """``float32 [n, dim]`` unit vectors (fits on ``texts`` first when unfitted)."""
        if not len(texts):
            return np.zeros((0, self.dim), np.float32)
        if not self.fitted:
            self.fit(texts)
        return self._transform(texts)

    def encode_queries(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        """Queries through the fitted transform (words unseen in the fit are ignored)."""
        if not self.fitted:
            raise NotFittedError(
                f"{self.name}: fit the encoder on a corpus (fit or encode) before encoding queries"
            )
        if not len(texts):
            return np.zeros((0, self.dim), np.float32)
        return self._transform(texts)
