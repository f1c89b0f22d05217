# SPDX-License-Identifier: MIT
"""EmbeddingCache and CachedEncoder: hits, misses, order, namespaces, errors, concurrency."""

from __future__ import annotations

import sqlite3
import threading
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from lmrec.errors import ArtifactError, ConfigError
from lmrec.text import CachedEncoder, EmbeddingCache, TextEncoder
from lmrec.text.cache import text_key
from lmrec.text.tfidf import TfidfEncoder


class CountingEncoder:
    """Deterministic fake: vectors from the text's CRC32; records every text it encodes."""

    def __init__(self, dim: int = 8, name: str = "counting") -> None:
        self.name = name
        self.dim = dim
        self.seen: list[str] = []
        self.seen_queries: list[str] = []
        self.calls: list[dict[str, object]] = []

    def _vecs(self, texts: Sequence[str], salt: int) -> np.ndarray:
        rows = [
            np.random.default_rng(zlib.crc32(t.encode()) + salt).standard_normal(self.dim)
            for t in texts
        ]
        x = np.asarray(rows, np.float32).reshape(len(texts), self.dim)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        self.seen += texts
        self.calls.append({"n": len(texts), "batch_size": batch_size, "progress": progress})
        return self._vecs(texts, 0)

    def encode_queries(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        self.seen_queries += texts
        return self._vecs(texts, 1)


@pytest.fixture
def inner() -> CountingEncoder:
    return CountingEncoder()


@pytest.fixture
def cached(inner: CountingEncoder, tmp_path: Path) -> CachedEncoder:
    return CachedEncoder(inner, tmp_path / "emb")


def test_is_a_text_encoder(cached: CachedEncoder, inner: CountingEncoder) -> None:
    assert isinstance(cached, TextEncoder)
    assert cached.name == inner.name and cached.dim == inner.dim


def test_second_call_encodes_nothing(cached: CachedEncoder, inner: CountingEncoder) -> None:
    texts = ["a", "b", "c"]
    first = cached.encode(texts)
    assert inner.seen == texts
    second = cached.encode(texts)
    assert inner.seen == texts  # nothing new encoded
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, inner._vecs(texts, 0))
    assert (cached.hits, cached.misses) == (3, 3)


def test_order_preserved_with_partial_hits(cached: CachedEncoder, inner: CountingEncoder) -> None:
    cached.encode(["b", "d"])
    out = cached.encode(["d", "a", "b", "c"])
    assert inner.seen == ["b", "d", "a", "c"]  # only the misses, in first-seen order
    np.testing.assert_array_equal(out, inner._vecs(["d", "a", "b", "c"], 0))


def test_duplicates_encoded_once(cached: CachedEncoder, inner: CountingEncoder) -> None:
    out = cached.encode(["x", "y", "x", "x", "y"])
    assert inner.seen == ["x", "y"]
    np.testing.assert_array_equal(out[0], out[2])
    np.testing.assert_array_equal(out[1], out[4])
    assert out.shape == (5, 8) and out.dtype == np.float32


def test_queries_have_their_own_namespace(cached: CachedEncoder, inner: CountingEncoder) -> None:
    docs = cached.encode(["space opera"])
    queries = cached.encode_queries(["space opera"])
    assert inner.seen == inner.seen_queries == ["space opera"]
    assert not np.allclose(docs, queries)
    cached.encode_queries(["space opera"])
    assert inner.seen_queries == ["space opera"]
    assert set(cached.cache.namespaces()) == {"counting", "counting:query"}


def test_persists_across_instances(tmp_path: Path) -> None:
    a = CountingEncoder()
    CachedEncoder(a, tmp_path).encode(["p", "q"])
    b = CountingEncoder()
    with EmbeddingCache(tmp_path) as cache:
        out = CachedEncoder(b, cache).encode(["q", "p"])
    assert b.seen == []
    np.testing.assert_array_equal(out, a._vecs(["q", "p"], 0))


def test_encoders_do_not_share_vectors(tmp_path: Path) -> None:
    CachedEncoder(CountingEncoder(name="one"), tmp_path).encode(["t"])
    other = CountingEncoder(name="two")
    CachedEncoder(other, tmp_path).encode(["t"])
    assert other.seen == ["t"]


def test_vectors_of_another_size_are_reencoded(tmp_path: Path) -> None:
    CachedEncoder(CountingEncoder(dim=4), tmp_path).encode(["t", "u"])
    wider = CountingEncoder(dim=6)  # same name, different model size: stale entries
    out = CachedEncoder(wider, tmp_path).encode(["t", "u"])
    assert out.shape == (2, 6) and wider.seen == ["t", "u"]


def test_empty_input(cached: CachedEncoder, inner: CountingEncoder) -> None:
    assert cached.encode([]).shape == (0, 8)
    assert inner.seen == []


def test_batch_size_and_progress_reach_the_encoder(
    cached: CachedEncoder, inner: CountingEncoder
) -> None:
    cached.encode(["a", "b"], batch_size=7, progress=True)
    assert inner.calls == [{"n": 2, "batch_size": 7, "progress": True}]


def test_no_double_wrapping(cached: CachedEncoder, inner: CountingEncoder, tmp_path: Path) -> None:
    again = CachedEncoder(cached, tmp_path / "other")
    assert again.encoder is inner


def test_stateful_encoders_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"tfidf.*cannot be cached"):
        CachedEncoder(TfidfEncoder(), tmp_path)


def test_missing_folder_is_created(inner: CountingEncoder, tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b" / "c"
    cache = EmbeddingCache(folder)
    assert not folder.exists()  # nothing happens before first use
    CachedEncoder(inner, cache).encode(["z"])
    assert (folder / "embeddings.sqlite").is_file() and cache.count() == 1


def test_folder_is_a_file(inner: CountingEncoder, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="is a file"):
        CachedEncoder(inner, blocker).encode(["z"])
    with pytest.raises(ConfigError, match="cannot create"):
        CachedEncoder(inner, blocker / "sub").encode(["z"])


def test_corrupt_cache_file(inner: CountingEncoder, tmp_path: Path) -> None:
    (tmp_path / "embeddings.sqlite").write_bytes(b"garbage, not SQLite" * 100)
    with pytest.raises(ArtifactError, match=r"unreadable.*delete the file"):
        CachedEncoder(inner, tmp_path).encode(["z"])


def test_foreign_schema(inner: CountingEncoder, tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "embeddings.sqlite") as conn:
        conn.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT)")
        conn.execute("INSERT INTO meta VALUES ('schema', '99')")
    conn.close()
    with pytest.raises(ArtifactError, match="schema '99'"):
        CachedEncoder(inner, tmp_path).encode(["z"])


def test_clear_and_count(cached: CachedEncoder) -> None:
    cached.encode(["a", "b"])
    cached.encode_queries(["a"])
    cache = cached.cache
    assert (len(cache), cache.count("counting"), cache.count("counting:query")) == (3, 2, 1)
    cache.clear("counting:query")
    assert len(cache) == 2
    cache.clear()
    assert len(cache) == 0


def test_text_key() -> None:
    assert text_key("abc") == bytes.fromhex("a9993e364706816aba3e25717850c26c9cd0d89d")
    assert len(text_key("蓝牙耳机")) == 20


def test_concurrent_writers_and_readers(tmp_path: Path) -> None:
    """Several connections at once (as separate processes would have): no errors, no loss."""
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            enc = CachedEncoder(CountingEncoder(), EmbeddingCache(tmp_path))
            for round_ in range(5):
                texts = [f"text {(worker * 7 + round_ * 3 + j) % 40}" for j in range(20)]
                out = enc.encode(texts)
                np.testing.assert_array_equal(out, enc.encoder.encode(texts))  # type: ignore[attr-defined]
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert EmbeddingCache(tmp_path).count() == 40


def test_warm_cache_is_fast(tmp_path: Path) -> None:
    """3,706 texts (ml-1m's catalogue size) from a warm cache in well under a second."""
    texts = [f"Movie number {i} (19{i % 100:02d}). Genres: Drama, Comedy." for i in range(3706)]
    inner = CountingEncoder(dim=384)
    CachedEncoder(inner, tmp_path).encode(texts)
    fresh = CachedEncoder(CountingEncoder(dim=384), EmbeddingCache(tmp_path))
    start = time.perf_counter()
    out = fresh.encode(texts)
    elapsed = time.perf_counter() - start
    assert out.shape == (3706, 384) and fresh.misses == 0
    assert elapsed < 1.0, f"warm cache took {elapsed:.2f}s for 3,706 texts"


def test_connections_opening_a_new_file_at_once(tmp_path: Path) -> None:
    """Setting up a new cache file from several connections at once: SQLite refuses one of
    them at once rather than deadlock; the cache retries instead of calling the file bad."""
    for trial in range(50):
        folder = tmp_path / str(trial)
        errors: list[BaseException] = []

        def open_and_put(worker: int, folder: Path = folder, errors: list = errors) -> None:
            try:
                EmbeddingCache(folder).put("x", [bytes([worker]) * 20], np.ones((1, 4)))
            except BaseException as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=open_and_put, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert EmbeddingCache(folder).count() == 8
