# SPDX-License-Identifier: MIT
"""The command line: verbs, output, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from lmrec.cli import app
from test_experiment import write_csv_experiment

runner = CliRunner()


def lmrec(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lmrec", *args], capture_output=True, text=True, cwd=cwd
    )


def test_help_lists_verbs() -> None:
    out = lmrec("--help")
    assert out.returncode == 0
    for verb in ("train", "evaluate", "recommend", "quickstart", "data"):
        assert verb in out.stdout


def test_train_evaluate_recommend(tmp_path) -> None:
    cfg = write_csv_experiment(tmp_path)
    res = runner.invoke(app, ["train", str(cfg)])
    assert res.exit_code == 0, res.output
    assert "item_knn" in res.output
    res = runner.invoke(app, ["evaluate", str(cfg)])
    assert res.exit_code == 0, res.output
    assert "ndcg@5" in res.output and "report:" in res.output
    model = tmp_path / "out" / "models" / "item_knn"
    res = runner.invoke(app, ["recommend", "--model", str(model), "--user", "3", "-k", "4"])
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert lines[0].split() == ["rank", "item", "score"]
    assert len(lines) == 5
    res = runner.invoke(app, ["recommend", "-m", str(model), "--history", "1,2,3", "-k", "2"])
    assert res.exit_code == 0, res.output


def test_runtime_errors_exit_3_with_one_line(tmp_path) -> None:
    out = lmrec("evaluate", str(tmp_path / "nope.yaml"))
    assert out.returncode == 3
    assert out.stderr.strip() == f"error: {tmp_path / 'nope.yaml'}: experiment file not found"
    cfg = write_csv_experiment(tmp_path)
    assert lmrec("train", str(cfg)).returncode == 0
    out = lmrec("recommend", "-m", str(tmp_path / "out" / "models" / "popular"), "-u", "999999")
    assert out.returncode == 3
    assert out.stderr.count("\n") == 1 and "unknown user id(s) [999999]" in out.stderr


def test_usage_error_exit_2() -> None:
    out = lmrec("recommend", "--model", "x")
    assert out.returncode == 2


def test_data_info_and_list(real_home) -> None:
    real_home("ml-100k")
    res = runner.invoke(app, ["data", "info", "ml-100k"])
    assert res.exit_code == 0, res.output
    assert "users: 943" in res.output.replace("  ", "")
    res = runner.invoke(app, ["data", "list"])
    assert res.exit_code == 0 and "ml-1m" in res.output


def test_recommend_text_query(tmp_path) -> None:
    import lmrec as lm
    from lmrec.data.synthetic import blocks

    split = blocks(with_text=True)
    lm.models.create("content", encoder="hashing").fit(split.train).save(tmp_path / "content")
    res = runner.invoke(
        app, ["recommend", "-m", str(tmp_path / "content"), "-q", "heist thriller", "-k", "3"]
    )
    assert res.exit_code == 0, res.output
    items = [int(line.split()[1]) for line in res.output.strip().splitlines()[1:]]
    assert [i // 6 for i in items] == [2, 2, 2]
    lm.models.create("popular").fit(split.train).save(tmp_path / "pop")
    res = runner.invoke(app, ["recommend", "-m", str(tmp_path / "pop"), "-q", "heist"])
    assert res.exit_code == 2 and "does not read text" in res.output
