# SPDX-License-Identifier: MIT
"""Atomic, checksummed artifact folders (no pickle anywhere)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from lmrec.errors import ArtifactError

MANIFEST = "manifest.json"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented UTF-8 JSON."""
    path.write_text(json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n")


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"cannot serialise {type(o).__name__} to JSON")


def _fsync_tree(root: Path) -> None:
    for p in sorted(root.rglob("*")):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_dir(target: Path | str, extra_manifest: dict[str, Any] | None = None) -> Iterator[Path]:
    """Yield a temporary folder; on success write its manifest and move it to ``target``.

    The folder appears complete or not at all: files are fsynced, a manifest with the SHA-256 of
    every file is written, and the folder is renamed into place. An existing ``target`` is
    replaced only after the new folder is complete.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
        files = {
            str(p.relative_to(tmp)): sha256_file(p)
            for p in sorted(tmp.rglob("*"))
            if p.is_file() and p.relative_to(tmp) != Path(MANIFEST)
        }
        manifest = {"created": datetime.now(UTC).isoformat(timespec="seconds"), "files": files}
        manifest.update(extra_manifest or {})
        write_json(tmp / MANIFEST, manifest)
        _fsync_tree(tmp)
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
        _fsync_tree_parent(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _fsync_tree_parent(target: Path) -> None:
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def verify_dir(path: Path | str) -> dict[str, Any]:
    """Check every file listed in the folder's manifest; return the manifest.

    Raises:
        ArtifactError: the folder, its manifest or a listed file is missing, or a checksum differs.
    """
    path = Path(path)
    if not path.is_dir():
        raise ArtifactError(f"{path}: artifact folder not found")
    mpath = path / MANIFEST
    if not mpath.is_file():
        raise ArtifactError(f"{path}: no {MANIFEST}; save the model again with lmrec")
    manifest: dict[str, Any] = json.loads(mpath.read_text())
    for name, digest in manifest.get("files", {}).items():
        f = path / name
        if not f.is_file():
            raise ArtifactError(f"{f}: listed in the manifest but missing; re-save the artifact")
        if sha256_file(f) != digest:
            raise ArtifactError(
                f"{f}: SHA-256 differs from the manifest (altered or corrupt); refusing to load"
            )
    return manifest


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Save arrays to ``.npz``; object arrays are refused so loading never needs pickle."""
    for key, arr in arrays.items():
        if np.asarray(arr).dtype == object:
            raise ArtifactError(f"array {key!r} has dtype object; convert it before saving")
    np.savez(path, **arrays)  # type: ignore[arg-type]


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """Load an ``.npz`` written by :func:`save_arrays` (``allow_pickle=False``)."""
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}
