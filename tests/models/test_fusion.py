# SPDX-License-Identifier: MIT
"""Fusion passes the conformance suite per method, and fuses tiny fixed children exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

import lmrec
from conformance import RecommenderTests
from lmrec.data import Dataset
from lmrec.data.split import Split, random_user
from lmrec.data.synthetic import blocks, random_interactions
from lmrec.errors import ArtifactError, ConfigError, ModelError
from lmrec.models import ModelConfig, Recommender, UserBatch
from lmrec.models.fusion import Fusion
from lmrec.models.fusion._combine import normalize

CHILDREN = [
    {"name": "ease", "params": {"lam": 1.0}},
    {"name": "item_knn", "params": {"k": 20}, "label": "knn"},
    {
        "name": "als",
        "params": {"factors": 4, "regularization": 0.1, "iterations": 15, "num_threads": 1},
    },
]


class TestFusionScore(RecommenderTests):
    model = "fusion"
    params = {"models": CHILDREN, "method": "score"}


class TestFusionScoreRank(RecommenderTests):
    model = "fusion"
    params = {"models": CHILDREN[:2], "method": "score", "normalize": "rank", "weights": [2, 1]}


class TestFusionRRF(RecommenderTests):
    model = "fusion"
    params = {"models": CHILDREN[1:], "method": "rrf", "depth": 10}


class TestFusionBorda(RecommenderTests):
    model = "fusion"
    params = {"models": CHILDREN[:2], "method": "borda", "depth": 10}


class TestFusionStacking(RecommenderTests):
    """Stacking needs a validation split: each fixture's train comes with one (by fingerprint)."""

    model = "fusion"
    params = {"models": CHILDREN[:2], "method": "stacking", "depth": 10}
    valid_for: ClassVar[dict[str, Dataset]] = {}

    @pytest.fixture(scope="class")
    @classmethod
    def fixture(cls) -> Split:
        split = blocks()
        # both children solve blocks alone; the combiner only has to keep that
        cls.valid_for[split.train.fingerprint] = split.test
        return split

    @pytest.fixture(scope="class")
    @classmethod
    def noisy(cls) -> Dataset:
        full = random_interactions(explicit=False, seed=3, density=0.3)
        split = random_user(full, test_frac=0.25, seed=0)
        cls.valid_for[split.train.fingerprint] = split.test
        return split.train

    @pytest.fixture(scope="class")
    @classmethod
    def fitted(cls, fixture: Split) -> Recommender:
        return lmrec.models.create(cls.model, **cls.params).fit(fixture.train, fixture.test)

    def make(self, **extra: Any) -> Recommender:
        model = super().make(**extra)
        plain_fit = model.fit

        def fit(train: Dataset, valid: Dataset | None = None) -> Recommender:
            return plain_fit(train, valid or self.valid_for[train.fingerprint])

        model.fit = fit  # type: ignore[method-assign]
        return model


# ---------------------------------------------------------------------- fixed fake children
class _FixedConfig(ModelConfig):
    scores: list[float]


class _Fixed(Recommender):
    """Every user gets the same configured scores."""

    name = "fixed_test"
    config_class = _FixedConfig
    config: _FixedConfig

    def _fit(self, train: Dataset, valid: Dataset | None) -> None:
        pass

    def _score(self, batch: UserBatch) -> np.ndarray:
        row = np.asarray(self.config.scores, np.float32)
        return np.tile(row, (len(batch), 1))


@pytest.fixture(scope="module")
def tiny() -> Dataset:
    """Two users, six items; user 0 has seen only item 5."""
    events = pd.DataFrame({"user": [0, 1, 1, 1, 1, 1], "item": [5, 0, 1, 2, 3, 4]})
    return Dataset.from_events(events, name="tiny")


def _fixed(tiny: Dataset, scores: list[float]) -> Recommender:
    return _Fixed(scores=scores).fit(tiny)


# item 5 (seen) scores highest in both; unseen orders are A: 0 1 2 3 4 and B: 1 2 4 0 3
A = [5.0, 4.0, 3.0, 2.0, 1.0, 9.0]
B = [1.0, 5.0, 4.0, 0.0, 3.0, 9.0]


def _order(model: Recommender) -> list[int]:
    return model.recommend([0], k=5).items[0].tolist()


def test_rrf_known_order(tiny: Dataset) -> None:
    kids = [_fixed(tiny, A), _fixed(tiny, B)]
    # rrf_k=1: 0 → 1/2+1/5, 1 → 1/3+1/2, 2 → 1/4+1/3, 3 → 1/5+1/6, 4 → 1/6+1/4
    full = Fusion.from_models(kids, method="rrf", rrf_k=1.0, depth=5)
    assert _order(full) == [1, 0, 2, 4, 3]
    np.testing.assert_allclose(
        full.score([0])[0, :5], [0.7, 5 / 6, 7 / 12, 11 / 30, 5 / 12], rtol=1e-6
    )
    # depth 3: A keeps 0 1 2, B keeps 1 2 4 → 0: 1/2, 1: 5/6, 2: 7/12, 4: 1/4, 3: nothing
    short = Fusion.from_models(kids, method="rrf", rrf_k=1.0, depth=3)
    assert _order(short) == [1, 2, 0, 4, 3]
    assert short.score([0])[0, 3] == 0.0


def test_borda_known_order(tiny: Dataset) -> None:
    kids = [_fixed(tiny, A), _fixed(tiny, B)]
    # points depth-rank+1; weights 1, 2 → 0: 5+2·2, 1: 4+2·5, 2: 3+2·4, 3: 2+2·1, 4: 1+2·3
    model = Fusion.from_models(kids, method="borda", weights=[1, 2], depth=5)
    assert _order(model) == [1, 2, 0, 4, 3]
    np.testing.assert_array_equal(model.score([0])[0, :5], [9, 14, 11, 4, 7])


def test_score_fusion_weights_one_zero_is_first_child() -> None:
    data = random_interactions(explicit=False, seed=5)
    kids = [lmrec.models.create(c["name"], **c["params"]).fit(data) for c in CHILDREN[:2]]
    users = np.arange(data.n_users)
    for norm in ("zscore", "minmax", "rank"):
        fused = Fusion.from_models(kids, weights=[1, 0], normalize=norm)
        got = fused.recommend(users, k=15).items
        np.testing.assert_array_equal(got, kids[0].recommend(users, k=15).items)


def test_normalize_ignores_seen_and_infinite() -> None:
    s = np.array([[1.0, 2.0, 3.0, -np.inf, 100.0]])
    pool = np.array([[True, True, True, False, False]])  # item 4 seen, item 3 dead
    z = normalize(s, pool, "zscore")
    np.testing.assert_allclose(z[0, :3], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)])
    assert z[0, 3] == -np.inf
    np.testing.assert_allclose(normalize(s, pool, "minmax")[0, [0, 2, 4]], [0.0, 1.0, 49.5])
    np.testing.assert_allclose(
        normalize(s, pool, "rank")[0, [0, 1, 2, 4]], [1 / 6, 1 / 2, 5 / 6, 1]
    )


def test_dead_items_stay_dead(tiny: Dataset) -> None:
    dead = [-np.inf, 4.0, 3.0, 2.0, 1.0, 0.0]
    for method in ("score", "rrf"):
        both = Fusion.from_models([_fixed(tiny, dead), _fixed(tiny, dead)], method=method)
        assert both.score([0])[0, 0] == -np.inf
        one = Fusion.from_models([_fixed(tiny, dead), _fixed(tiny, A)], method=method)
        assert np.isfinite(one.score([0])[0, 0])


# ---------------------------------------------------------------------- stacking, tuning
@pytest.fixture(scope="module")
def layered() -> Split:
    """Blocks with random per-user valid and test items (the same distribution in both)."""
    b = blocks(n_blocks=4, users_per_block=10, items_per_block=8)
    return random_user(b.train.union(b.test), test_frac=0.25, valid_frac=0.25, seed=0)


def _ndcg(model: Recommender, split: Split) -> float:
    res = lmrec.evaluate(model, split.test, train=split.train, k=5, n_boot=10, progress=False)
    return float(res["ndcg@5"])


def test_stacking_beats_or_matches_worse_child(layered: Split) -> None:
    assert layered.valid is not None
    kids = [
        lmrec.models.create("popular").fit(layered.train),
        lmrec.models.create("item_knn", k=20).fit(layered.train),
    ]
    stacked = Fusion.from_models(kids, method="stacking", valid=layered.valid, depth=10)
    child = [_ndcg(k, layered) for k in kids]  # ≈ 0.05 and 0.76
    assert _ndcg(stacked, layered) >= min(child)
    assert _ndcg(stacked, layered) >= max(child) - 0.02  # ≈ 0.80 here
    assert stacked.combination()["item_knn:score"] > 0  # it trusts the personalised child


def test_stacking_fit_from_config(layered: Split) -> None:
    params = {"models": CHILDREN[:2], "method": "stacking", "depth": 10}
    model = lmrec.models.create("fusion", **params).fit(layered.train, layered.valid)
    assert set(model.combination()) >= {"intercept", "ease:score", "knn:rr", "log_popularity"}


def test_stacking_without_valid_raises(layered: Split) -> None:
    model = lmrec.models.create("fusion", models=CHILDREN[:1], method="stacking")
    with pytest.raises(ModelError, match="validation split"):
        model.fit(layered.train)


def test_tune_weights_drops_the_useless_child(layered: Split) -> None:
    kids = [
        lmrec.models.create("popular").fit(layered.train),
        lmrec.models.create("item_knn", k=20).fit(layered.train),
    ]
    tuned = Fusion.from_models(kids, tune_weights=True, valid=layered.valid)
    assert tuned.combination()["popular"] == 0.0
    assert _ndcg(tuned, layered) == pytest.approx(_ndcg(kids[1], layered))


# ---------------------------------------------------------------------- errors, persistence
def test_from_models_mismatched_vocabularies(tiny: Dataset) -> None:
    other = Dataset.from_events(pd.DataFrame({"user": [0, 1], "item": [0, 7]}), name="other")
    with pytest.raises(ModelError, match="item vocabulary"):
        Fusion.from_models([_fixed(tiny, A), _Fixed(scores=[1.0, 2.0]).fit(other)])


def test_unknown_child_name_and_bad_weights(tiny: Dataset) -> None:
    model = lmrec.models.create("fusion", models=[{"name": "no_such_model"}])
    with pytest.raises(ConfigError, match="no_such_model"):
        model.fit(tiny)
    with pytest.raises(ConfigError, match="weights"):
        lmrec.models.create("fusion", models=CHILDREN[:2], weights=[1.0])
    with pytest.raises(ConfigError, match="stacking"):
        lmrec.models.create("fusion", models=CHILDREN[:2], method="stacking", weights=[1, 1])


@pytest.mark.parametrize("method", ["score", "rrf", "stacking"])
def test_save_load_tree(layered: Split, tmp_path: Path, method: str) -> None:
    params = {"models": CHILDREN[:2], "method": method, "depth": 10}
    model = lmrec.models.create("fusion", **params).fit(layered.train, layered.valid)
    model.save(tmp_path / "f")
    manifest = json.loads((tmp_path / "f" / "manifest.json").read_text())
    assert {"children/0/state.npz", "children/1/manifest.json"} <= set(manifest["files"])
    assert not (tmp_path / "f" / "_base").exists()
    loaded = lmrec.models.load(tmp_path / "f")
    users = np.arange(layered.train.n_users)
    np.testing.assert_array_equal(loaded.score(users), model.score(users))
    state = tmp_path / "f" / "children" / "1" / "state.npz"
    data = bytearray(state.read_bytes())
    data[-10] ^= 0xFF
    state.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="SHA-256"):
        lmrec.models.load(tmp_path / "f")
