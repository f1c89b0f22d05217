# SPDX-License-Identifier: MIT
"""The loaders' public surface: names and aliases, options, data_home, the lazy entry point."""

from __future__ import annotations

import pytest

import lmrec
from lmrec.config import settings
from lmrec.data import loaders
from lmrec.data.loaders import available, canonical_name, data_home, load, load_provided_split
from lmrec.errors import DataError

NAMES = ["ml-100k", "ml-1m", "amazon-scientific", "amazon-games", "lastfm-hetrec-2k"]


def test_available_lists_the_five_data_sets():
    assert available() == NAMES
    public = {"available", "data_home", "load", "load_csv", "load_provided_split"}
    assert set(loaders.__all__) == public


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("ml100k", "ml-100k"), ("ML-1M", "ml-1m"), ("ml_1m", "ml-1m"), ("movielens-1m", "ml-1m"),
        ("scientific", "amazon-scientific"), ("games", "amazon-games"),
        ("Amazon_Games", "amazon-games"), ("lastfm", "lastfm-hetrec-2k"),
        ("lastfm-hetrec-2k", "lastfm-hetrec-2k"),
    ],
)  # fmt: skip
def test_aliases_resolve_to_the_folder_name(tmp_path, alias, name):
    assert canonical_name(alias) == name
    with pytest.raises(DataError, match=f"{name} not found; set LMREC_DATA_HOME"):
        load(alias, data_home=tmp_path)


def test_unknown_name_lists_available_names():
    with pytest.raises(DataError) as err:
        load("ml-20m")
    assert str(err.value) == f"unknown data set 'ml-20m'; available: {', '.join(NAMES)}"


def test_unknown_option_names_the_valid_ones(tmp_path):
    with pytest.raises(
        DataError, match=r"ml-1m: unknown option\(s\) colour; options: include_unrated"
    ):
        load("ml-1m", data_home=tmp_path, colour="red")
    with pytest.raises(DataError, match="options: none"):
        load("games", data_home=tmp_path, include_unrated=True)


def test_provided_split_only_for_amazon_sets(tmp_path):
    with pytest.raises(DataError, match="ml-1m has no provided split"):
        load_provided_split("ml1m", data_home=tmp_path)


@pytest.fixture
def fresh_settings():
    settings.cache_clear()
    yield
    settings.cache_clear()


def test_data_home_follows_the_environment_and_the_override(monkeypatch, tmp_path, fresh_settings):
    monkeypatch.setenv("LMREC_DATA_HOME", str(tmp_path))
    assert data_home() == tmp_path
    assert data_home(tmp_path / "other") == tmp_path / "other"
    with pytest.raises(DataError, match=str(tmp_path / "ml-100k")):
        load("ml-100k")


def test_lazy_entry_point_is_this_module():
    assert lmrec.datasets.load is load
