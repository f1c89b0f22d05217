# SPDX-License-Identifier: MIT
"""Experiments described in YAML: data set, split, models, metrics, K, seed.

Example (``examples/ml100k.yaml``)::

    name: ml100k-baselines
    dataset: {name: ml-100k}
    split: {method: temporal_user, test_frac: 0.2}
    models:
      - {name: popular}
      - {name: ease, params: {lam: 500}}
      - {name: als, label: als-64, params: {factors: 64}}
    k: 10
    seed: 7
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, ClassVar, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lmrec.data import Dataset
from lmrec.errors import ArtifactError, ConfigError, DataError

_log = logging.getLogger("lmrec.experiment")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatasetSpec(_Spec):
    """Which data to load and how to prepare it.

    Attributes:
        name: a registered data set (``ml-100k``, ``ml-1m``, ``amazon-scientific``,
            ``amazon-games``, ``lastfm-hetrec-2k``) or ``csv`` for a file at ``path``.
        path: interaction file for ``csv`` (CSV/TSV/Parquet).
        options: loader options (for ``csv``: the column mapping, e.g. ``user: uid``).
        binarize: ``true`` makes every event a positive with value 1; a number keeps only
            events with value ≥ it.
        min_user_events, min_item_events: drop users/items with fewer interactions.
    """

    name: str
    path: Path | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    binarize: bool | float = False
    min_user_events: int = Field(0, ge=0)
    min_item_events: int = Field(0, ge=0)


class SplitSpec(_Spec):
    """How to split: a method of :mod:`lmrec.data.split` or ``provided`` (Amazon sets)."""

    method: str = "temporal_user"
    test_frac: float = 0.2
    valid_frac: float = 0.0
    seed: int | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class ModelSpec(_Spec):
    """One model: registry ``name``, optional ``label`` and hyperparameters ``params``."""

    name: str
    label: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        """Label used in reports and as the artifact folder name."""
        return self.label or self.name


class YamlConfig(_Spec):
    """A config read from YAML with a ``dataset`` (``dataset: ml-1m`` is short for
    ``{name: ml-1m}``) and an ``output`` folder; relative paths resolve against the file."""

    _what: ClassVar[str] = "config"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("dataset"), str):
            data = {**data, "dataset": {"name": data["dataset"]}}
        return data

    @classmethod
    def from_yaml(cls, path: Path | str) -> Self:
        """Read and validate a config file."""
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"{path}: {cls._what} file not found")
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as e:
            raise ConfigError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
        cfg = cls.parse(data, source=str(path))
        base = path.parent
        dataset: DatasetSpec = getattr(cfg, "dataset")  # noqa: B009 - every subclass has one
        if dataset.path is not None and not dataset.path.is_absolute():
            dataset.path = base / dataset.path
        output: Path | None = getattr(cfg, "output")  # noqa: B009
        if output is not None and not output.is_absolute():
            setattr(cfg, "output", base / output)  # noqa: B010
        return cfg

    @classmethod
    def parse(cls, data: dict[str, Any], source: str = "config") -> Self:
        """Validate a dict; errors become one-line :class:`ConfigError` messages."""
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(map(str, first["loc"])) or "config"
            raise ConfigError(f"{source}: {where}: {first['msg']}") from None


class ExperimentConfig(YamlConfig):
    """A whole experiment. Relative paths are resolved against the YAML file's folder."""

    _what: ClassVar[str] = "experiment"

    name: str = "experiment"
    dataset: DatasetSpec
    split: SplitSpec = Field(default_factory=SplitSpec)
    models: list[ModelSpec] = Field(min_length=1)
    k: int = Field(10, ge=1)
    metrics: list[str] | None = None
    relevance_threshold: float | None = None
    seed: int = 0
    n_boot: int = Field(1000, ge=10)
    output: Path | None = None

    @model_validator(mode="after")
    def _unique_labels(self) -> ExperimentConfig:
        keys = [m.key for m in self.models]
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            raise ValueError(f"model labels must be unique; repeated: {sorted(dup)} (set label:)")
        return self

    def output_dir(self) -> Path:
        """Where reports and artifacts go (default ``reports/<name>``)."""
        return self.output or Path("reports") / self.name


# ------------------------------------------------------------------------------------ steps
def load_dataset(spec: DatasetSpec) -> Dataset:
    """Load and prepare the data set of an experiment."""
    from lmrec.data import loaders

    if spec.name == "csv":
        if spec.path is None:
            raise ConfigError("dataset: name 'csv' needs a path")
        ds = loaders.load_csv(spec.path, **spec.options)
    else:
        ds = loaders.load(spec.name, **spec.options)
    if spec.binarize is not False:
        ds = ds.binarize(None if spec.binarize is True else float(spec.binarize))
    if spec.min_user_events or spec.min_item_events:
        ds = ds.filter(spec.min_user_events, spec.min_item_events)
    return ds


def make_split(ds: Dataset, spec: SplitSpec, seed: int, dataset: DatasetSpec | None = None) -> Any:
    """Split ``ds`` as ``spec`` says; returns a :class:`lmrec.data.split.Split`."""
    from lmrec.data import split

    if spec.method == "provided":
        from lmrec.data import loaders

        if dataset is None:
            raise ConfigError("split: 'provided' needs the dataset spec")
        return split.Split(*loaders.load_provided_split(dataset.name))
    fn = split.SPLITS.get(spec.method)
    if fn is None:
        raise ConfigError(
            f"split: unknown method {spec.method!r}; use one of {', '.join(split.SPLITS)}, provided"
        )
    kwargs: dict[str, Any] = dict(spec.options)
    if spec.method != "leave_last_out":
        kwargs.update(test_frac=spec.test_frac, valid_frac=spec.valid_frac)
        kwargs["seed"] = seed if spec.seed is None else spec.seed
    try:
        return fn(ds, **kwargs)
    except TypeError as e:
        raise ConfigError(f"split {spec.method}: {e}") from None


def fit_or_load(
    spec: ModelSpec, train: Dataset, valid: Dataset | None, folder: Path
) -> tuple[Any, float, bool]:
    """Fit the model, or reuse the artifact in ``folder`` trained on this exact data and config.

    Returns ``(model, fit_s, reused)``; a fresh fit is saved to ``folder``.
    """
    import lmrec.models as models

    model = models.create(spec.name, spec.params)
    if folder.exists():
        try:
            old = models.load(folder)
            if old.fingerprint_ == train.fingerprint and old.config == model.config:
                manifest = _read_manifest(folder)
                return old, float(manifest.get("fit_s", float("nan"))), True
        except (ArtifactError, ConfigError, DataError) as e:
            _log.warning("ignoring artifact %s: %s", folder, e)
    t0 = time.perf_counter()
    model.fit(train, valid)
    fit_s = time.perf_counter() - t0
    model.save(folder, meta={"fit_s": round(fit_s, 4)})
    return model, fit_s, False


def _read_manifest(folder: Path) -> dict[str, Any]:
    import json

    return dict(json.loads((folder / "manifest.json").read_text()))


def describe(cfg: ExperimentConfig, ds: Dataset, sp: Any) -> dict[str, Any]:
    """Facts about the run, shown at the top of the report."""
    split_desc = cfg.split.method
    if cfg.split.method != "leave_last_out" and cfg.split.method != "provided":
        split_desc += f" (test_frac={cfg.split.test_frac}, valid_frac={cfg.split.valid_frac})"
    return {
        "experiment": cfg.name,
        "dataset": f"{ds.name}: {ds.n_users} users, {ds.n_items} items, {ds.n_events} events",
        "split": split_desc,
        "train / valid / test events": (
            f"{sp.train.n_events} / {0 if sp.valid is None else sp.valid.n_events} / "
            f"{sp.test.n_events}"
        ),
        "seed": cfg.seed,
        "k": cfg.k,
    }


def run(
    cfg: ExperimentConfig, evaluate: bool = True, progress: bool | None = None
) -> dict[str, Any]:
    """Load, split, fit every model (saved under ``<output>/models/<label>``), evaluate, report.

    Returns a dict with ``results`` (list of EvalResult; empty when ``evaluate`` is False),
    ``report`` (path of report.html or None), ``models`` (label → artifact folder) and
    ``fit_s`` (label → seconds).
    """
    from lmrec.evaluate import evaluate as evaluate_model
    from lmrec.evaluate.report import write_report

    out = cfg.output_dir()
    ds = load_dataset(cfg.dataset)
    sp = make_split(ds, cfg.split, cfg.seed, cfg.dataset)
    context = describe(cfg, ds, sp)
    # items of the validation period are history at test time: never recommended as new
    seen = sp.train if sp.valid is None else sp.train.union(sp.valid)
    results, folders, fit_times = [], {}, {}
    for spec in cfg.models:
        folder = out / "models" / spec.key
        model, fit_s, reused = fit_or_load(spec, sp.train, sp.valid, folder)
        folders[spec.key], fit_times[spec.key] = folder, fit_s
        _log.info("%s: %s in %.2fs", spec.key, "reused" if reused else "fitted", fit_s)
        if evaluate:
            results.append(
                evaluate_model(
                    model,
                    sp.test,
                    train=seen,
                    k=cfg.k,
                    relevance_threshold=cfg.relevance_threshold,
                    n_boot=cfg.n_boot,
                    seed=cfg.seed,
                    name=spec.key,
                    meta={"fit_s": round(fit_s, 4), "artifact": str(folder)},
                    progress=progress,
                )
            )
    report = None
    if results:
        report = write_report(results, out, title=f"lmrec: {cfg.name}", context=context)
    return {
        "results": results,
        "report": report,
        "models": folders,
        "fit_s": fit_times,
        "context": context,
    }
