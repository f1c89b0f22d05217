# SPDX-License-Identifier: MIT
"""Small synthetic data sets with known answers, for tests and examples."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lmrec.data._dataset import Dataset
from lmrec.data.split import Split

_TOPICS = [
    "space opera starship galaxy",
    "romantic comedy wedding love",
    "heist thriller bank robbery",
    "nature documentary wildlife ocean",
]


def blocks(
    n_blocks: int = 3,
    users_per_block: int = 8,
    items_per_block: int = 6,
    explicit: bool = False,
    seed: int = 0,
    with_text: bool = False,
) -> Split:
    """Block-diagonal preferences with one withheld item per user (the known answer).

    Users of block ``b`` interact with every item of block ``b`` except one (user ``j`` of the
    block withholds item ``j mod items_per_block``), which is their single test item: a sound
    collaborative model ranks it first among unseen items.

    With ``explicit=True`` values are ratings: 5 for own-block items, and each user also rates
    half of every other block's items 1 (chosen with ``seed``), so rating models see contrast.
    With ``with_text=True`` items carry text naming their block's topic, so text models can
    solve it too.

    Returns:
        ``Split(train, None, test)`` sharing id maps.
    """
    rng = np.random.default_rng(seed)
    rows: list[tuple[int, int, float, int, bool]] = []
    for b in range(n_blocks):
        own = np.arange(b * items_per_block, (b + 1) * items_per_block)
        for j in range(users_per_block):
            u = b * users_per_block + j
            held = own[j % items_per_block]
            t = 0
            for i in own:
                rows.append((u, int(i), 5.0, t, bool(i == held)))
                t += 1
            if explicit:
                for ob in range(n_blocks):
                    if ob == b:
                        continue
                    other = np.arange(ob * items_per_block, (ob + 1) * items_per_block)
                    for i in rng.choice(other, size=items_per_block // 2, replace=False):
                        rows.append((u, int(i), 1.0, t, False))
                        t += 1
    df = pd.DataFrame(rows, columns=["user", "item", "rating", "t", "test"])
    df["t"] = np.where(df["test"], 1000, df["t"])  # the withheld item is each user's latest
    items_df = None
    if with_text:
        n_items = n_blocks * items_per_block
        items_df = pd.DataFrame(
            {
                "item": np.arange(n_items),
                "text": [
                    f"{_TOPICS[(i // items_per_block) % len(_TOPICS)]} title {i}"
                    for i in range(n_items)
                ],
            }
        )
    ds = Dataset.from_events(
        df,
        value="rating" if explicit else None,
        timestamp="t",
        items=items_df,
        item_text="text" if with_text else None,
        name="blocks",
        scenario="synthetic",
    )
    test = df["test"].to_numpy()
    return Split(ds.subset(~test, name="blocks/train"), None, ds.subset(test, name="blocks/test"))


def random_interactions(
    n_users: int = 60,
    n_items: int = 40,
    density: float = 0.15,
    explicit: bool = True,
    seed: int = 0,
    with_text: bool = True,
) -> Dataset:
    """Random (user, item, rating, timestamp) events with item text, for smoke tests."""
    rng = np.random.default_rng(seed)
    mask = rng.random((n_users, n_items)) < density
    mask[np.arange(n_users), rng.integers(0, n_items, n_users)] = True  # every user has one
    users, items = np.nonzero(mask)
    df = pd.DataFrame(
        {
            "user": users,
            "item": items,
            "rating": rng.integers(1, 6, len(users)).astype(float),
            "timestamp": rng.integers(1_000_000, 2_000_000, len(users)),
        }
    )
    items_df = None
    if with_text:
        topics = ["space opera", "romantic comedy", "heist thriller", "nature documentary"]
        items_df = pd.DataFrame(
            {
                "item": np.arange(n_items),
                "text": [f"item {i}: a {topics[i % len(topics)]}" for i in range(n_items)],
            }
        )
    return Dataset.from_events(
        df,
        value="rating" if explicit else None,
        timestamp="timestamp",
        items=items_df,
        item_text="text" if with_text else None,
        name="random",
        scenario="synthetic",
    )
