# SPDX-License-Identifier: MIT
"""YAML experiments: validation, relative paths, artifact reuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lmrec.data.synthetic import random_interactions
from lmrec.errors import ConfigError
from lmrec.experiment import ExperimentConfig, run


def write_csv_experiment(tmp_path: Path, **overrides) -> Path:
    random_interactions(n_users=80, seed=1).external_events().to_csv(
        tmp_path / "events.csv", index=False
    )
    cfg = {
        "name": "csv-demo",
        "dataset": {
            "name": "csv",
            "path": "events.csv",
            "options": {"rating": "value", "timestamp": "timestamp"},
        },
        "split": {"method": "temporal_user", "test_frac": 0.25},
        "models": [{"name": "popular"}, {"name": "item_knn", "params": {"k": 20}}],
        "k": 5,
        "n_boot": 50,
        "output": "out",
        **overrides,
    }
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_run_writes_report_and_reuses_artifacts(tmp_path) -> None:
    cfg = ExperimentConfig.from_yaml(write_csv_experiment(tmp_path))
    assert cfg.dataset.path == tmp_path / "events.csv"  # relative to the YAML file
    first = run(cfg, progress=False)
    assert first["report"] == tmp_path / "out" / "report.html"
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [r["model"] for r in data["results"]] == ["popular", "item_knn"]
    manifest = tmp_path / "out" / "models" / "item_knn" / "manifest.json"
    created = json.loads(manifest.read_text())["created"]
    second = run(cfg, progress=False)
    # same data and config: the saved model is loaded, not refitted
    assert json.loads(manifest.read_text())["created"] == created
    assert second["results"][1]["ndcg@5"] == first["results"][1]["ndcg@5"]
    assert second["fit_s"]["item_knn"] == pytest.approx(first["fit_s"]["item_knn"], abs=1e-3)


def test_changed_config_refits(tmp_path) -> None:
    path = write_csv_experiment(tmp_path)
    run(ExperimentConfig.from_yaml(path), progress=False)
    cfg = ExperimentConfig.from_yaml(path)
    cfg.models[1].params["k"] = 5
    out = run(cfg, evaluate=False)
    assert out["results"] == []
    saved = json.loads((tmp_path / "out" / "models" / "item_knn" / "config.json").read_text())
    assert saved["config"]["k"] == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"dataset": "ml-100k"}, "models: Field required"),
        ({"dataset": "ml-100k", "models": []}, "models: List should have at least 1 item"),
        ({"dataset": "ml-100k", "models": [{"name": "ease"}], "kk": 3}, "kk: Extra inputs"),
        (
            {"dataset": "ml-100k", "models": [{"name": "ease"}, {"name": "ease"}]},
            "labels must be unique",
        ),
        ({"dataset": "ml-100k", "models": [{"name": "ease"}], "k": 0}, "k: Input should be"),
    ],
)
def test_config_errors_are_one_line(data, message) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        ExperimentConfig.parse(data, source="exp.yaml")
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("exp.yaml: ")


def test_bad_split_and_yaml(tmp_path) -> None:
    cfg = ExperimentConfig.from_yaml(write_csv_experiment(tmp_path, split={"method": "sideways"}))
    with pytest.raises(ConfigError, match="unknown method 'sideways'"):
        run(cfg)
    bad = tmp_path / "bad.yaml"
    bad.write_text("models: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        ExperimentConfig.from_yaml(bad)
    with pytest.raises(ConfigError, match="not found"):
        ExperimentConfig.from_yaml(tmp_path / "missing.yaml")
