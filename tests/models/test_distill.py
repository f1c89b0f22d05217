# SPDX-License-Identifier: MIT
"""Distilled student: conformance over a saved teacher, and it follows its teacher."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import lmrec
from conformance import TextRecommenderTests
from lmrec.data.synthetic import blocks
from lmrec.errors import ModelError

FAST = {"encoder": "hashing", "epochs": 60, "dim": 16, "n_candidates": 10, "n_random": 5}


class TestDistilled(TextRecommenderTests):
    """A student of EASE fitted on the same data (a model name as teacher)."""

    model = "distilled"
    params = {**FAST, "teacher": "ease", "teacher_params": {"lam": 1.0}}


@pytest.fixture(scope="module")
def teacher_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    split = blocks(with_text=True)
    path = tmp_path_factory.mktemp("teacher") / "ease"
    lmrec.models.create("ease", lam=1.0).fit(split.train).save(path)
    return path


def test_student_follows_teacher_and_ranks_fast(teacher_dir: Path, tmp_path: Path) -> None:
    split = blocks(with_text=True)
    teacher = lmrec.models.load(teacher_dir)
    student = lmrec.models.create(
        "distilled", teacher=str(teacher_dir), **FAST, teacher_cache=str(tmp_path / "t.npz")
    ).fit(split.train)
    t = lmrec.evaluate(teacher, split.test, train=split.train, k=1)["hit_rate@1"]
    s = lmrec.evaluate(student, split.test, train=split.train, k=1)["hit_rate@1"]
    assert t == 1.0 and s >= 0.9
    assert (tmp_path / "t.npz").is_file()
    cached = lmrec.models.create(
        "distilled", teacher=str(teacher_dir), **FAST, teacher_cache=str(tmp_path / "t.npz")
    ).fit(split.train)
    np.testing.assert_allclose(cached.score([0, 1]), student.score([0, 1]), rtol=1e-5, atol=1e-6)
    assert student.parameter_count() > 0


def test_pure_distillation_without_labels(teacher_dir: Path) -> None:
    """hard_weight = 0: only the teacher's scores teach, and they suffice here."""
    split = blocks(with_text=True)
    student = lmrec.models.create(
        "distilled", teacher=str(teacher_dir), **FAST, hard_weight=0.0
    ).fit(split.train)
    assert lmrec.evaluate(student, split.test, train=split.train, k=1)["hit_rate@1"] >= 0.9


def test_teacher_catalogue_must_match(teacher_dir: Path) -> None:
    other = blocks(n_blocks=2, with_text=True)
    with pytest.raises(ModelError, match="teacher has"):
        lmrec.models.create("distilled", teacher=str(teacher_dir), **FAST).fit(other.train)
