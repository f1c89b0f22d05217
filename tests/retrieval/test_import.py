# SPDX-License-Identifier: MIT
"""Importing lmrec.retrieval does not load faiss; a missing faiss gives a one-line fix."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lmrec.retrieval import make_index


def test_import_does_not_load_faiss():
    code = "import sys, lmrec.retrieval; print('faiss' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_faiss_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)  # makes `import faiss` fail
    index = make_index("exact", dim=4)  # configuration needs no faiss
    with pytest.raises(ImportError, match=r"install lmrec\[lm\]"):
        index.add([[1.0, 0.0, 0.0, 0.0]])
