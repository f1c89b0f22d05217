# SPDX-License-Identifier: MIT
"""Multi-scenario pretraining and adaptation to a held-out scenario; writes
bench/results/transfer-<target>.{json,md} and docs/img/transfer-<target>.png

Protocol: a text-only SASRec (items = adaptor of their MiniLM text embedding) is pretrained on
the mixture of the other scenarios (ml-1m, amazon-games, lastfm-hetrec-2k and
amazon-scientific minus the target; binarised; each user's sequence stays in its scenario;
last event per user held out for early stopping; sampled softmax with negatives from the
user's scenario). The target's provided leave-one-out split is then used: a random fraction
of the target's users (5/10/25/50/100%) trains each adaptation strategy, early-stopped on
those users' validation events; every target user is tested on the last event, scored from
their whole train + valid history, full ranking over the target catalogue with history items
excluded. Means over seeds with 95% t-intervals (across seeds). Zero-shot = the pretrained
model on the target catalogue with no target training.

Runs go to ``--workers`` processes of ``--threads`` torch threads each (default 2 × 1 on 2
cores); ``scratch`` reads no base, so its runs start while the base pretrains. The reported
total is the wall time of the whole benchmark, pretraining included.

Every finished run is appended to ``bench/_work/transfer/runs-<target>.jsonl``; a later call
with the same settings (and the same saved base) reuses those runs instead of repeating them,
so an interrupted benchmark resumes where it stopped (``--fresh-runs`` repeats everything).
A run in progress saves its state after every epoch to ``bench/_work/transfer/checkpoints/``
(named by target, strategy, fraction, seed and a digest of its settings and base), so a run cut
off mid-way continues from its last epoch in the next call, to the same result; its ``fit_s``
adds the earlier calls' training seconds.
Without the journal (a new checkout), the per-seed runs of the committed results file are kept
instead: scratch runs with today's settings, and the others when the base is the same — the
same training record (pretraining is seeded and single-threaded, so it reproduces) and the same
zero-shot scores on the target.

Usage: python bench/transfer.py --target scientific [--fractions 0.05 ...] [--seeds 0 1 2]
       [--strategies scratch full ...] [--pretrain-min M] [--fresh-base] [--fresh-runs]
       [--workers 2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import resource
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

import lmrec
from lmrec.data.combine import combine
from lmrec.evaluate.report import environment
from transfer_report import SEEDS, markdown, plot

RESULTS = Path(__file__).parent / "results"
WORK = Path(__file__).parent / "_work" / "transfer"
IMG = Path(__file__).parent.parent / "docs" / "img"
DATA = {
    "ml-1m": "ml-1m",
    "games": "amazon-games",
    "lastfm": "lastfm-hetrec-2k",
    "scientific": "amazon-scientific",
}
# published Recall@10 / NDCG@10 on the target, full ranking, leave-one-out
ANCHORS = {
    "scientific": {
        "UniSRec (RecFormer paper, Table 3)": [0.1255, 0.0862],
        "SASRec (RecFormer paper, Table 3)": [0.1305, 0.0797],
    },
}
ARCH = {
    "dim": 64,
    "layers": 2,
    "heads": 2,
    "max_len": 50,
    "dropout": 0.2,
    "use_ids": False,
    "use_text": True,
    "encoder": "minilm",
    # padding masked out of attention, so batches split by history length compute the same
    # model with less padding (from 2026-12-01 12:00; earlier bases attended to padding)
    "key_padding": True,
}
STRATEGIES = {
    "scratch": {"strategy": "scratch"},
    "full": {"strategy": "full"},
    "freeze": {"strategy": "freeze"},
    # small weights starting at zero take a larger step (lr picked on validation, 25% users)
    "adapter": {"strategy": "adapter", "adapter_dim": 32, "lr": 1e-2},
    "lora": {"strategy": "lora", "lora_r": 8, "lora_alpha": 16, "lr": 1e-2},
}
EXTRA_STRATEGIES = {  # run with --strategies NAME; not part of the default curve
    # LoRA on the item side: the text adaptor's two linear layers
    "lora-items": {
        "strategy": "lora",
        "lora_r": 8,
        "lora_alpha": 16,
        "lr": 1e-2,
        "target_modules": ["adaptor.0", "adaptor.2"],
    },
    "lora-items-r16": {
        "strategy": "lora",
        "lora_r": 16,
        "lora_alpha": 32,
        "lr": 1e-2,
        "target_modules": ["adaptor.0", "adaptor.2"],
    },
    # the target's own item IDs added to the text representations (UniSRec's inductive +
    # transductive setting); the ID table is items × dim trained weights
    # (lr 5e-4 over 1e-3 on validation NDCG@10, seed 0, 100% of users: 0.0888 vs 0.0866)
    "full-ids": {"strategy": "full", "item_ids": True, "lr": 5e-4},
    "scratch-ids": {"strategy": "scratch", "item_ids": True},
}
TRAIN = {
    "batch_size": 128,
    "lr": 1e-3,
    # patience 5 (the model's default) from 2026-12-07; runs of 2026-12-01 used 10
    "patience": 5,
    "valid_users": 2000,
    "length_buckets": False,
    # on amazon-scientific's short histories 4 chunks beat 8 (5.4 vs 6.2 s/epoch, 1 thread)
    "length_chunks": 4,
}
#: The training settings each curve point records (a kept run must match them).
TRAIN_RECORD = ("patience", "length_buckets", "length_chunks")


def pretrain(target: str, minutes: float, fresh: bool, threads: int) -> tuple[Path, dict[str, Any]]:
    """The base model pretrained on every scenario but ``target`` (reused when saved)."""
    folder = WORK / f"base-without-{target}"
    info_file = folder.with_suffix(".json")
    if folder.exists() and info_file.exists() and not fresh:
        return folder, json.loads(info_file.read_text())
    sources = [k for k in DATA if k != target]
    mix = combine([lmrec.datasets.load(DATA[k]).binarize() for k in sources], name="mixture")
    split = lmrec.split.leave_last_out(mix, n_test=1, n_valid=0)
    params = {
        **ARCH,
        **TRAIN,
        "threads": threads,
        "loss": "sampled",
        "negatives": 512,
        "epochs": 200,
        "time_budget_s": minutes * 60,
        "progress": True,
    }
    t0 = time.perf_counter()
    base = lmrec.models.create("sasrec", **params).fit(split.train, split.test)
    fit_s = time.perf_counter() - t0
    folder.parent.mkdir(parents=True, exist_ok=True)
    base.save(folder)
    epochs = len(base.history_)
    info = {
        "sources": [DATA[k] for k in sources],
        "users": mix.n_users,
        "items": mix.n_items,
        "events": mix.n_events,
        "params": params,
        "fit_s": round(fit_s, 1),
        "epochs_run": epochs,
        "epoch_s": round(fit_s / max(epochs, 1), 1),
        "best_valid_ndcg@10": round(max(r["valid_ndcg@10"] for r in base.history_), 5),
        "parameters": sum(p.numel() for p in base.net_.parameters()),
    }
    info_file.write_text(json.dumps(info, indent=2) + "\n")
    return folder, info


def sample_users(train: lmrec.data.Dataset, fraction: float, seed: int) -> np.ndarray:
    """A seeded random ``fraction`` of the users with training events."""
    users = np.flatnonzero(train.user_event_counts > 0)
    n = max(1, math.ceil(fraction * len(users)))
    return np.sort(np.random.default_rng(seed).choice(users, n, replace=False))


@lru_cache(maxsize=2)
def provided(target: str) -> tuple[Any, Any, Any]:
    """The target's provided train / valid / test split (read once per worker)."""
    return lmrec.datasets.load_provided_split(DATA[target])


def run(
    base: Path | None,
    strategy: str,
    target: str,
    fraction: float,
    seed: int,
    train_params: dict[str, Any],
    checkpoint: Path | None = None,
) -> dict[str, Any]:
    """Fit one strategy on a ``fraction`` of the target's users, test on every user. Scratch
    strategies build a fresh SASRec of the base's architecture, so they need no base. With a
    ``checkpoint`` file the fit saves each epoch there and resumes from it."""
    train, valid, test = provided(target)
    history = train.union(valid)
    if fraction < 1:
        users = sample_users(train, fraction, seed)
        train = train.subset(np.isin(train.user_index, users))
        valid = valid.subset(np.isin(valid.user_index, users))
    epochs = 0 if strategy == "zero-shot" else 200
    adapt = {**STRATEGIES, **EXTRA_STRATEGIES}.get(strategy, {"strategy": "full"})
    common = {"epochs": epochs, "seed": seed, **train_params}
    if checkpoint is not None:
        common["checkpoint"] = str(checkpoint)
    if adapt["strategy"] == "scratch":
        arch = {**ARCH, "use_ids": bool(adapt.get("item_ids", False))}
        model = lmrec.models.create("sasrec", **arch, **common)
    else:
        model = lmrec.models.create("sasrec_adapted", base=str(base), adapt=adapt, **common)
    t0 = time.perf_counter()
    model.fit(train, valid)
    fit_s = time.perf_counter() - t0 + model.resumed_s_
    model.set_histories(history)
    res = lmrec.evaluate(model, test, train=history, k=10, progress=False)
    n_epochs = len(model.history_)
    if hasattr(model, "trainable_"):
        trainable, total = model.trainable_["trainable"], model.trainable_["total"]
        size = model.adapter_bytes()
    else:  # a fresh model trains everything
        trainable = total = sum(p.numel() for p in model.net_.parameters())
        size = sum(p.numel() * p.element_size() for p in model.net_.parameters())
    return {
        "ndcg@10": res["ndcg@10"],
        "recall@10": res["recall@10"],
        "fit_s": round(fit_s, 2),
        "epochs_run": n_epochs,
        "epoch_s": round(fit_s / max(n_epochs, 1), 3),
        "trainable": trainable,
        "total": total,
        "adapter_bytes": size,
    }


def run_settings(strategy: str) -> dict[str, Any]:
    """What a run's result depends on besides the base, seed and fraction (threads aside)."""
    train = {k: v for k, v in TRAIN.items() if k != "threads"}
    return {"arch": ARCH, "train": train, "adapt": {**STRATEGIES, **EXTRA_STRATEGIES}[strategy]}


def base_id(info: dict[str, Any]) -> str:
    """A base's identity: a digest of its training record (data, parameters, epochs run, best
    validation score), the same for the same seeded single-threaded pretraining on any machine
    and unlike its wall time."""
    keys = ("sources", "params", "epochs_run", "best_valid_ndcg@10")
    record = json.dumps({k: info[k] for k in keys}, sort_keys=True)
    return hashlib.sha256(record.encode()).hexdigest()[:16]


def saved_base_id(target: str, fresh: bool) -> str | None:
    """The saved base's identity (as the journal records it), or None if it will pretrain."""
    info_file = WORK / f"base-without-{target}.json"
    if fresh or not info_file.exists() or not info_file.with_suffix("").exists():
        return None
    return base_id(json.loads(info_file.read_text()))


def same_base(old: dict[str, Any], base: dict[str, Any], zero: dict[str, Any]) -> bool:
    """Whether results ``old`` were measured on this base: same training record and the same
    zero-shot scores on the target (a check that the weights, not only the record, agree)."""
    if not old.get("base") or not base or not zero or base_id(old["base"]) != base_id(base):
        return False
    return all(math.isclose(old["zero_shot"][m], zero[m]) for m in ("ndcg@10", "recall@10"))


def kept_runs(
    target: str, base: dict[str, Any] | None = None, zero: dict[str, Any] | None = None
) -> dict[tuple, dict]:
    """Per-seed runs of the committed results file for a call without the journal holding
    them: points trained with today's settings, and only ``scratch`` ones unless the results
    were measured on this ``base`` (see :func:`same_base`). A kept run's ``fit_s`` and
    ``epoch_s`` are its point's means, so means over kept and new runs stay exact."""
    path = RESULTS / f"transfer-{target}.json"
    if not path.exists():
        return {}
    old = json.loads(path.read_text())
    on_base = base is not None and zero is not None and same_base(old, base, zero)
    train = {k: TRAIN[k] for k in TRAIN_RECORD}
    runs: dict[tuple, dict] = {}
    for strategy, points in old["curve"].items():
        settings = {**STRATEGIES, **EXTRA_STRATEGIES}.get(strategy)
        if settings is None or (_strategy(strategy) != "scratch" and not on_base):
            continue
        for fraction, p in points.items():
            if p.get("train") != train or p.get("adapt", settings) != settings:
                continue
            seeds = p.get("seeds", list(range(len(p["ndcg@10"]["runs"]))))
            for i, seed in enumerate(seeds):
                runs[(strategy, float(fraction), seed)] = {
                    "ndcg@10": p["ndcg@10"]["runs"][i],
                    "recall@10": p["recall@10"]["runs"][i],
                    "fit_s": p["fit_s"],
                    "epochs_run": p["epochs_run"][i],
                    "epoch_s": p["epoch_s"],
                    "trainable": p["trainable"],
                    "total": p["total"],
                    "adapter_bytes": p["adapter_bytes"],
                }
    return runs


def journaled(target: str, base: str | None) -> tuple[dict[tuple, dict], float, int]:
    """Runs finished earlier with today's settings (on the same base unless ``scratch``), the
    wall time of the earlier calls that finished them but wrote no results, and their count."""
    path = WORK / f"runs-{target}.jsonl"
    if not path.exists():
        return {}, 0.0, 0
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    written = {r["written"] for r in lines if "written" in r}
    runs: dict[tuple, dict] = {}
    spans: dict[float, float] = {}
    for r in lines:
        if "written" in r or r["strategy"] not in {**STRATEGIES, **EXTRA_STRATEGIES}:
            continue
        if r["settings"] != json.loads(json.dumps(run_settings(r["strategy"]))):
            continue  # (a JSON round trip turns the settings' tuples into lists, as stored)
        needs_base = _strategy(r["strategy"]) != "scratch"
        if needs_base and (base is None or r["base"] != base):
            continue
        runs[(r["strategy"], r["fraction"], r["seed"])] = r["result"]
        if r["invocation"] not in written:
            spans[r["invocation"]] = max(spans.get(r["invocation"], 0.0), r["finished"])
    return runs, sum(end - start for start, end in spans.items()), len(spans)


def checkpoint_path(target: str, job: tuple, base: str | None, fresh: bool) -> Path:
    """Where run ``job`` = (strategy, fraction, seed) saves its epochs: a name that changes
    with its settings and (unless ``scratch``) its base, so a checkpoint is only ever resumed
    by the same run. ``fresh`` deletes an existing one (the run starts over)."""
    strategy, fraction, seed = job
    on = None if _strategy(strategy) == "scratch" else base
    digest = hashlib.sha256(json.dumps([run_settings(strategy), on]).encode()).hexdigest()[:12]
    path = WORK / "checkpoints" / f"{target}-{strategy}-{fraction:g}-seed{seed}-{digest}.pt"
    if fresh:
        path.unlink(missing_ok=True)
    elif path.exists():
        print(f"{strategy} {fraction:.2f} seed {seed}: resuming from {path.name}", flush=True)
    return path


def journal(target: str, record: dict[str, Any]) -> None:
    """Append one finished run (or a results-written mark) to the target's journal."""
    WORK.mkdir(parents=True, exist_ok=True)
    with open(WORK / f"runs-{target}.jsonl", "a") as f:
        f.write(json.dumps(record) + "\n")


def summarise(values: list[float]) -> dict[str, Any]:
    """Mean and a 95% t-interval across seeds."""
    from scipy import stats

    a = np.asarray(values, float)
    half = 0.0
    if len(a) > 1:
        half = float(stats.t.ppf(0.975, len(a) - 1) * a.std(ddof=1) / math.sqrt(len(a)))
    return {
        "mean": round(float(a.mean()), 5),
        "ci95": [round(a.mean() - half, 5), round(a.mean() + half, 5)],
        "runs": [round(float(v), 5) for v in a],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", choices=["scientific", "games"], default="scientific")
    ap.add_argument("--fractions", type=float, nargs="*", default=[0.05, 0.1, 0.25, 0.5, 1.0])
    ap.add_argument("--seeds", type=int, nargs="*", default=list(range(SEEDS)))
    ap.add_argument("--strategies", nargs="*", default=list(STRATEGIES))
    ap.add_argument("--pretrain-min", type=float, default=20.0)
    ap.add_argument("--fresh-base", action="store_true", help="pretrain again even if saved")
    ap.add_argument(
        "--fresh-runs", action="store_true", help="repeat runs the journal already holds"
    )
    ap.add_argument("--workers", type=int, default=2, help="runs in parallel (processes)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per worker")
    args = ap.parse_args()
    TRAIN["threads"] = args.threads  # torch threads per worker process
    started, invocation = time.perf_counter(), time.time()
    base_key = saved_base_id(args.target, args.fresh_base)
    results: dict[tuple[str, float, int], dict[str, Any]] = {}
    resumed_s, resumed_calls = 0.0, 0
    if not args.fresh_runs:
        results, resumed_s, resumed_calls = journaled(args.target, base_key)
    wanted = [(s, f, seed) for s in args.strategies for f in args.fractions for seed in args.seeds]
    reused = sum(j in results for j in wanted)
    kept: set[tuple] = set()

    def keep(runs: dict[tuple, dict]) -> None:
        """Take the wanted runs neither the journal nor this call has."""
        for j in wanted:
            if j not in results and j in runs:
                results[j] = runs[j]
                kept.add(j)

    if not args.fresh_runs:
        keep(kept_runs(args.target))  # scratch runs need no base
    jobs = sorted(  # longest first, so the last runs to finish are short ones
        (j for j in wanted if j not in results),
        key=lambda j: (-j[1], list(args.strategies).index(j[0]), j[2]),
    )
    print(
        f"{len(jobs)} runs at most to go, {reused} reused from the journal, "
        f"{len(kept)} kept from the results file",
        flush=True,
    )
    scratch = [j for j in jobs if _strategy(j[0]) == "scratch"]
    pool = ProcessPoolExecutor(args.workers, mp_context=get_context("spawn"))
    with pool:
        pending: dict[Future[Any], Any] = {
            pool.submit(pretrain, args.target, args.pretrain_min, args.fresh_base, args.threads): (
                "base",
            )
        }
        for j in scratch:  # need no base: they start while it pretrains
            ckpt = checkpoint_path(args.target, j, None, args.fresh_runs)
            pending[pool.submit(run, None, j[0], args.target, j[1], j[2], TRAIN, ckpt)] = j
        base_info: dict[str, Any] = {}
        zero: dict[str, Any] = {}
        while pending:
            done = next(as_completed(pending))
            key = pending.pop(done)
            if key == ("base",):
                base, base_info = done.result()
                base_key = base_id(base_info)
                print(f"base: {base_info}", flush=True)
                pending[pool.submit(run, base, "zero-shot", args.target, 1.0, 0, TRAIN)] = ("zero",)
            elif key == ("zero",):  # the base is checked against the results file's
                zero = done.result()
                print(f"zero-shot: {zero}", flush=True)
                if not args.fresh_runs:
                    keep(kept_runs(args.target, base_info, zero))
                print(f"{len(kept)} runs kept from the results file", flush=True)
                for j in jobs:
                    if j not in scratch and j not in results:
                        ckpt = checkpoint_path(args.target, j, base_key, args.fresh_runs)
                        call = (base, j[0], args.target, j[1], j[2], TRAIN, ckpt)
                        pending[pool.submit(run, *call)] = j
            else:
                results[key] = done.result()
                print(f"{key[0]} {key[1]:.2f} seed {key[2]}: {results[key]}", flush=True)
                scratch_run = _strategy(key[0]) == "scratch"
                record = {"strategy": key[0], "fraction": key[1], "seed": key[2]}
                journal(
                    args.target,
                    {
                        **record,
                        "settings": run_settings(key[0]),
                        "base": None if scratch_run else base_key,
                        "invocation": invocation,
                        "finished": time.time(),
                        "result": results[key],
                    },
                )
    curve: dict[str, dict[str, Any]] = {}
    for strategy in args.strategies:
        curve[strategy] = {}
        for fraction in args.fractions:
            runs = [results[(strategy, fraction, seed)] for seed in args.seeds]
            curve[strategy][f"{fraction:g}"] = {
                "ndcg@10": summarise([r["ndcg@10"] for r in runs]),
                "recall@10": summarise([r["recall@10"] for r in runs]),
                "fit_s": round(float(np.mean([r["fit_s"] for r in runs])), 1),
                "epochs_run": [r["epochs_run"] for r in runs],
                "epoch_s": round(float(np.mean([r["epoch_s"] for r in runs])), 3),
                "trainable": runs[0]["trainable"],
                "total": runs[0]["total"],
                "adapter_bytes": runs[0]["adapter_bytes"],
                "train": {k: TRAIN[k] for k in TRAIN_RECORD},
                "adapt": {**STRATEGIES, **EXTRA_STRATEGIES}[strategy],
                "seeds": list(args.seeds),
            }
    name = f"transfer-{args.target}"
    previous = RESULTS / f"{name}.json"
    earlier_s = 0.0
    if previous.exists():  # keep the points not rerun (same base)
        old = json.loads(previous.read_text())
        if same_base(old, base_info, zero):
            earlier_s = old.get("total_s", 0.0) + old.get("earlier_total_s", 0.0)
            for strategy, points in old["curve"].items():  # fractions not rerun are kept
                curve[strategy] = {**points, **curve.get(strategy, {})}
            curve = {
                k: dict(sorted(curve[k].items(), key=lambda kv: float(kv[0])))
                for k in {**STRATEGIES, **EXTRA_STRATEGIES}
                if k in curve
            }
    env = environment()
    out = {
        "target": DATA[args.target],
        "split": "provided leave-one-out (train / valid / test)",
        "protocol": " ".join(__doc__.split("\n\n")[1].split()),
        "date": env["date"][:10],
        "machine": f"{env['platform']}, {env['cpus']} CPUs",
        "base": base_info,
        "anchors_recall@10_ndcg@10": ANCHORS.get(args.target, {}),
        "zero_shot": zero,
        "curve": curve,
        "total_s": round(time.perf_counter() - started, 1),
        "earlier_total_s": round(earlier_s, 1),
        "resumed": {"runs": reused, "earlier_calls": resumed_calls, "wall_s": round(resumed_s, 1)},
        "kept_from_results": len(kept),
        "workers": f"{args.workers} processes × {args.threads} torch thread(s)",
        "peak_rss_mb": round(max(_rss(resource.RUSAGE_SELF), _rss(resource.RUSAGE_CHILDREN)), 1),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(out, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown(out))
    plot(out, IMG / f"{name}.png")
    journal(args.target, {"written": invocation})
    print(markdown(out))


def _strategy(name: str) -> str:
    """The adaptation strategy a benchmark strategy name runs."""
    return str({**STRATEGIES, **EXTRA_STRATEGIES}.get(name, {"strategy": "full"})["strategy"])


def _rss(who: int) -> float:
    """Peak resident memory (MB) of this process or of its largest finished child."""
    return resource.getrusage(who).ru_maxrss / 1024


if __name__ == "__main__":
    main()
