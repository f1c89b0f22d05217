# SPDX-License-Identifier: MIT
"""Durable event store: SQLite in WAL mode with ``synchronous=FULL``, group-committed.

One writer thread owns the write connection. Callers :meth:`EventStore.submit` a batch and get a
future that resolves only after the transaction holding it is committed (so a 2xx reply means
the event is on disk). Everything queued while a commit runs goes into the next transaction,
which is what makes small concurrent batches fast. Events are idempotent by ``event_id``
(``INSERT OR IGNORE``): a resent event is acknowledged again but stored once.

Stability: experimental.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_log = logging.getLogger(__name__)
IDLE_S = 0.5  # longest delay of a buffered served-list row
SERVED_SQL = (
    "INSERT INTO served (request_id, ts, user_id, scenario, model, version, policy, items,"
    " scores, propensities) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  value REAL NOT NULL,
  kind TEXT NOT NULL,
  ts REAL NOT NULL,
  received REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS events_user ON events (user_id, seq);
CREATE TABLE IF NOT EXISTS served (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL,
  ts REAL NOT NULL,
  user_id TEXT,
  scenario TEXT,
  model TEXT NOT NULL,
  version TEXT NOT NULL,
  policy TEXT NOT NULL,
  items TEXT NOT NULL,
  scores TEXT NOT NULL,
  propensities TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
  item_id TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  text TEXT NOT NULL,
  added REAL NOT NULL
);
"""


class StoreClosed(RuntimeError):
    """The store was closed (the service is shutting down); nothing was queued."""


@dataclass(frozen=True)
class Event:
    """One feedback event (ids as strings; ``ts`` in Unix seconds)."""

    event_id: str
    user_id: str
    item_id: str
    value: float = 1.0
    kind: str = "interaction"
    ts: float = 0.0


@dataclass
class _Job:
    sql: str
    rows: list[tuple[Any, ...]]
    future: Future[int] = field(default_factory=Future)
    done: list[int] = field(default_factory=list)


def connect(path: Path | str, readonly: bool = False) -> sqlite3.Connection:
    """A connection in WAL mode with ``synchronous=FULL`` (also used by tests and tools)."""
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=30000")
    if not readonly:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


class EventStore:
    """Feedback events, served lists and added items in one SQLite file."""

    def __init__(self, path: Path | str, flush_ms: float = 2.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._wconn = connect(self.path)
        self._wconn.executescript(SCHEMA)
        self._flush_s = flush_ms / 1000
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._local = threading.local()
        self._served: collections.deque[tuple[Any, ...]] = collections.deque()
        self._closed = False
        self._gate = threading.Lock()  # no job can be queued behind the stop marker
        self._writer = threading.Thread(target=self._run, name="lmrec-event-writer", daemon=True)
        self._writer.start()

    # ------------------------------------------------------------------ writes
    def submit(self, events: Sequence[Event]) -> Future[int]:
        """Queue events; the future gives the number newly stored once they are committed."""
        now = time.time()
        rows = [
            (e.event_id, e.user_id, e.item_id, e.value, e.kind, e.ts or now, now) for e in events
        ]
        sql = (
            "INSERT OR IGNORE INTO events (event_id, user_id, item_id, value, kind, ts, received)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        return self._put(_Job(sql, rows))

    def log_served(self, row: tuple[Any, ...]) -> None:
        """Buffer one served list (request_id, ts, user, scenario, model, version, policy, items,
        scores, propensities). Not awaited: the writer commits the buffer with its next transaction
        (within ``IDLE_S``) and on close; served logs are best effort, events are not."""
        self._served.append((*row[:7], *(json.dumps(x) for x in row[7:])))

    def add_items(self, model: str, items: Sequence[tuple[str, str]]) -> Future[int]:
        """Record items added to ``model`` (item id, text), durably."""
        now = time.time()
        sql = "INSERT OR REPLACE INTO items (item_id, model, text, added) VALUES (?, ?, ?, ?)"
        return self._put(_Job(sql, [(i, model, t, now) for i, t in items]))

    def _put(self, job: _Job) -> Future[int]:
        with self._gate:
            if self._closed:
                raise StoreClosed("event store is closed")
            self._queue.put(job)
        return job.future

    def _run(self) -> None:
        while True:
            try:
                job = self._queue.get(timeout=IDLE_S)
            except queue.Empty:
                if self._served:
                    self._commit([])
                continue
            jobs = [] if job is None else [job]
            stop = job is None
            deadline = time.monotonic() + self._flush_s
            while not stop and len(jobs) < 10_000:
                try:
                    nxt = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                jobs.append(nxt)
            self._commit(jobs)
            if stop:
                return

    def _commit(self, jobs: list[_Job]) -> None:
        conn = self._wconn
        try:
            served = [self._served.popleft() for _ in range(len(self._served))]
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(SERVED_SQL, served)
            for job in jobs:
                job.done = []
                for row in job.rows:
                    cur = conn.execute(job.sql, row)
                    job.done.append(cur.rowcount)
            conn.execute("COMMIT")
        except Exception as e:  # the whole group failed: tell every waiter
            _log.error("event commit failed: %s", e)
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(e)
            return
        for job in jobs:
            if not job.future.done():
                job.future.set_result(sum(job.done))

    def close(self) -> None:
        """Commit everything queued, stop the writer and close the connections."""
        with self._gate:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        self._writer.join(timeout=30)
        self._wconn.close()

    # ------------------------------------------------------------------ reads
    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, readonly=True)
            self._local.conn = conn
        return conn

    def user_events(self, user_id: str, limit: int = 500) -> list[tuple[str, float]]:
        """The user's most recent ``limit`` events as (item id, value), oldest first."""
        rows = self._reader().execute(
            "SELECT item_id, value FROM events WHERE user_id = ? ORDER BY seq DESC LIMIT ?",
            (user_id, limit),
        )
        return [(str(i), float(v)) for i, v in rows.fetchall()][::-1]

    def added_items(self, model: str) -> list[tuple[str, str]]:
        """Items added to ``model`` through the service, in order."""
        rows = self._reader().execute(
            "SELECT item_id, text FROM items WHERE model = ? ORDER BY added, item_id", (model,)
        )
        return [(str(i), str(t)) for i, t in rows.fetchall()]

    def served_since(self, ts: float) -> list[tuple[float, str | None, str, list[str]]]:
        """Served lists logged at or after ``ts`` as (ts, user, policy, item ids), in order."""
        rows = self._reader().execute(
            "SELECT ts, user_id, policy, items FROM served WHERE ts >= ? ORDER BY seq", (ts,)
        )
        return [
            (float(t), u, str(p), [str(i) for i in json.loads(x)]) for t, u, p, x in rows.fetchall()
        ]

    def events_since(self, ts: float) -> list[tuple[float, str, str, float]]:
        """Events received at or after ``ts`` as (received, user, item, value), in order."""
        rows = self._reader().execute(
            "SELECT received, user_id, item_id, value FROM events WHERE received >= ? ORDER BY seq",
            (ts,),
        )
        return [(float(t), str(u), str(i), float(v)) for t, u, i, v in rows.fetchall()]

    def count(self, table: str = "events") -> int:
        """Rows in ``table`` (events, served or items)."""
        if table not in ("events", "served", "items"):
            raise ValueError(f"unknown table {table!r}")
        return int(self._reader().execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
