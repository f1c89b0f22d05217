# SPDX-License-Identifier: MIT
"""The contract every :class:`lmrec.models.Recommender` must honour.

A model's test file starts with::

    class TestEASE(RecommenderTests):
        model = "ease"
        params = {"lam": 1.0}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

import lmrec
from lmrec.data import Dataset
from lmrec.data.split import Split
from lmrec.data.synthetic import blocks, random_interactions
from lmrec.errors import ArtifactError, ConfigError, ModelError, NotFittedError, UnknownIdError
from lmrec.models import Recommender, UserBatch


class RecommenderTests:
    """Mixin: set ``model`` (registry name) and ``params`` (small, fast hyperparameters)."""

    model: ClassVar[str]
    params: ClassVar[dict[str, Any]] = {}
    explicit: ClassVar[bool] = False  # the fixture carries ratings
    expected_top1_blocks: ClassVar[float] = 1.0  # share of users whose withheld item ranks 1st
    personalised: ClassVar[bool] = True
    text: ClassVar[bool] = False  # the fixture carries item text (for text models)

    # ------------------------------------------------------------------ helpers
    def make(self, **extra: Any) -> Recommender:
        return lmrec.models.create(self.model, **{**self.params, **extra})

    @pytest.fixture(scope="class")
    @classmethod
    def fixture(cls) -> Split:
        return blocks(explicit=cls.explicit, with_text=cls.text)

    @pytest.fixture(scope="class")
    @classmethod
    def fitted(cls, fixture: Split) -> Recommender:
        return lmrec.models.create(cls.model, **cls.params).fit(fixture.train)

    @pytest.fixture(scope="class")
    @classmethod
    def noisy(cls) -> Dataset:
        return random_interactions(explicit=cls.explicit, seed=3)

    # ------------------------------------------------------------------ config
    def test_config_json_round_trip(self) -> None:
        model = self.make()
        blob = model.config.model_dump_json()
        again = lmrec.models.create(self.model, json.loads(blob))
        assert again.config == model.config
        assert type(again) is type(model)

    def test_unknown_hyperparameter_rejected(self) -> None:
        with pytest.raises(ConfigError, match="no_such_param"):
            self.make(no_such_param=1)

    def test_not_fitted(self) -> None:
        with pytest.raises(NotFittedError):
            self.make().recommend([0], k=3)

    # ------------------------------------------------------------------ known answer
    def test_known_answer_blocks(self, fixture: Split, fitted: Recommender) -> None:
        users = np.arange(fixture.train.n_users)
        recs = fitted.recommend(users, k=1)
        truth = np.full(len(users), -1)
        truth[fixture.test.user_index] = fixture.test.item_index
        top1 = float((recs.items[:, 0] == truth).mean())
        assert top1 >= self.expected_top1_blocks

    def test_recommend_excludes_seen_and_pads(self, fixture: Split, fitted: Recommender) -> None:
        n_items = fixture.train.n_items
        recs = fitted.recommend(np.arange(4), k=n_items + 5)
        for u, row in zip(range(4), recs.items, strict=True):
            seen = set(fixture.train.interactions[u].indices)
            listed = row[row >= 0]
            assert not seen & set(listed.tolist())
            assert len(listed) == n_items - len(seen)
            assert len(set(listed.tolist())) == len(listed)
        assert recs.items.shape == (4, n_items + 5)
        for row in recs.scores:
            finite = row[np.isfinite(row)]
            assert np.all(np.diff(finite) <= 0)

    # ------------------------------------------------------------------ consistency
    def test_batch_equals_single(self, noisy: Dataset) -> None:
        model = self.make().fit(noisy)
        users = np.array([0, 5, 7, 11])
        batch = model.score(users)
        for row, u in zip(batch, users, strict=True):
            np.testing.assert_allclose(row, model.score([u])[0], rtol=1e-5, atol=1e-6)

    def test_score_item_subset(self, noisy: Dataset) -> None:
        model = self.make().fit(noisy)
        items = np.array([3, 1, 8])
        np.testing.assert_allclose(model.score([2], items)[0], model.score([2])[0][items])

    def test_seeded_determinism(self, noisy: Dataset) -> None:
        a = self.make().fit(noisy).score(np.arange(10))
        b = self.make().fit(noisy).score(np.arange(10))
        np.testing.assert_array_equal(a, b)

    def test_refit_replaces_state(self, noisy: Dataset, fixture: Split) -> None:
        model = self.make().fit(fixture.train).fit(noisy)
        fresh = self.make().fit(noisy)
        np.testing.assert_array_equal(model.score(np.arange(5)), fresh.score(np.arange(5)))

    # ------------------------------------------------------------------ persistence
    def test_save_load_identical(self, noisy: Dataset, tmp_path: Path) -> None:
        model = self.make().fit(noisy)
        model.save(tmp_path / "m")
        loaded = lmrec.models.load(tmp_path / "m")
        assert type(loaded) is type(model)
        assert loaded.config == model.config
        users = np.arange(noisy.n_users)
        np.testing.assert_array_equal(loaded.score(users), model.score(users))
        hist = UserBatch.from_histories([[1, 2, 3]], noisy.n_items)
        np.testing.assert_array_equal(loaded.score(hist), model.score(hist))
        assert loaded.fingerprint_ == noisy.fingerprint

    def test_tampered_artifact_refused(self, noisy: Dataset, tmp_path: Path) -> None:
        self.make().fit(noisy).save(tmp_path / "m")
        state = tmp_path / "m" / "state.npz"
        data = bytearray(state.read_bytes())
        data[-10] ^= 0xFF
        state.write_bytes(bytes(data))
        with pytest.raises(ArtifactError, match="SHA-256"):
            lmrec.models.load(tmp_path / "m")

    # ------------------------------------------------------------------ unknown ids, new users
    def test_unknown_user_index(self, fitted: Recommender) -> None:
        with pytest.raises(UnknownIdError, match="out of range"):
            fitted.recommend([fitted.n_users + 3], k=2)

    def test_unknown_external_ids(self, fitted: Recommender) -> None:
        with pytest.raises(UnknownIdError, match="unknown user"):
            fitted.batch_from_ids([10_000_000])
        with pytest.raises(UnknownIdError, match="unknown item"):
            fitted.batch_from_histories([[10_000_000]])

    def test_empty_history_gets_fallback(self, fitted: Recommender) -> None:
        """Documented cold-user path: popularity (rating models: the item-bias baseline)."""
        recs = fitted.recommend(UserBatch.from_histories([[]], fitted.n_items), k=3)
        expected = np.argsort(-fitted._fallback_scores(), kind="stable")[:3]
        assert recs.items[0].tolist() == expected.tolist()
        if not type(fitted).predicts_ratings:
            np.testing.assert_array_equal(
                np.argsort(-fitted._fallback_scores(), kind="stable"),
                np.argsort(-fitted.popularity_, kind="stable"),
            )

    def test_adhoc_history_matches_known_user(self, fixture: Split, fitted: Recommender) -> None:
        """A new user with a known user's history gets that user's withheld item first."""
        if not self.personalised:
            pytest.skip("not personalised")
        x = fixture.train.interactions
        users = np.arange(fixture.train.n_users)
        hist = [x[u].indices for u in users]
        vals = [x[u].data for u in users]
        recs = fitted.recommend(UserBatch.from_histories(hist, x.shape[1], vals), k=1)
        truth = np.full(len(users), -1)
        truth[fixture.test.user_index] = fixture.test.item_index
        assert float((recs.items[:, 0] == truth).mean()) >= self.expected_top1_blocks


class TextRecommenderTests(RecommenderTests):
    """Extra contract for models that read item text: queries, new items, similar items."""

    text = True

    def test_text_query_finds_topic(self, fitted: Recommender) -> None:
        recs = fitted.recommend(fitted.batch_from_texts(["heist thriller bank robbery"]), k=3)
        ids = recs.external()[0]
        block = [int(i) // 6 for i in ids]  # blocks() puts the heist topic on block 2
        assert block == [2, 2, 2]

    def test_added_item_is_recommended_and_similar(self, fixture: Split) -> None:
        model = self.make().fit(fixture.train)
        (new,) = model.add_items(["new-heist"], ["heist thriller bank robbery title new"])
        assert model.n_items == fixture.train.n_items + 1
        similar = [i for i, _ in model.similar_items("new-heist", k=6)]
        assert all(int(i) // 6 == 2 for i in similar)
        heist_user = 2 * 8  # first user of block 2
        recs = model.recommend([heist_user], k=2)
        assert new in recs.items[0]
        other = model.recommend([0], k=1)  # a space-opera user
        assert other.items[0][0] != new
        assert model.score([heist_user])[0, new] > model.score([0])[0, new]

    def test_added_items_survive_save_load(self, fixture: Split, tmp_path: Path) -> None:
        model = self.make().fit(fixture.train)
        model.add_items(["n1"], ["space opera starship galaxy title n1"])
        model.save(tmp_path / "m")
        loaded = lmrec.models.load(tmp_path / "m")
        np.testing.assert_array_equal(loaded.score(np.arange(4)), model.score(np.arange(4)))
        assert "n1" in loaded.items_

    def test_duplicate_added_item_rejected(self, fitted: Recommender) -> None:
        with pytest.raises(ModelError, match="already"):
            fitted.add_items([fitted.items_.ids[0]], ["x"])  # type: ignore[attr-defined]
