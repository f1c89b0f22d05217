# SPDX-License-Identifier: MIT
"""Load test of ``lmrec serve`` on 127.0.0.1 with an ml-1m ALS model.

Measures, against a real uvicorn process (one worker, BLAS single-threaded):

* ``/recommend`` for known users at concurrency 16 and 64: requests/s, p50/p99 latency, errors
  (median of ``REPEATS`` runs of ``N_REQUESTS`` requests each);
* ``/feedback`` in batches of ``FEEDBACK_BATCH`` events at concurrency 16: events/s
  acknowledged (each acknowledged event is committed to SQLite first);
* feedback-to-effect: time from a ``/feedback`` 2xx to a ``/recommend`` reply for that (new)
  user that reflects the event;
* hot swap: failed requests while versions are activated during a concurrency-16 run.

The client (httpx, asyncio) shares the 2 cores with the server, so figures are lower bounds of
what the server alone sustains. Every loop is bounded in count and time.

Usage: python bench/load.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

import lmrec
from lmrec.evaluate.report import environment
from lmrec.serve import ModelRegistry

RESULTS = Path(__file__).parent / "results"
KEY, ADMIN = "bench-write-key", "bench-admin-key"
ALS = {"factors": 256, "regularization": 30.0, "iterations": 15}  # bench/baselines.py's choice
TIME_BOUND_S = 30.0
READY_S: dict[str, list[float]] = {}  # seconds from process start to a 200 from /ready
EXPLORE = "{slots: 2, pool: 20, policy: thompson}"  # the exploration run's config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def publish(root: Path) -> tuple[list[Any], float]:
    """Fit ALS on ml-1m (all events) twice (two seeds) and publish v1, v2; return user ids."""
    ds = lmrec.datasets.load("ml-1m").binarize()
    reg = ModelRegistry(root)
    t = time.perf_counter()
    for seed in (0, 1):
        model = lmrec.models.create("als", **ALS, seed=seed, num_threads=2).fit(ds)
        reg.publish(model, "ml1m-als")
    return ds.users.ids.tolist(), (time.perf_counter() - t) / 2


# the LM models served: registry name, label, model name and parameters
LM_MODELS = {
    "ml1m-content": ("content (MiniLM, 384-d)", "content", {"encoder": "minilm"}),
    "ml1m-distilled": (
        "distilled (64-d student of the MiniLM hybrid)",
        "distilled",
        {
            "encoder": "minilm",
            "teacher": "hybrid",
            "teacher_params": {"encoder": "minilm", "epochs": 20, "seed": 0},
            "max_users": 3000,
            "epochs": 20,
            "seed": 0,
        },
    ),
}


def publish_lm(root: Path, name: str) -> float:
    """Fit one of ``LM_MODELS`` on ml-1m (titles as text) and publish it as ``name`` v1."""
    ds = lmrec.datasets.load("ml-1m").binarize()
    _, model_name, params = LM_MODELS[name]
    t = time.perf_counter()
    model = lmrec.models.create(model_name, **params).fit(ds)
    ModelRegistry(root).publish(model, name)
    return time.perf_counter() - t


QUERIES = [
    "space adventure with aliens",
    "romantic comedy in new york",
    "animated film for children",
    "dark crime thriller",
    "world war two drama",
    "horror movie with a haunted house",
    "musical with songs and dancing",
    "science fiction about time travel",
]


def server_stack() -> str:
    """The event loop and HTTP parser of ``lmrec serve`` (httptools when installed)."""
    import importlib.util

    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"asyncio + {http}"  # lmrec serve's choice (see lmrec/cli/serve.py)


def start_server(
    root: Path, db: Path, model: str = "ml1m-als", extra: str = ""
) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    cfg = root / f"serve-{model}.yaml"
    cfg.write_text(
        f"registry: {root}\nmodel: {model}\nversion: v1\nevents_db: {db}\nport: {port}\n"
        "limits: {rate_per_s: 1000000, burst: 1000000, max_events: 1000}\n" + extra
    )
    env = {**os.environ, "LMREC_SERVE_KEY": KEY, "LMREC_ADMIN_KEY": ADMIN}
    args = [sys.executable, "-m", "lmrec", "serve", "--config", str(cfg), "--log-level", "warning"]
    with open(root / f"server-{model}.log", "wb") as log:
        proc = subprocess.Popen(args, env=env, stderr=log)
    url = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    end = t0 + 60
    while time.monotonic() < end:
        try:
            if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                key = model + (f" ({extra.strip()})" if extra else "")
                READY_S.setdefault(key, []).append(round(time.monotonic() - t0, 2))
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server not ready: {(root / f'server-{model}.log').read_text()[-2000:]}")


async def _run(
    url: str, concurrency: int, n: int, make: Any, path: str, headers: dict[str, str]
) -> dict[str, Any]:
    """``n`` POSTs of ``make(i)`` bodies from ``concurrency`` workers; latency stats."""
    lat: list[float] = []
    errors = 0
    counter = iter(range(n))
    end = time.monotonic() + TIME_BOUND_S
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10, headers=headers) as c:

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                if time.monotonic() > end:
                    return
                t = time.perf_counter()
                try:
                    r = await c.post(path, json=make(i))
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                lat.append(time.perf_counter() - t)
                errors += not ok

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    ms = np.array(lat) * 1000
    return {
        "requests": len(lat),
        "errors": errors,
        "rps": round(len(lat) / wall, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
    }


def recommend_load(url: str, users: list[Any], c: int, n: int, repeats: int) -> dict[str, Any]:
    """Medians over ``repeats`` runs (errors summed); wrk when installed (a C client that
    leaves the cores to the server), else httpx."""
    rng = random.Random(c)
    runs = []
    if shutil.which("wrk"):  # warm-up, discarded: first calls import and allocate lazily
        _wrk(url, users, c, seconds=2)
    for _ in range(repeats):
        if shutil.which("wrk"):
            runs.append(_wrk(url, users, c, seconds=max(3, n // 300)))
        else:
            body = lambda i: {"user": rng.choice(users), "k": 10}  # noqa: E731
            runs.append(asyncio.run(_run(url, c, n, body, "/recommend", {})))
    # each figure is the median over the runs (a single pause in a 6-s run at 64 connections
    # moves that run's p99 by tens of ms); every run's figures are kept
    med = {
        key: float(np.median([r[key] for r in runs]))
        for key in ("rps", "p50_ms", "p99_ms", "requests", "errors")
    }
    med["requests"], med["errors"] = int(med["requests"]), sum(int(r["errors"]) for r in runs)
    return {
        **runs[0],
        **med,
        "runs_rps": [r["rps"] for r in runs],
        "runs_p99_ms": [r["p99_ms"] for r in runs],
    }


_LUA = """
math.randomseed(7)
local users = {%s}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local u = users[math.random(1, #users)]
  return wrk.format(nil, "/recommend", nil, '{"user": ' .. u .. ', "k": 10}')
end
"""


def _wrk(url: str, users: list[Any], c: int, seconds: int) -> dict[str, Any]:
    """One bounded wrk run (one client thread, ``c`` connections)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(_LUA % ", ".join(json.dumps(u) for u in users))
    cmd = ["wrk", "-t1", f"-c{c}", f"-d{seconds}s", "--latency", "-s", f.name, url]
    text = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    os.unlink(f.name)

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if m is None:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    total = re.search(r"(\d+) requests in", text)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    return {
        "client": "wrk",
        "requests": int(total.group(1)) if total else 0,
        "errors": (int(bad.group(1)) if bad else 0)
        + (sum(int(x) for x in sock.groups()) if sock else 0),
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": round(ms("50"), 2),
        "p99_ms": round(ms("99"), 2),
        "seconds": seconds,
    }


def feedback_load(url: str, n_events: int, batch: int, run: int) -> dict[str, Any]:
    def make(i: int) -> dict[str, Any]:
        return {
            "events": [
                {"event_id": f"r{run}-{i}-{j}", "user": f"fb{i % 500}", "item": 1 + j}
                for j in range(batch)
            ]
        }

    out = asyncio.run(_run(url, 16, n_events // batch, make, "/feedback", {"X-API-Key": KEY}))
    out["events_per_s"] = round(out["rps"] * batch, 1)
    return out


def feedback_to_effect(url: str, n_users: int = 20) -> dict[str, Any]:
    """Seconds from a /feedback 2xx to a /recommend reply reflecting it (new users)."""
    took = []
    with httpx.Client(base_url=url, timeout=5) as c:
        for u in range(n_users):
            user = f"effect-{u}-{time.time_ns()}"
            before = c.post("/recommend", json={"user": user, "k": 10}).json()["items"]
            item = before[0]["item"]
            ev = {"events": [{"event_id": f"{user}-e", "user": user, "item": item}]}
            assert c.post("/feedback", json=ev, headers={"X-API-Key": KEY}).status_code == 200
            t = time.perf_counter()
            for _ in range(100):  # bounded: the first request already reflects it
                after = c.post("/recommend", json={"user": user, "k": 10}).json()
                if after["source"] == "feedback" and item not in [
                    x["item"] for x in after["items"]
                ]:
                    break
            took.append(time.perf_counter() - t)
    return {"users": n_users, "median_s": statistics.median(took), "max_s": max(took)}


def hot_swap(url: str, users: list[Any], n: int) -> dict[str, Any]:
    async def both() -> dict[str, Any]:
        rng = random.Random(3)
        load = asyncio.create_task(
            _run(url, 16, n, lambda i: {"user": rng.choice(users), "k": 10}, "/recommend", {})
        )
        swaps = 0
        async with httpx.AsyncClient(base_url=url, timeout=60) as c:
            for v in ["v2", "v1", "v2", "v1"]:
                await asyncio.sleep(0.3)
                r = await c.post(f"/admin/models/{v}/activate", headers={"X-API-Key": ADMIN})
                swaps += r.status_code == 200
        return {**(await load), "activations": swaps}

    return asyncio.run(both())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer requests (a smoke run)")
    ap.add_argument("--no-text", action="store_true", help="skip the MiniLM content model")
    args = ap.parse_args()
    n, repeats = (500, 1) if args.quick else (3000, 3)
    out: dict[str, Any] = {"environment": environment(), "model": {"name": "als", **ALS}}
    out["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    out["server"] = server_stack()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        users, fit_s = publish(root)
        out["model"]["fit_s"] = round(fit_s, 2)
        proc, url = start_server(root, root / "events.db")
        try:
            asyncio.run(_run(url, 8, 300, lambda i: {"user": users[i], "k": 10}, "/recommend", {}))
            out["recommend"] = {
                f"c{c}": recommend_load(url, users, c, n, repeats) for c in (16, 64)
            }
            out["feedback"] = feedback_load(url, 10 * n, 50, 0)
            out["feedback_to_effect"] = feedback_to_effect(url)
            out["hot_swap"] = hot_swap(url, users, n)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        proc, url = start_server(root, root / "events-2w.db", extra="workers: 2\n")
        try:
            out["two_workers"] = {
                f"c{c}": recommend_load(url, users, c, n, repeats) for c in (16, 64)
            }
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        proc, url = start_server(root, root / "events-explore.db", extra=f"explore: {EXPLORE}\n")
        try:
            out["explore"] = {"config": EXPLORE}
            out["explore"]["recommend"] = {
                f"c{c}": recommend_load(url, users, c, n, repeats) for c in (16, 64)
            }
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        if not args.no_text:
            out["text"] = lm_model(root, "ml1m-content", users, n, repeats)
            out["distilled"] = lm_model(root, "ml1m-distilled", users, n, repeats)
    out["catalogue"] = {"users": len(users), "items": 3706}
    out["start_to_ready_s"] = READY_S
    suffix = "-quick" if args.quick else ""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"load{suffix}.json").write_text(json.dumps(out, indent=2) + "\n")
    (RESULTS / f"load{suffix}.md").write_text(markdown(out))
    print(markdown(out))


def lm_model(root: Path, name: str, users: list[Any], n: int, repeats: int) -> dict[str, Any]:
    """One of ``LM_MODELS``: known users (wrk) and free-text queries (httpx, c16)."""
    out: dict[str, Any] = {"model": LM_MODELS[name][0], "fit_s": round(publish_lm(root, name), 2)}
    proc, url = start_server(root, root / f"events-{name}.db", name)
    try:
        t = time.perf_counter()  # the first query loads sentence-transformers and the encoder
        httpx.post(f"{url}/recommend", json={"query": QUERIES[0], "k": 10}, timeout=300)
        out["first_query_s"] = round(time.perf_counter() - t, 2)
        out["recommend"] = {f"c{c}": recommend_load(url, users, c, n, repeats) for c in (16, 64)}
        body = lambda i: {"query": f"{QUERIES[i % len(QUERIES)]} {i}", "k": 10}  # noqa: E731
        out["query_c16"] = asyncio.run(_run(url, 16, n // 5, body, "/recommend", {}))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    proc, url = start_server(root, root / f"events-{name}-2w.db", name, extra="workers: 2\n")
    try:  # one worker per core: the deployment for this machine
        out["two_workers"] = {f"c{c}": recommend_load(url, users, c, n, repeats) for c in (16, 64)}
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return out


def markdown(out: dict[str, Any]) -> str:
    env = out["environment"]
    lines = [
        "# Service load test (`bench/load.py`)",
        "",
        f"ml-1m ALS ({out['model']['factors']} factors, {out['catalogue']['items']:,} items), "
        "`lmrec serve` with one uvicorn worker "
        f"({out.get('server', 'asyncio + h11')}) on 127.0.0.1; the client (wrk for /recommend "
        "when installed, else httpx; httpx for the rest) runs on the same 2 cores. "
        f"Measured {env.get('date', '')}; 1/5/15-min load average before the run "
        f"{out['load_average_before']} (other jobs shared the machine when it is above 0).",
        "",
        "| endpoint | concurrency | requests | errors | req/s | p50 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for c, r in out["recommend"].items():
        lines.append(
            f"| /recommend (known users, k=10) | {c[1:]} | {r['requests']} | {r['errors']} | "
            f"{r['rps']} | {r['p50_ms']} | {r['p99_ms']} |"
        )
    f = out["feedback"]
    lines.append(
        f"| /feedback (50 events per request) | 16 | {f['requests']} | {f['errors']} | "
        f"{f['rps']} ({f['events_per_s']:,} events/s) | {f['p50_ms']} | {f['p99_ms']} |"
    )
    for c, r in out.get("two_workers", {}).items():
        lines.append(
            f"| /recommend, ALS, **2 worker processes** | {c[1:]} | {r['requests']} | "
            f"{r['errors']} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} |"
        )
    if "explore" in out:
        for c, r in out["explore"]["recommend"].items():
            lines.append(
                f"| /recommend, ALS + exploration `{out['explore']['config']}` | {c[1:]} | "
                f"{r['requests']} | {r['errors']} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} |"
            )
    h = out["hot_swap"]
    lines.append(
        f"| /recommend during {h['activations']} activations | 16 | {h['requests']} | "
        f"{h['errors']} | {h['rps']} | {h['p50_ms']} | {h['p99_ms']} |"
    )
    for t in (out[key] for key in ("text", "distilled") if key in out):
        for c, r in t["recommend"].items():
            lines.append(
                f"| /recommend, {t['model']}, known users | {c[1:]} | {r['requests']} | "
                f"{r['errors']} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} |"
            )
        for c, r in t.get("two_workers", {}).items():
            lines.append(
                f"| /recommend, {t['model']}, known users, **2 worker processes** | {c[1:]} | "
                f"{r['requests']} | {r['errors']} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} |"
            )
        q = t["query_c16"]
        lines.append(
            f"| /recommend, {t['model']}, text queries (httpx) | 16 | {q['requests']} | "
            f"{q['errors']} | {q['rps']} | {q['p50_ms']} | {q['p99_ms']} |"
        )
    e = out["feedback_to_effect"]
    rows = [("ALS", c, r) for c, r in out["recommend"].items()]
    rows += [("ALS 2 workers", c, r) for c, r in out.get("two_workers", {}).items()]
    rows += [
        ("ALS + exploration", c, r) for c, r in out.get("explore", {}).get("recommend", {}).items()
    ]
    rows += [
        (out[key]["model"] + suffix, c, r)
        for key in ("text", "distilled")
        if key in out
        for part, suffix in (("recommend", ""), ("two_workers", " 2 workers"))
        for c, r in out[key].get(part, {}).items()
    ]
    met = [f"{m} c{c[1:]}" for m, c, r in rows if r["rps"] >= 500 and r["p99_ms"] <= 50]
    lines += [
        "",
        "Target ≥ 500 req/s at p99 ≤ 50 ms for /recommend (known users) met by: "
        + (", ".join(met) or "none")
        + "; missed by: "
        + (", ".join(f"{m} c{c[1:]}" for m, c, r in rows if f"{m} c{c[1:]}" not in met) or "none")
        + ".",
        "",
        f"Feedback-to-effect (new users, time from the `/feedback` 2xx to a `/recommend` reply "
        f"reflecting it, {e['users']} users): median {e['median_s'] * 1000:.1f} ms, "
        f"max {e['max_s'] * 1000:.1f} ms: the first request after the acknowledgement.",
        "",
        "Start (or restart) to ready, seconds from the process start to the first 200 from "
        "`/ready` (imports, verified model load, event store open): "
        + "; ".join(f"{m}: {v}" for m, v in out.get("start_to_ready_s", {}).items())
        + ".",
        "",
        "/recommend rows are medians over runs (errors summed); ALS runs, req/s "
        + ", ".join(f"c{c[1:]}: {r['runs_rps']}" for c, r in out["recommend"].items())
        + "; p99 ms "
        + ", ".join(f"c{c[1:]}: {r.get('runs_p99_ms')}" for c, r in out["recommend"].items()),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
