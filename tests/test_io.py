# SPDX-License-Identifier: MIT
"""Atomic, checksummed artifact folders and pickle-free array files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from lmrec._io import (
    MANIFEST,
    atomic_dir,
    load_arrays,
    save_arrays,
    sha256_file,
    verify_dir,
    write_json,
)
from lmrec.errors import ArtifactError


class Boom(Exception):
    pass


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_artifact(target: Path, files: dict[str, bytes], **extra) -> None:
    with atomic_dir(target, extra_manifest=extra or None) as tmp:
        for name, data in files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(data)


def test_atomic_dir_writes_files_and_a_manifest_of_their_checksums(tmp_path):
    target = tmp_path / "model"
    write_artifact(target, {"a.txt": b"alpha", "sub/b.bin": b"\x00\x01"}, model="ease", v=2)
    manifest = json.loads((target / MANIFEST).read_text())
    assert manifest["files"] == {"a.txt": digest(b"alpha"), "sub/b.bin": digest(b"\x00\x01")}
    assert manifest["model"] == "ease" and manifest["v"] == 2
    assert manifest["created"].endswith("+00:00")  # UTC, ISO 8601
    assert (target / "sub" / "b.bin").read_bytes() == b"\x00\x01"
    assert verify_dir(target) == manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temp folder left


def test_atomic_dir_yields_a_hidden_temp_folder_beside_the_target(tmp_path):
    target = tmp_path / "deep" / "model"
    with atomic_dir(target) as tmp:
        assert tmp.parent == target.parent  # same file system: the rename is atomic
        assert tmp.name.startswith(".model.")
        assert not target.exists()  # nothing appears before the block completes
    assert target.is_dir() and not tmp.exists()


def test_exception_inside_leaves_no_folder_and_no_temp(tmp_path):
    target = tmp_path / "model"
    with pytest.raises(Boom), atomic_dir(target) as tmp:
        (tmp / "half.bin").write_bytes(b"partial")
        raise Boom
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_exception_inside_leaves_an_existing_target_untouched(tmp_path):
    target = tmp_path / "model"
    write_artifact(target, {"a.txt": b"old"})
    before = (target / MANIFEST).read_bytes()
    with pytest.raises(Boom), atomic_dir(target) as tmp:
        (tmp / "a.txt").write_bytes(b"new")
        raise Boom
    assert (target / "a.txt").read_bytes() == b"old"
    assert (target / MANIFEST).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    verify_dir(target)


def test_existing_target_is_replaced_with_the_new_content(tmp_path):
    target = tmp_path / "model"
    write_artifact(target, {"a.txt": b"old", "only-old.txt": b"x"})
    write_artifact(target, {"a.txt": b"new"})
    assert (target / "a.txt").read_bytes() == b"new"
    assert not (target / "only-old.txt").exists()  # replaced, not merged
    assert verify_dir(target)["files"] == {"a.txt": digest(b"new")}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # old copy removed


def test_atomic_dir_accepts_a_string_path(tmp_path):
    write_artifact(str(tmp_path / "m"), {"x": b"1"})  # type: ignore[arg-type]
    assert verify_dir(str(tmp_path / "m"))["files"] == {"x": digest(b"1")}


def test_a_nested_file_named_like_the_manifest_is_checksummed(tmp_path):
    target = tmp_path / "model"
    write_artifact(target, {"sub/manifest.json": b"{}"})
    assert "sub/manifest.json" in verify_dir(target)["files"]


def test_verify_dir_missing_folder(tmp_path):
    with pytest.raises(ArtifactError, match="artifact folder not found"):
        verify_dir(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ArtifactError, match="artifact folder not found"):
        verify_dir(tmp_path / "file")


def test_verify_dir_missing_manifest(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(ArtifactError, match=r"no manifest\.json; save the model again"):
        verify_dir(tmp_path)


def test_verify_dir_missing_file(tmp_path):
    target = tmp_path / "model"
    write_artifact(target, {"a.txt": b"a", "b.txt": b"b"})
    (target / "b.txt").unlink()
    with pytest.raises(ArtifactError, match=r"b\.txt: listed in the manifest but missing"):
        verify_dir(target)


def test_verify_dir_checksum_mismatch(tmp_path):
    target = tmp_path / "model"
    write_artifact(target, {"a.txt": b"abc"})
    (target / "a.txt").write_bytes(b"abd")  # same size, one byte changed
    with pytest.raises(ArtifactError, match=r"a\.txt: SHA-256 differs from the manifest"):
        verify_dir(target)


def test_sha256_file_reads_in_chunks(tmp_path):
    data = bytes(range(256)) * 41  # 10,496 bytes: many 1000-byte chunks and a short tail
    path = tmp_path / "f"
    path.write_bytes(data)
    assert sha256_file(path, chunk=1000) == sha256_file(path) == digest(data)
    (tmp_path / "empty").write_bytes(b"")
    assert sha256_file(tmp_path / "empty") == digest(b"")


def test_write_json_converts_numpy_and_paths(tmp_path):
    path = tmp_path / "x.json"
    write_json(path, {"n": np.int64(3), "f": np.float32(0.5), "a": np.arange(3), "p": Path("/a")})
    assert json.loads(path.read_text()) == {"n": 3, "f": 0.5, "a": [0, 1, 2], "p": "/a"}
    assert path.read_text().endswith("}\n")
    with pytest.raises(TypeError, match="cannot serialise set to JSON"):
        write_json(path, {"s": {1}})


def test_save_and_load_arrays_round_trip(tmp_path):
    path = tmp_path / "arrays.npz"
    arrays = {
        "f": np.array([[1.5, -2.0]], dtype=np.float32),
        "i": np.arange(5, dtype=np.int64),
        "s": np.array(["a", "bc"]),
        "empty": np.zeros((0, 3)),
    }
    save_arrays(path, arrays)
    back = load_arrays(path)
    assert set(back) == set(arrays)
    for key, arr in arrays.items():
        assert back[key].dtype == arr.dtype
        np.testing.assert_array_equal(back[key], arr)


def test_save_arrays_refuses_object_arrays_and_writes_nothing(tmp_path):
    path = tmp_path / "arrays.npz"
    with pytest.raises(ArtifactError, match="array 'text' has dtype object; convert it"):
        save_arrays(path, {"ok": np.zeros(2), "text": np.array(["a", None], dtype=object)})
    assert not path.exists()


def test_load_arrays_refuses_pickled_object_arrays(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, obj=np.array([{"a": 1}], dtype=object))  # written without save_arrays
    with pytest.raises(ValueError, match="allow_pickle=False"):
        load_arrays(path)
