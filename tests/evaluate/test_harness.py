# SPDX-License-Identifier: MIT
"""The evaluation harness on synthetic data with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lmrec
from lmrec.data import Dataset
from lmrec.data.synthetic import blocks, random_interactions
from lmrec.errors import DataError


@pytest.fixture(scope="module")
def fixture():
    return blocks()


def test_perfect_model_on_blocks(fixture) -> None:
    model = lmrec.models.create("item_knn", k=10).fit(fixture.train)
    res = lmrec.evaluate(model, fixture.test, k=5, n_boot=50)
    # every user's single test item ranks first: all ranking metrics are exact
    assert res["ndcg@5"] == pytest.approx(1.0)
    assert res["recall@5"] == pytest.approx(1.0)
    assert res["precision@5"] == pytest.approx(1 / 5)
    assert res["mrr@5"] == pytest.approx(1.0)
    assert res["auc"] == pytest.approx(1.0)
    assert res.summary["ndcg@5"]["ci_low"] == pytest.approx(1.0)
    assert len(res.users) == fixture.test.n_users
    assert res.curves["k"][:3] == [1, 2, 3]
    assert res.curves["ndcg"][0] == pytest.approx(1.0)


def test_popularity_known_answer() -> None:
    """Hand-built: 3 users, 4 items; the harness result equals the hand computation."""
    train = pd.DataFrame({"user": [0, 0, 1, 1, 2], "item": [0, 1, 0, 2, 0], "t": [1] * 5})
    test = pd.DataFrame({"user": [0, 1, 2], "item": [2, 3, 1], "t": [2] * 3})
    ds = Dataset.from_events(pd.concat([train, test], ignore_index=True), timestamp="t")
    tr, te = ds.subset(np.arange(5)), ds.subset(np.arange(5, 8))
    model = lmrec.models.create("popular").fit(tr)
    # popularity: item0=3, item1=1, item2=1, item3=0; ties -> lower index first
    # user0 seen {0,1}: ranks [2, 3] -> test item 2 at rank 1
    # user1 seen {0,2}: ranks [1, 3] -> test item 3 at rank 2
    # user2 seen {0}:   ranks [1, 2, 3] -> test item 1 at rank 1
    res = lmrec.evaluate(model, te, k=2, n_boot=20)
    ndcg = res.per_user["ndcg@2"]
    np.testing.assert_allclose(ndcg, [1.0, 1 / np.log2(3), 1.0])
    np.testing.assert_allclose(res.per_user["mrr@2"], [1.0, 0.5, 1.0])
    assert res["coverage@2"] == pytest.approx(3 / 4)  # items 1, 2, 3 recommended


def test_candidates_restrict_ranking(fixture) -> None:
    model = lmrec.models.create("popular").fit(fixture.train)
    held = np.unique(fixture.test.item_index)[:3]
    res = lmrec.evaluate(model, fixture.test, k=3, candidates=held, n_boot=20)
    assert res.meta["n_candidates"] == 3
    # with 3 candidates and k=3 every relevant candidate is in the list
    assert res["recall@3"] == pytest.approx(1.0)
    assert len(res.users) == int(np.isin(fixture.test.item_index, held).sum())


def test_relevance_threshold_and_rating_metrics() -> None:
    ds = random_interactions(seed=1)
    sp = lmrec.split.random_user(ds, test_frac=0.3, seed=1)
    model = lmrec.models.create("biased_mf", factors=4, iterations=5).fit(sp.train)
    res = lmrec.evaluate(model, sp.test, k=5, relevance_threshold=4, n_boot=20)
    high = sp.test.values >= 4
    assert len(res.users) == len(np.unique(sp.test.user_index[high]))
    pred = model.predict(sp.test.user_index, sp.test.item_index)
    assert res["rmse"] == pytest.approx(np.sqrt(np.mean((pred - sp.test.values) ** 2)), rel=1e-5)
    assert (
        "rmse"
        not in lmrec.evaluate(
            lmrec.models.create("popular").fit(sp.train), sp.test, n_boot=20
        ).global_metrics
    )


def test_mismatched_maps_and_empty_test_rejected(fixture) -> None:
    model = lmrec.models.create("popular").fit(fixture.train)
    with pytest.raises(DataError, match="id maps"):
        lmrec.evaluate(model, random_interactions())
    with pytest.raises(DataError, match="no user has a relevant"):
        lmrec.evaluate(model, fixture.test, relevance_threshold=10)


def test_batching_does_not_change_results(fixture) -> None:
    model = lmrec.models.create("als", factors=4, regularization=0.1).fit(fixture.train)
    a = lmrec.evaluate(model, fixture.test, k=3, batch_size=5, n_boot=20)
    b = lmrec.evaluate(model, fixture.test, k=3, batch_size=1000, n_boot=20)
    for key in a.per_user:
        np.testing.assert_allclose(a.per_user[key], b.per_user[key])


def test_compare_is_paired_on_common_users() -> None:
    ds = random_interactions(n_users=200, n_items=60, seed=5)
    sp = lmrec.split.random_user(ds, test_frac=0.3, seed=2)
    knn = lmrec.evaluate(lmrec.models.create("item_knn").fit(sp.train), sp.test, n_boot=50)
    same = lmrec.evaluate(lmrec.models.create("item_knn").fit(sp.train), sp.test, n_boot=50)
    out = knn.compare(same)
    assert out["n"] == len(knn.users)
    assert out["diff"] == 0.0
    assert not out["significant"]
    with pytest.raises(KeyError, match="per-user metric"):
        knn.compare(same, "coverage@10")
