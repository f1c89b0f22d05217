# SPDX-License-Identifier: MIT
"""IdMap: dense index ⇄ external id vocabularies, and the id coercion behind them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lmrec.data import IdMap
from lmrec.data._idmap import as_id_array
from lmrec.errors import DataError, UnknownIdError


@pytest.mark.parametrize(
    ("values", "kind", "expected"),
    [
        ([3, 1, 2], "i", [3, 1, 2]),
        (np.array([3, 1], dtype=np.uint8), "i", [3, 1]),
        ([1.0, 2.0], "i", [1, 2]),  # integral floats become int64 ids
        ([1.5, 2.0], "U", ["1.5", "2.0"]),  # non-integral floats become strings
        (["b", "a"], "U", ["b", "a"]),
        (np.array([b"x"]), "U", ["x"]),  # bytes become str
        (np.array([1, "a"], dtype=object), "U", ["1", "a"]),
    ],
)
def test_as_id_array_coerces_to_int64_or_str(values, kind, expected):
    arr = as_id_array(values)
    assert arr.dtype.kind == kind
    if kind == "i":
        assert arr.dtype == np.int64
    assert arr.tolist() == expected


def test_as_id_array_of_nothing_is_an_empty_str_array():
    arr = as_id_array([])
    assert arr.dtype.kind == "U"
    assert arr.size == 0


def test_int_ids_round_trip():
    m = IdMap([30, 10, 20], name="user")
    assert len(m) == 3
    assert m.ids.dtype == np.int64
    assert m.index(10) == 1  # position in the map, not sorted order
    assert m.index([20, 30, 10]).tolist() == [2, 0, 1]
    assert m.id(2) == 20
    assert m.id([0, 2]).tolist() == [30, 20]
    all_idx = m.index(m.ids)
    assert all_idx.tolist() == [0, 1, 2]
    assert m.id(all_idx).tolist() == m.ids.tolist()


def test_string_ids_round_trip():
    m = IdMap(["b", "a", "c"], name="item")
    assert m.ids.dtype.kind == "U"
    assert m.index("a") == 1
    assert m.index(["c", "b"]).tolist() == [2, 0]
    assert m.id([1, 2]).tolist() == ["a", "c"]


def test_index_of_a_scalar_is_a_scalar_and_of_a_list_an_array():
    m = IdMap([5, 6])
    assert np.ndim(m.index(6)) == 0
    assert m.index([6]).shape == (1,)
    empty = m.index([])
    assert empty.shape == (0,)
    assert empty.dtype == np.int64


def test_ids_may_be_given_as_numpy_array_or_pandas_index():
    assert IdMap(np.array([2, 1])).ids.tolist() == [2, 1]
    assert IdMap(pd.Index(["x", "y"])).ids.tolist() == ["x", "y"]
    assert IdMap(iter([7, 8])).ids.tolist() == [7, 8]


def test_unknown_id_raises_naming_the_id_and_the_vocabulary():
    m = IdMap([10, 20], name="user")
    with pytest.raises(UnknownIdError) as err:
        m.index([10, 99])
    msg = str(err.value)
    assert "unknown user id(s) [99]" in msg
    assert "vocabulary has 2 users" in msg
    assert isinstance(err.value, LookupError)  # catchable as the builtin lookup error


def test_unknown_string_id_message_is_not_quoted_twice():
    m = IdMap(["a"], name="item")
    with pytest.raises(UnknownIdError) as err:
        m.index("zz")
    assert str(err.value) == "unknown item id(s) ['zz'] (vocabulary has 1 items)"


def test_missing_negative_returns_minus_one_for_unknown_ids():
    m = IdMap(["a", "b"])
    assert m.index(["b", "nope", "a"], missing="negative").tolist() == [1, -1, 0]
    assert m.index("nope", missing="negative") == -1


def test_duplicate_ids_raise_data_error_naming_them():
    with pytest.raises(DataError, match=r"duplicate user ids in vocabulary: \[2\]"):
        IdMap([1, 2, 3, 2], name="user")
    with pytest.raises(DataError, match="duplicate item ids"):
        IdMap(["a", "a"], name="item")
    # 1 and 1.0 are the same id once coerced
    with pytest.raises(DataError):
        IdMap([1.0, 1])


def test_string_lookup_on_an_int_map_and_int_lookup_on_a_string_map():
    ints = IdMap([7, 42])
    assert ints.index("42") == 1
    assert ints.index(["42", "7"]).tolist() == [1, 0]
    assert ints.index(["abc", "7"], missing="negative").tolist() == [-1, 0]
    strings = IdMap(["a", "42"])
    assert strings.index(42) == 1
    assert strings.index(np.int32(42)) == 1


def test_unknown_non_numeric_id_on_int_map_is_named_in_the_error():
    m = IdMap([7, 42], name="user")
    with pytest.raises(UnknownIdError, match=r"\['abc'\]"):
        m.index("abc")


def test_membership_agrees_with_index_across_types():
    m = IdMap([7, 42])
    assert m.index("42", missing="negative") == 1
    assert "42" in m


def test_membership():
    m = IdMap([7, 42])
    assert 42 in m
    assert np.int64(7) in m
    assert 8 not in m


def test_from_values_sorts_and_returns_codes():
    # sorted vocabulary [1, 2, 3]: 3 -> 2, 1 -> 0, 2 -> 1
    m, codes = IdMap.from_values([3, 1, 3, 2], name="item")
    assert m.ids.tolist() == [1, 2, 3]
    assert m.name == "item"
    assert codes.dtype == np.int32
    assert codes.tolist() == [2, 0, 2, 1]
    assert m.id(codes).tolist() == [3, 1, 3, 2]


def test_from_values_with_strings():
    m, codes = IdMap.from_values(["b", "a", "b", "c"])
    assert m.ids.tolist() == ["a", "b", "c"]
    assert codes.tolist() == [1, 0, 1, 2]


def test_equality_compares_ids_in_order_and_their_kind():
    assert IdMap([1, 2]) == IdMap([1, 2])
    assert IdMap([1, 2]) == IdMap(np.array([1, 2], dtype=np.int32))
    assert IdMap([1, 2]) != IdMap([2, 1])
    assert IdMap([1, 2]) != IdMap([1, 2, 3])
    assert IdMap([1, 2]) != IdMap(["1", "2"])
    assert IdMap(["a"]) == IdMap(np.array(["a"], dtype="<U5"))  # string width does not matter
    assert IdMap([1]) != [1]  # not an IdMap: NotImplemented, so identity comparison


def test_equal_maps_hash_equal():
    a, b = IdMap([1, 2], name="user"), IdMap([1, 2], name="item")
    assert a == b
    assert hash(a) == hash(b)


def test_ids_are_read_only_and_a_copy_of_the_input():
    source = np.array([1, 2, 3])
    m = IdMap(source)
    with pytest.raises(ValueError, match="read-only"):
        m.ids[0] = 99
    source[0] = 99
    assert m.ids.tolist() == [1, 2, 3]


def test_repr_shows_name_size_and_head():
    assert repr(IdMap([1, 2], name="user")) == "IdMap(user: 2 ids [1, 2])"
    assert repr(IdMap(range(5), name="item")) == "IdMap(item: 5 ids [0, 1, 2, …])"
