# SPDX-License-Identifier: MIT
"""save/load: identical results, checksummed atomic folders, refused tampering, no pickle."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lmrec.errors import ArtifactError
from lmrec.retrieval import ExactIndex, HNSWIndex, VectorIndex, load_index, make_index

KINDS = ["exact", "hnsw", "ivf"]
PARAMS = {"exact": {}, "hnsw": {"M": 16, "ef_search": 40}, "ivf": {"nlist": 12, "nprobe": 3}}


@pytest.fixture
def saved(tmp_path, small):
    """Build, save and return ``(index, path)`` for a kind."""

    def make(kind: str, metric: str = "ip") -> tuple[VectorIndex, object]:
        items, _ = small
        index = make_index(kind, dim=items.shape[1], metric=metric, **PARAMS[kind])
        index.add(items, ids=np.arange(len(items)) * 3 + 1)
        path = tmp_path / f"index-{kind}"
        index.save(path)
        return index, path

    return make


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("metric", ["ip", "l2"])
def test_save_load_gives_identical_search_results(kind, metric, saved, small):
    index, path = saved(kind, metric)
    loaded = load_index(path)
    assert type(loaded) is type(index)
    assert (loaded.kind, loaded.dim, loaded.metric, loaded.params, len(loaded)) == (
        index.kind,
        index.dim,
        index.metric,
        index.params,
        len(index),
    )
    _, queries = small
    exclude = [{1, 4, 7}] * len(queries)
    for ex in (None, exclude):
        s0, i0 = index.search(queries, 10, exclude=ex)
        s1, i1 = loaded.search(queries, 10, exclude=ex)
        np.testing.assert_array_equal(i1, i0)
        np.testing.assert_array_equal(s1, s0)
    np.testing.assert_array_equal(loaded.reconstruct(4), index.reconstruct(4))
    assert loaded.add(small[0][:1]).tolist() == [index.add(small[0][:1])[0]]  # ids continue


def test_saved_folder_has_a_manifest_and_json_metadata_only(saved):
    _, path = saved("ivf")
    names = sorted(p.name for p in path.iterdir())
    assert names == ["ids.npz", "index.faiss", "index.json", "manifest.json"]
    manifest = json.loads((path / "manifest.json").read_text())
    assert set(manifest["files"]) == {"ids.npz", "index.faiss", "index.json"}
    assert manifest["artifact"] == "lmrec.retrieval.VectorIndex" and manifest["kind"] == "ivf"
    meta = json.loads((path / "index.json").read_text())
    assert meta["params"] == PARAMS["ivf"] and meta["nlist_"] == 12 and meta["metric"] == "ip"


def test_search_params_round_trip(saved, tmp_path):
    index, _ = saved("hnsw")
    index.set_search_params(ef_search=77)
    index.save(tmp_path / "again")  # overwriting an existing folder is atomic too
    assert load_index(tmp_path / "again").params["ef_search"] == 77


@pytest.mark.parametrize("name", ["index.faiss", "ids.npz", "index.json"])
def test_a_tampered_file_is_refused(saved, name):
    _, path = saved("exact")
    data = bytearray((path / name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (path / name).write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="SHA-256 differs"):
        load_index(path)


def test_missing_or_foreign_folders_are_refused(tmp_path, saved):
    with pytest.raises(ArtifactError, match="not found"):
        load_index(tmp_path / "nowhere")
    _, path = saved("exact")
    (path / "index.faiss").unlink()
    with pytest.raises(ArtifactError, match="missing"):
        load_index(path)
    _, path = saved("hnsw")
    with pytest.raises(ArtifactError, match="holds a hnsw index, not ExactIndex"):
        ExactIndex.load(path)
    assert isinstance(HNSWIndex.load(path), HNSWIndex)


def test_an_empty_index_round_trips(tmp_path):
    make_index("ivf", dim=8, nprobe=4).save(tmp_path / "empty")
    loaded = load_index(tmp_path / "empty")
    assert loaded.kind == "ivf" and len(loaded) == 0 and loaded.params["nprobe"] == 4
    loaded.add(np.eye(8, dtype=np.float32))
    assert len(loaded) == 8


def test_loaded_with_a_thread_count(saved):
    _, path = saved("exact")
    assert load_index(path, threads=1).threads == 1
