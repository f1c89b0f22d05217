# SPDX-License-Identifier: MIT
"""Local vs Ray on one 2-core machine: encoding, batch top-K, start-up; writes
bench/results/scale.{json,md}

Protocol: MiniLM encoding of the first N amazon-games item texts (no cache) locally
(torch threads = 2) and on Ray with 1 and 2 single-threaded encoder actors (started per call,
so each timing includes loading MiniLM in every actor); top-10 for all 6,040 ml-1m users with
ALS (64 factors) and EASE (λ=500) locally and as Ray tasks (chunks of 512 users, model put in
the object store once); Ray start-up = ``ray.init`` to first finished task. Each timing is the
median of ``--repeats`` runs. Two cores cannot show a cluster's speed-up: the point is the
overhead, and the per-core rates that feed the cost model in docs/scale-out.md.

Usage: python bench/scale.py [--texts N] [--repeats R]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def timed(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--texts", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    import ray
    import torch

    import lmrec
    from lmrec.distributed import RayEncoder, init_ray, recommend_all
    from lmrec.evaluate.report import environment
    from lmrec.text import get_encoder

    t0 = time.perf_counter()
    init_ray(num_cpus=2)
    ray.get(ray.remote(lambda: 1).remote())
    startup_s = time.perf_counter() - t0

    games = lmrec.datasets.load("amazon-games")
    texts = [str(t) for t in games.item_text[: args.texts]]
    torch.set_num_threads(2)
    local = get_encoder("minilm", cache=False)
    local.encode(texts[:64])  # load the weights outside the timing
    rows: dict[str, Any] = {}
    rows["encode local (2 threads)"] = args.texts / timed(lambda: local.encode(texts), args.repeats)
    for workers in (1, 2):
        enc = RayEncoder("minilm", workers=workers, batch_size=256)
        enc.encode(texts[:64])  # actors are per call; this warms the object store and imports
        rate = args.texts / timed(lambda enc=enc: enc.encode(texts), args.repeats)
        rows[f"encode ray ({workers} worker{'s' if workers > 1 else ''})"] = rate
    encode = {k: round(v, 1) for k, v in rows.items()}

    ml = lmrec.datasets.load("ml-1m").binarize()
    topk: dict[str, Any] = {}
    for name, params in (("als", {"factors": 64}), ("ease", {"lam": 500})):
        model = lmrec.models.create(name, **params).fit(ml)
        for backend in ("local", "ray"):
            s = timed(
                lambda m=model, b=backend: recommend_all(m, k=10, backend=b, chunk_size=512),
                args.repeats,
            )
            topk[f"{name} {backend}"] = {"users_per_s": round(ml.n_users / s, 1), "s": round(s, 2)}
    env = environment()
    out = {
        "date": env["date"][:10],
        "machine": f"{env['platform']}, {env['cpus']} CPUs",
        "protocol": " ".join(__doc__.split("\n\n")[1].split()),
        "ray_version": ray.__version__,
        "ray_startup_s": round(startup_s, 2),
        "encode_texts_per_s": encode,
        "texts": args.texts,
        "batch_top10_ml1m": topk,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scale.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = [
        f"# Local vs Ray on one machine ({out['date']})",
        "",
        out["protocol"],
        "",
        f"Machine: {out['machine']}; Ray {out['ray_version']}; Ray start-up "
        f"{out['ray_startup_s']} s.",
        "",
        "| encoding (MiniLM) | texts/s |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in encode.items()],
        "",
        "| top-10 for 6,040 ml-1m users | users/s | s |",
        "|---|---|---|",
        *[f"| {k} | {v['users_per_s']} | {v['s']} |" for k, v in topk.items()],
    ]
    (RESULTS / "scale.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    ray.shutdown()


if __name__ == "__main__":
    main()
