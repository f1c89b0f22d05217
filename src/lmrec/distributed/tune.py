# SPDX-License-Identifier: MIT
"""Hyperparameter search on the validation split: Optuna locally, Ray Tune on a cluster.

Example (``examples/tune-ease.yaml``)::

    name: tune-ease-ml1m
    dataset: {name: ml-1m, binarize: true}
    split: {method: temporal_user, test_frac: 0.2, valid_frac: 0.1}
    model: ease
    defaults: {lam: 500}                  # the baseline the search must match or beat
    space:
      lam: {loguniform: [10, 100000]}
    metric: ndcg@10
    trials: 20
    backend: local                        # or ray

The objective is ``metric`` on the validation split (models fit on train); the test split is
touched once, for the chosen and the default configuration, after the search.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from lmrec.errors import ConfigError
from lmrec.experiment import DatasetSpec, SplitSpec, YamlConfig, load_dataset, make_split

_KINDS = ("loguniform", "uniform", "int", "logint", "choice")


class TuneConfig(YamlConfig):
    """A search: data, split, one model, its space and budget."""

    _what: ClassVar[str] = "tuning config"

    name: str = "tune"
    dataset: DatasetSpec
    split: SplitSpec = Field(default_factory=lambda: SplitSpec(valid_frac=0.1))
    model: str
    defaults: dict[str, Any] = Field(default_factory=dict)
    space: dict[str, dict[str, Any]]
    metric: str = "ndcg@10"
    k: int = Field(10, ge=1)
    trials: int = Field(20, ge=1)
    seed: int = 0
    backend: Literal["local", "ray"] = "local"
    workers: int = Field(2, ge=1, description="concurrent trials on Ray")
    output: Path = Path("reports/tune")

    @model_validator(mode="after")
    def _check_space(self) -> TuneConfig:
        for param, spec in self.space.items():
            if len(spec) != 1 or next(iter(spec)) not in _KINDS:
                raise ValueError(
                    f"space.{param}: give one of {', '.join(_KINDS)}, e.g. "
                    "{loguniform: [10, 1000]}"
                )
        if self.split.valid_frac <= 0 and self.split.method not in ("leave_last_out", "provided"):
            raise ValueError("split.valid_frac must be > 0: the search is scored on validation")
        return self


def _suggest(trial: Any, space: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Optuna parameters for one trial."""
    out: dict[str, Any] = {}
    for name, spec in space.items():
        kind, arg = next(iter(spec.items()))
        if kind == "choice":
            out[name] = trial.suggest_categorical(name, list(arg))
        elif kind in ("int", "logint"):
            out[name] = trial.suggest_int(name, int(arg[0]), int(arg[1]), log=kind == "logint")
        else:
            out[name] = trial.suggest_float(name, arg[0], arg[1], log=kind == "loguniform")
    return out


def _ray_space(space: dict[str, dict[str, Any]]) -> dict[str, Any]:
    from ray import tune as rt

    out: dict[str, Any] = {}
    for name, spec in space.items():
        kind, arg = next(iter(spec.items()))
        out[name] = {
            "choice": lambda a: rt.choice(list(a)),
            "int": lambda a: rt.randint(int(a[0]), int(a[1]) + 1),
            "logint": lambda a: rt.lograndint(int(a[0]), int(a[1]) + 1),
            "uniform": lambda a: rt.uniform(a[0], a[1]),
            "loguniform": lambda a: rt.loguniform(a[0], a[1]),
        }[kind](arg)
    return out


def score(cfg: TuneConfig, split: Any, params: dict[str, Any], on: str = "valid") -> float:
    """``cfg.metric`` of the model with ``params`` fit on train (test: on train + valid)."""
    from lmrec.evaluate import evaluate
    from lmrec.models import create

    model = create(cfg.model, **{**cfg.defaults, **params})
    if on == "valid":
        model.fit(split.train)
        res = evaluate(model, split.valid, train=split.train, k=cfg.k, progress=False)
    else:
        history = split.train.union(split.valid)
        model.fit(history)
        res = evaluate(model, split.test, train=history, k=cfg.k, progress=False)
    return float(res[cfg.metric])


def tune(cfg: TuneConfig) -> dict[str, Any]:
    """Run the search; writes ``best.json``, ``trials.csv``, ``report.md`` and ``trials.png``
    under ``cfg.output`` and returns the summary."""
    import lmrec

    ds = load_dataset(cfg.dataset)
    split = make_split(ds, cfg.split, cfg.seed, cfg.dataset)
    if split.valid is None or not split.valid.n_events:
        raise ConfigError("tune: the split has no validation events")
    started = time.perf_counter()
    trials = _ray_trials(cfg, split) if cfg.backend == "ray" else _local_trials(cfg, split)
    best = max(trials, key=lambda t: t["value"])
    default_valid = score(cfg, split, {})
    summary = {
        "name": cfg.name,
        "model": cfg.model,
        "dataset": cfg.dataset.name,
        "metric": cfg.metric,
        "backend": cfg.backend,
        "trials": len(trials),
        "search_s": round(time.perf_counter() - started, 1),
        "defaults": cfg.defaults,
        "best_params": best["params"],
        "valid": {"best": best["value"], "defaults": default_valid},
        "test": {
            "best": score(cfg, split, best["params"], on="test"),
            "defaults": score(cfg, split, {}, on="test"),
        },
        "lmrec": lmrec.__version__,
    }
    _write(cfg, summary, trials)
    return summary


def _local_trials(cfg: TuneConfig, split: Any) -> list[dict[str, Any]]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=cfg.seed)
    )
    study.optimize(lambda t: score(cfg, split, _suggest(t, cfg.space)), n_trials=cfg.trials)
    return [
        {"params": t.params, "value": float(t.value)} for t in study.trials if t.value is not None
    ]


def _ray_trials(cfg: TuneConfig, split: Any) -> list[dict[str, Any]]:
    from lmrec.distributed._ray import init_ray

    ray = init_ray(num_cpus=cfg.workers)
    from ray import tune as rt
    from ray.tune.search.optuna import OptunaSearch

    split_ref = ray.put(split)  # the data travels once through the object store

    def trainable(params: dict[str, Any]) -> dict[str, float]:
        return {"value": score(cfg, ray.get(split_ref), params)}

    tuner = rt.Tuner(
        rt.with_resources(trainable, {"cpu": 1}),
        param_space=_ray_space(cfg.space),
        tune_config=rt.TuneConfig(
            metric="value",
            mode="max",
            num_samples=cfg.trials,
            max_concurrent_trials=cfg.workers,
            search_alg=OptunaSearch(seed=cfg.seed),
        ),
        run_config=ray.tune.RunConfig(storage_path=str((cfg.output / "ray").resolve()), verbose=0),
    )
    results = tuner.fit()
    done = [results[i] for i in range(len(results))]
    return [
        {"params": {k: (r.config or {})[k] for k in cfg.space}, "value": float(r.metrics["value"])}
        for r in done
        if r.metrics and "value" in r.metrics
    ]


def _write(cfg: TuneConfig, summary: dict[str, Any], trials: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    out = cfg.output
    out.mkdir(parents=True, exist_ok=True)
    (out / "best.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    table = pd.DataFrame([{**t["params"], cfg.metric: t["value"]} for t in trials])
    table.to_csv(out / "trials.csv", index_label="trial")
    v, t = summary["valid"], summary["test"]
    lines = [
        f"# Tuning {cfg.model} on {cfg.dataset.name} ({summary['trials']} trials, "
        f"{summary['backend']})",
        "",
        f"Objective: {cfg.metric} on the validation split. Best parameters: "
        f"`{json.dumps(summary['best_params'])}`.",
        "",
        f"| configuration | valid {cfg.metric} | test {cfg.metric} |",
        "|---|---|---|",
        f"| best | {v['best']:.4f} | {t['best']:.4f} |",
        f"| defaults `{json.dumps(cfg.defaults)}` | {v['defaults']:.4f} | {t['defaults']:.4f} |",
    ]
    (out / "report.md").write_text("\n".join(lines) + "\n")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(range(1, len(trials) + 1), table[cfg.metric].cummax(), label="best so far")
    ax.scatter(range(1, len(trials) + 1), table[cfg.metric], s=10, label="trial")
    ax.axhline(v["defaults"], ls="--", color="grey", label="defaults")
    ax.set_xlabel("trial")
    ax.set_ylabel(f"valid {cfg.metric}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "trials.png", dpi=110)
    plt.close(fig)
