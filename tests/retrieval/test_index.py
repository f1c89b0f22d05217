# SPDX-License-Identifier: MIT
"""make_index kinds: exact answers, ANN recall, caller ids, exclusion, add/remove, errors."""

from __future__ import annotations

import numpy as np
import pytest

from lmrec.errors import ConfigError, ModelError, UnknownIdError
from lmrec.retrieval import HNSWIndex, IVFIndex, VectorIndex, available, make_index
from lmrec.retrieval._testing import brute_force_topk, recall_at_k, unit_vectors

DIM = 32  # as in conftest's fixtures
KINDS = ["exact", "hnsw", "ivf"]
K = 10


def build(kind: str, items: np.ndarray, ids: np.ndarray | None = None, **kw) -> VectorIndex:
    index = make_index(kind, dim=items.shape[1], **kw)
    index.add(items, ids)
    return index


@pytest.fixture(scope="module")
def big(corpus) -> dict[str, tuple[VectorIndex, np.ndarray]]:
    """Each kind built once over the 5k corpus, under shuffled caller ids 1000.."""
    items, _ = corpus
    ids = 1000 + np.random.default_rng(5).permutation(len(items))
    return {kind: (build(kind, items, ids), ids) for kind in KINDS}


# ---- exact answers and recall --------------------------------------------------------------


@pytest.mark.parametrize("metric", ["ip", "cosine", "l2"])
def test_exact_is_the_brute_force_top_k_under_the_callers_ids(metric):
    rng = np.random.default_rng(0)
    items = unit_vectors(800, DIM, seed=0) * rng.uniform(0.5, 2.0, (800, 1)).astype(np.float32)
    queries = unit_vectors(30, DIM, seed=1)
    ids = np.arange(len(items)) * 7 + 3  # caller ids, not positions
    index = build("exact", items, ids, metric=metric)
    scores, found = index.search(queries, K)
    truth = ids[brute_force_topk(queries, items, K, metric)]
    np.testing.assert_array_equal(found, truth)
    assert scores.dtype == np.float32 and found.dtype == np.int64
    assert scores.shape == found.shape == (30, K)
    assert (np.diff(scores, axis=1) <= 1e-6).all()  # best first, for every metric


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_ann_recall_at_10_vs_exact_is_at_least_0_9(kind, big, corpus):
    _, queries = corpus
    _, truth = big["exact"][0].search(queries, K)
    _, found = big[kind][0].search(queries, K)
    assert recall_at_k(found, truth) >= 0.9
    assert np.isin(found, big[kind][1]).all()  # every returned id is a caller id


@pytest.mark.parametrize("kind", KINDS)
def test_exclude_keeps_k_results_and_drops_the_excluded(kind, big, corpus):
    index, _ = big[kind]
    _, queries = corpus
    q = queries[:20]
    _, first = index.search(q, 3 * K)
    exclude = [set(row[: 2 * K].tolist()) for row in first]  # the best 20 of every query
    exclude[0] = set()  # and one row with nothing to exclude
    scores, found = index.search(q, K, exclude=exclude)
    assert (found >= 0).all() and np.isfinite(scores).all()
    for row, ex in zip(found, exclude, strict=True):
        assert not set(row.tolist()) & ex
        assert len(set(row.tolist())) == K
    if kind == "exact":  # exactly the next best ones
        np.testing.assert_array_equal(found[1:], first[1:, 2 * K :])


def test_exclude_with_few_items_left_pads_with_minus_one():
    index = build("exact", unit_vectors(5, DIM, seed=1))
    scores, found = index.search(unit_vectors(2, DIM, seed=2), 4, exclude=[{0, 1, 2}, []])
    assert sorted(found[0, :2].tolist()) == [3, 4]
    assert found[0, 2:].tolist() == [-1, -1] and np.isneginf(scores[0, 2:]).all()
    assert (found[1] >= 0).all() and len(set(found[1].tolist())) == 4


def test_k_beyond_the_index_size_is_padded():
    scores, found = build("exact", unit_vectors(3, DIM, seed=3)).search(np.ones(DIM), 5)
    assert sorted(found[0, :3].tolist()) == [0, 1, 2]
    assert found[0, 3:].tolist() == [-1, -1] and np.isneginf(scores[0, 3:]).all()


# ---- growing and shrinking -----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_add_after_build_finds_the_new_item_by_its_own_vector(kind, small):
    items, _ = small
    index = build(kind, items[:500])
    assert len(index) == 500
    new = index.add(items[500:])  # default ids continue after the last one
    assert new.tolist() == list(range(500, 600)) and len(index) == 600
    _, found = index.search(items[500:], 1)
    assert found[:, 0].tolist() == new.tolist()
    assert index.add(items[:1] * 0.5, ids=[7000]).tolist() == [7000]
    assert index.add(items[:1]).tolist() == [7001]


@pytest.mark.parametrize("kind", ["exact", "ivf"])
def test_remove_drops_ids_and_keeps_the_others_correct(kind, small):
    items, queries = small
    ids = np.arange(len(items)) + 100
    index = build(kind, items, ids, **({"nprobe": 64} if kind == "ivf" else {}))
    gone = ids[:50]
    assert index.remove(gone) == 50
    assert len(index) == len(items) - 50 and 100 not in index and 150 in index
    _, found = index.search(items[50:], 1)  # each kept item still maps to its own id
    np.testing.assert_array_equal(found[:, 0], ids[50:])
    _, found = index.search(queries, K)
    assert not np.isin(found, gone).any()
    with pytest.raises(UnknownIdError, match="100"):
        index.remove([100])
    assert index.add(items[:1], ids=[100]).tolist() == [100]  # a removed id can come back


def test_hnsw_refuses_remove_with_a_clear_error(small):
    index = build("hnsw", small[0][:100])
    with pytest.raises(ModelError, match="HNSW index cannot remove"):
        index.remove([0])
    assert len(index) == 100


@pytest.mark.parametrize("kind", KINDS)
def test_reconstruct_returns_the_stored_vector(kind, small):
    items, _ = small
    index = build(kind, items, np.arange(len(items)) + 5)
    np.testing.assert_allclose(index.reconstruct(5 + 17), items[17], rtol=1e-6)
    with pytest.raises(UnknownIdError):
        index.reconstruct(4)


def test_cosine_normalises_without_touching_the_callers_array():
    items = unit_vectors(50, DIM, seed=4) * 3.0
    before = items.copy()
    index = build("exact", items, metric="cosine")
    np.testing.assert_array_equal(items, before)
    np.testing.assert_allclose(np.linalg.norm(index.reconstruct(0)), 1.0, rtol=1e-6)
    scores, _ = index.search(items[:3], 1)
    np.testing.assert_allclose(scores[:, 0], 1.0, rtol=1e-5)


# ---- parameters ----------------------------------------------------------------------------


def test_factory_kinds_defaults_and_aliases():
    assert available() == ["exact", "hnsw", "ivf"]
    hnsw = make_index("hnsw", dim=8)
    assert isinstance(hnsw, HNSWIndex) and hnsw.kind == "hnsw" and hnsw.dim == 8
    assert hnsw.params == {"M": 32, "ef_construction": 200, "ef_search": 128}
    assert make_index("ivf", dim=8).params == {"nlist": None, "nprobe": 16}
    assert make_index("flat", dim=8).kind == "exact" and make_index(dim=8).kind == "exact"
    assert len(make_index("exact", dim=4)) == 0


@pytest.mark.parametrize(
    ("kind", "kw", "match"),
    [
        ("annoy", {}, "unknown index kind 'annoy'"),
        ("exact", {"M": 16}, "exact index: bad parameter 'M'"),
        ("hnsw", {"M": 0}, "bad parameter 'M'"),
        ("hnsw", {"ef_search": "many"}, "bad parameter 'ef_search'"),
        ("ivf", {"nprobe": 0}, "bad parameter 'nprobe'"),
        ("exact", {"metric": "manhattan"}, "unknown metric 'manhattan'"),
        ("exact", {"dim": 0}, "dim must be a positive integer"),
        ("exact", {"threads": 0}, "threads must be a positive integer"),
    ],
)
def test_bad_configuration_is_a_config_error(kind, kw, match):
    kw = {"dim": 8, **kw}
    with pytest.raises(ConfigError, match=match):
        make_index(kind, **kw)


def test_search_params_change_without_rebuild(small):
    import faiss

    items, queries = small
    index = build("hnsw", items, ef_search=16)
    index.set_search_params(ef_search=256)
    assert index.params["ef_search"] == 256
    assert faiss.downcast_index(index.faiss_index.index).hnsw.efSearch == 256
    _, found = index.search(queries, K)
    _, truth = build("exact", items).search(queries, K)
    assert recall_at_k(found, truth) >= 0.99
    with pytest.raises(ConfigError, match="M cannot change after build"):
        index.set_search_params(M=8)
    with pytest.raises(ConfigError, match="bad parameter 'ef_search'"):
        index.set_search_params(ef_search=0)


def test_threads_setting_is_scoped_to_the_call(small):
    import faiss

    before = faiss.omp_get_max_threads()
    index = build("exact", small[0], threads=1)
    index.search(small[1], K)
    assert faiss.omp_get_max_threads() == before


# ---- IVF training --------------------------------------------------------------------------


def test_ivf_picks_nlist_at_train_time_and_needs_enough_vectors(small):
    items, _ = small
    index = make_index("ivf", dim=DIM)
    assert isinstance(index, IVFIndex) and index.nlist_ is None
    index.add(items)
    assert index.nlist_ == len(items) // 39  # about 4·sqrt(n), capped at n/39
    too_few = make_index("ivf", dim=DIM, nlist=64)
    with pytest.raises(ModelError, match="nlist=64 needs at least 64 training vectors, got 10"):
        too_few.add(items[:10])
    assert len(too_few) == 0


def test_ivf_can_be_trained_on_a_sample_before_adding(small):
    items, _ = small
    index = make_index("ivf", dim=DIM, nlist=8)
    index.train(items[:300])
    assert index.nlist_ == 8 and len(index) == 0
    index.add(items[300:310])
    assert len(index) == 10
    with pytest.raises(ModelError, match="already trained"):
        index.train(items)


# ---- misuse --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_searching_an_empty_index_is_a_model_error(kind):
    with pytest.raises(ModelError, match="empty"):
        make_index(kind, dim=DIM).search(np.ones((1, DIM)), K)


@pytest.mark.parametrize("kind", KINDS)
def test_dimension_mismatch_is_a_model_error(kind, small):
    items, _ = small
    index = build(kind, items)
    with pytest.raises(ModelError, match=f"dimension 16 but the index has dim={DIM}"):
        index.search(np.ones((2, 16)), K)
    with pytest.raises(ModelError, match="dimension 33"):
        index.add(np.ones((2, 33)))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda ix: ix.search(np.ones(DIM), 0), "k must be a positive integer"),
        (lambda ix: ix.search(np.ones((2, DIM)), 1, exclude=[{0}]), "exclude has 1 entries"),
        (lambda ix: ix.search(np.full(DIM, np.nan), 1), "NaN"),
        (lambda ix: ix.search(np.ones((1, 2, DIM)), 1), "2-D array"),
        (lambda ix: ix.add(np.ones((2, DIM)), ids=[1]), "got 1 ids for 2 vectors"),
        (lambda ix: ix.add(np.ones((2, DIM)), ids=[9, 9]), "repeat"),
        (lambda ix: ix.add(np.ones((1, DIM)), ids=[0]), "already in the index: 0"),
        (lambda ix: ix.add(np.ones((1, DIM)), ids=[-1]), ">= 0"),
        (lambda ix: ix.add(np.ones((1, DIM)), ids=[0.5]), "integers"),
    ],
)
def test_misuse_is_a_model_error_with_a_clear_message(call, match):
    index = build("exact", unit_vectors(4, DIM, seed=6))
    with pytest.raises(ModelError, match=match):
        call(index)
    assert len(index) == 4  # nothing half-added
