# SPDX-License-Identifier: MIT
"""Amazon loaders: sequence rebuilding, the provided split, README counts and precise errors."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from lmrec.data.loaders import load, load_provided_split
from lmrec.errors import DataError

HEADER = "user_id:token\titem_id_list:token_seq\titem_id:token\n"
# user 0: items 0 1 2 3 4; user 1: 5 1 5 2 3 0 (item 5 repeats)
SCIENTIFIC = {
    "Scientific.user2index": "A1\t0\nA2\t1\n",
    "Scientific.item2index": "B0\t0\nB1\t1\nB2\t2\nB3\t3\nB4\t4\nB5\t5\n",
    "Scientific.text": "item_id:token\ttext:token_seq\n"
    + "".join(f"B{i}\tItem {i}. Cat. Brand. \n" for i in (5, 4, 3, 2, 1, 0)),
    "Scientific.train.inter": HEADER + "0\t0 1\t2\n0\t0\t1\n1\t5 1 5\t2\n1\t5 1\t5\n1\t5\t1\n",
    "Scientific.valid.inter": HEADER + "0\t0 1 2\t3\n1\t5 1 5 2\t3\n",
    "Scientific.test.inter": HEADER + "0\t0 1 2 3\t4\n1\t5 1 5 2 3\t0\n",
}
# user 0: 0 1 2 3 4; user 1: 5 0 1 2 3 with histories cut to 3 items (5 is lost)
GAMES = {
    "Games-6k.item": "item_id:token\ttitle:token_seq\n"
    + "".join(f"{i}\t Title {i}\n" for i in range(6)),
    "Games-6k.valid.inter": HEADER + "0\t0 1 2\t3\n1\t5 0 1\t2\n",
    "Games-6k.test.inter": HEADER + "0\t0 1 2 3\t4\n1\t0 1 2\t3\n",
}


def _folder(write, name: str, files: dict[str, str], **changes: str | None) -> Path:
    path = None
    for filename, text in {**files, **changes}.items():
        if text is not None:
            path = write(f"{name}/{filename}", text)
    assert path is not None
    return path.parent.parent


def _seqs(ds) -> list[list[int]]:
    return [ds.items.ids[s].tolist() for s in ds.sequences()]


# ---------------------------------------------------------------------------------- tiny files
def test_tiny_scientific_rebuilds_sequences_with_ids_and_text(write):
    ds = load("scientific", data_home=_folder(write, "amazon-scientific", SCIENTIFIC))
    assert ds.users.ids.tolist() == ["A1", "A2"]
    assert ds.items.ids.tolist() == [f"B{i}" for i in range(6)]  # item2index order
    assert _seqs(ds) == [["B0", "B1", "B2", "B3", "B4"], ["B5", "B1", "B5", "B2", "B3", "B0"]]
    assert ds.item_text[0] == "Item 0. Cat. Brand."
    assert ds.time_kind == "order" and ds.feedback == "implicit" and ds.aggregate == "last"
    assert ds.n_events == 11 and ds.interactions.nnz == 10  # the repeat stays an event


def test_tiny_scientific_provided_split(write):
    train, valid, test = load_provided_split(
        "amazon-scientific", data_home=_folder(write, "amazon-scientific", SCIENTIFIC)
    )
    assert (train.n_events, valid.n_events, test.n_events) == (7, 2, 2)
    assert train.items is valid.items is test.items and train.users is test.users
    assert test.items.ids[test.item_index].tolist() == ["B4", "B0"]
    assert valid.items.ids[valid.item_index].tolist() == ["B3", "B3"]


def test_tiny_games_keeps_cut_histories(write):
    ds = load("games", data_home=_folder(write, "amazon-games", GAMES))
    assert _seqs(ds) == [[0, 1, 2, 3, 4], [0, 1, 2, 3]]
    assert ds.item_text[0] == "Title 0"
    train, valid, test = load_provided_split(
        "games", data_home=_folder(write, "amazon-games", GAMES)
    )
    assert test.item_index.tolist() == [4, 3] and valid.item_index.tolist() == [3, 2]
    assert train.n_events == 5


SCIENTIFIC_ERRORS = [
    ({"Scientific.test.inter": HEADER + "0\t0 1 9 3\t4\n1\t5 1 5 2 3\t0\n"},
     "Scientific.test.inter line 2: user 0's history/target disagrees"),
    ({"Scientific.train.inter": HEADER + "0\t0\t1\n0\t0 1\t2\n1\t5 1 5\t2\n1\t5 1\t5\n1\t5\t1\n"},
     "Scientific.train.inter"),
    ({"Scientific.valid.inter": HEADER + "0\t0 1 2\n1\t5 1 5 2\t3\n"},
     "Scientific.valid.inter line 2: expected 3 '\\t'-separated fields, got 2"),
    ({"Scientific.valid.inter": HEADER + "0\t0 x 2\t3\n1\t5 1 5 2\t3\n"},
     "Scientific.valid.inter line 2: history '0 x 2' is not a list of integer item indices"),
    ({"Scientific.test.inter": HEADER + "0\t0 1 2 3\tx\n1\t5 1 5 2 3\t0\n"},
     "Scientific.test.inter line 2: column 'target' value 'x' is not an integer"),
    ({"Scientific.item2index": "B0\t0\nB0\t1\nB2\t2\nB3\t3\nB4\t4\nB5\t5\n"},
     "Scientific.item2index line 2: duplicate id 'B0' (first on line 1)"),
    ({"Scientific.text": None}, "Scientific.text not found"),
    ({"Scientific.test.inter": ""}, "Scientific.test.inter: empty file"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "message"), SCIENTIFIC_ERRORS)
def test_scientific_bad_files_name_file_and_line(write, changes, message):
    with pytest.raises(DataError) as err:
        load(
            "amazon-scientific",
            data_home=_folder(write, "amazon-scientific", SCIENTIFIC, **changes),
        )
    assert message in str(err.value) and "\n" not in str(err.value)


GAMES_ERRORS = [
    ({"Games-6k.valid.inter": HEADER + "0\t0 1 2\t9\n1\t5 0 1\t2\n"},
     "Games-6k.valid.inter line 2: user 0's history/target disagrees"),
    ({"Games-6k.test.inter": HEADER + "0\t0 1 2 3\t4\n0\t0 1 2\t3\n"},
     "Games-6k.test.inter line 3: second row for user 0"),
    ({"Games-6k.item": "item_id:token\ttitle:token_seq\n0\tA\n1\tB\n1\tC\n"},
     "Games-6k.item line 4: duplicate id 1 (first on line 3)"),
    ({"Games-6k.item": "item_id:token\ttitle:token_seq\n0\tA\tB\n"},
     "Games-6k.item line 2: expected 2 '\\t'-separated fields, got 3"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "message"), GAMES_ERRORS)
def test_games_bad_files_name_file_and_line(write, changes, message):
    with pytest.raises(DataError) as err:
        load("amazon-games", data_home=_folder(write, "amazon-games", GAMES, **changes))
    assert message in str(err.value)


# ---------------------------------------------------------------------------------- real data
def _inter(path: Path) -> list[tuple[int, list[int], int]]:
    rows = []
    for line in path.read_text().splitlines()[1:]:
        user, hist, target = line.split("\t")
        rows.append((int(user), [int(i) for i in hist.split()], int(target)))
    return rows


@pytest.fixture(scope="module")
def scientific(real_home):
    home = real_home("amazon-scientific")
    return home / "amazon-scientific", load("amazon-scientific", data_home=home)


@pytest.fixture(scope="module")
def games(real_home):
    home = real_home("amazon-games")
    return home / "amazon-games", load("amazon-games", data_home=home)


@pytest.mark.integration
def test_real_scientific_counts_ids_and_text(scientific):
    folder, ds = scientific
    assert (ds.n_users, ds.n_items, ds.n_events) == (8442, 4385, 59427)
    item2index = [line.split("\t")[0] for line in (folder / "Scientific.item2index").open()]
    user2index = [line.split("\t")[0] for line in (folder / "Scientific.user2index").open()]
    assert ds.items.ids.tolist() == item2index and ds.users.ids.tolist() == user2index
    assert all(ds.item_text)
    assert ds.item_text[0].startswith("eSUN Bronze filament")
    assert ds.interactions.nnz == 59136  # 291 repeated (user, item) events stay in sequences
    assert set(np.unique(ds.values).tolist()) == {1.0}


@pytest.mark.integration
def test_real_scientific_sequences_match_every_provided_row(scientific):
    folder, ds = scientific
    seqs = ds.sequences()
    train_rows = Counter(u for u, _, _ in _inter(folder / "Scientific.train.inter"))
    assert [len(s) for s in seqs] == [train_rows[u] + 3 for u in range(8442)]
    assert min(map(len, seqs)) == 5 and max(map(len, seqs)) == 80
    for part, back in (("valid", 2), ("test", 1)):
        for u, hist, target in _inter(folder / f"Scientific.{part}.inter"):
            s = seqs[u].tolist()
            assert s[len(s) - back] == target
            assert s[: len(s) - back][-50:] == hist
    pos = ds.timestamps
    counts = np.bincount(ds.user_index)
    assert pos.min() == 0 and np.array_equal(np.sort(pos[ds.user_index == 0]), np.arange(counts[0]))


@pytest.mark.integration
def test_real_scientific_provided_split(real_home, scientific):
    folder, _ = scientific
    train, valid, test = load_provided_split("scientific", data_home=real_home("amazon-scientific"))
    assert (train.n_events, valid.n_events, test.n_events) == (59427 - 2 * 8442, 8442, 8442)
    for part, ds in (("valid", valid), ("test", test)):
        want = {u: t for u, _, t in _inter(folder / f"Scientific.{part}.inter")}
        assert dict(zip(ds.user_index.tolist(), ds.item_index.tolist(), strict=True)) == want


@pytest.mark.integration
def test_real_games_counts_cut_histories_and_text(games):
    _, ds = games
    assert (ds.n_users, ds.n_items, ds.n_events) == (50546, 16859, 440264)
    assert ds.users.ids.tolist() == list(range(50546))
    assert ds.items.ids.tolist() == list(range(16859))
    lengths = np.bincount(ds.user_index)
    assert lengths.min() == 5 and np.count_nonzero(lengths == 50) == 371 and lengths.max() == 50
    assert all(ds.item_text) and ds.item_text[0] == "Fire Emblem: The Sacred Stones"
    assert ds.interactions.nnz == 440264


@pytest.mark.integration
def test_real_games_provided_split_matches_files(real_home, games):
    folder, full = games
    train, valid, test = load_provided_split("games", data_home=real_home("amazon-games"))
    rows = {part: _inter(folder / f"Games-6k.{part}.inter") for part in ("valid", "test")}
    for part, ds in (("valid", valid), ("test", test)):
        want = {u: t for u, _, t in rows[part]}
        assert dict(zip(ds.user_index.tolist(), ds.item_index.tolist(), strict=True)) == want
    assert train.n_events + valid.n_events == sum(len(h) for _, h, _ in rows["test"])
    seqs = full.sequences()
    assert all(seqs[u].tolist() == [*h, t] for u, h, t in rows["test"])
