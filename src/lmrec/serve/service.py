# SPDX-License-Identifier: MIT
"""The service's state and logic, independent of HTTP: the active model, the event store and
the recommendation, feedback, catalogue and activation operations.

Hot swap: a request reads ``self.active`` once and uses that object to the end, so activating
a version (load + verify first, then one reference assignment) never disturbs requests in
flight. Catalogue changes are copy-on-write for the same reason.

Stability: experimental.
"""

from __future__ import annotations

import copy
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np

from lmrec.errors import ConfigError, ModelError, UnknownIdError
from lmrec.models import Recommender, UserBatch
from lmrec.serve import _explain
from lmrec.serve.config import ServeConfig
from lmrec.serve.events import Event, EventStore
from lmrec.serve.explore import Explorer
from lmrec.serve.registry import ModelRegistry
from lmrec.serve.schemas import FeedbackEvent, NewItem, RecommendRequest

_log = logging.getLogger("lmrec.serve")


@dataclass(frozen=True)
class Active:
    """The model being served and where it came from."""

    name: str
    version: str
    model: Recommender
    loaded_at: float


@dataclass
class _Subject:
    """A request resolved against one model: dense history, values, text, exclusions."""

    history: np.ndarray
    values: np.ndarray
    text: str | None
    source: str
    exclude: np.ndarray
    user_key: str | None
    unknown: list[Any]
    user_index: int = -1


class Service:
    """Everything behind the endpoints."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.registry = ModelRegistry(config.registry)
        self.active: Active | None = None
        self.store: EventStore | None = None
        self.explorer = Explorer(config.explore) if config.explore else None
        self.on_activate: Callable[[Active], None] | None = None  # e.g. the metrics' model gauge
        self._swap = threading.Lock()
        self._stopping = threading.Event()
        self._sync: threading.Thread | None = None
        self._n_added = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Open the event store and load the configured version (verified)."""
        version = self.registry.resolve(self.config.model, self.config.version)
        self.store = EventStore(self.config.events_db, flush_ms=self.config.flush_ms)
        if self.explorer is not None:
            since = time.time() - self.explorer.config.replay_s
            n = self.explorer.replay(self.store.served_since(since), self.store.events_since(since))
            _log.info("explorer replayed", extra={"rows": n})
        self.activate(version, record=False)
        if self.config.workers > 1:
            self._n_added = self.store.count("items")
            self._sync = threading.Thread(target=self._follow, name="lmrec-sync", daemon=True)
            self._sync.start()

    def stop(self) -> None:
        """Stop following other workers; flush and close the event store (pending events are
        committed first)."""
        self._stopping.set()
        if self._sync is not None:
            self._sync.join(timeout=30)
        if self.store is not None:
            self.store.close()

    def _follow(self) -> None:
        """With several workers: adopt the version another worker activated and the items it
        added, every ``sync_s`` seconds (the registry and the event store are shared)."""
        while not self._stopping.wait(self.config.sync_s):
            try:
                self.sync()
            except Exception as e:  # keep serving the current model; try again next time
                _log.error("sync failed: %s", e)

    def sync(self) -> None:
        """Activate the registry's recorded version if it differs from ours, and add the items
        other workers added since the last call."""
        act, store = self.current(), self._store()
        wanted = self.registry.active(self.config.model)
        if wanted is not None and wanted != act.version:
            self.activate(wanted, record=False)  # also re-adds every stored item
            self._n_added = store.count("items")
            return
        n = store.count("items")
        if n == self._n_added:
            return
        with self._swap:
            act = self.current()
            new = _writable_copy(act.model)
            before = new.n_items
            self._reapply_items(new)
            if new.n_items != before:
                self.active = Active(act.name, act.version, new, act.loaded_at)
            self._n_added = n

    def ready(self) -> bool:
        """Whether a model is active and the store is open."""
        return self.active is not None and self.store is not None

    def _store(self) -> EventStore:
        if self.store is None:
            raise ModelError("the service is not started")
        return self.store

    def current(self) -> Active:
        """The active model (ModelError before :meth:`start`)."""
        act = self.active
        if act is None:
            raise ModelError("no model is active yet")
        return act

    # ------------------------------------------------------------------ models
    def activate(self, version: str, record: bool = True) -> Active:
        """Load and verify ``version``, re-add service-added items, then swap it in.

        Raises:
            ArtifactError: missing or tampered artifact; the current model stays active.
        """
        name = self.config.model
        with self._swap:
            model = self.registry.load(name, version)
            self._reapply_items(model)
            if "torch" in sys.modules:
                sys.modules["torch"].set_num_threads(1)
            if record:
                try:
                    self.registry.set_active(name, version)
                except OSError as e:  # e.g. a read-only registry mount: serve it anyway
                    _log.warning("could not record the active version: %s", e)
            act = self.active = Active(name, version, model, time.time())
        _log.info("model active", extra={"model": name, "version": version})
        if self.on_activate is not None:
            self.on_activate(act)
        return act

    def _reapply_items(self, model: Recommender) -> None:
        add = getattr(model, "add_items", None)
        if self.store is None or not callable(add):
            return
        new = [(_coerce_id(model, i), t) for i, t in self.store.added_items(self.config.model)]
        new = [(i, t) for i, t in new if i not in model.items_]
        if new:
            add([i for i, _ in new], [t for _, t in new])

    # ------------------------------------------------------------------ recommend
    def recommend(self, req: RecommendRequest) -> dict[str, Any]:
        """A top-k list for one request (see :class:`RecommendRequest`)."""
        act = self.current()
        m = act.model
        subj = self._subject(m, req)
        if subj.source == "user":  # the trained model as is
            batch = m.batch(subj.user_index)
        else:
            base = UserBatch.from_histories([subj.history], m.n_items, [subj.values.tolist()])
            text = (subj.text,) if subj.text else None
            batch = UserBatch(base.index, base.history, text, base.sequences)  # order kept
        exclude = _dense(m, req.exclude or [], subj.unknown)
        exclude = np.concatenate([exclude, subj.exclude])
        include = None if req.include is None else _dense(m, req.include, subj.unknown)
        k = min(req.k, m.n_items)
        ex = self.explorer
        n_head = k if ex is None else max(k - ex.config.slots, 0)
        recs = m.recommend(
            batch,
            k=k if ex is None else min(n_head + ex.config.pool, m.n_items),
            exclude_seen=req.exclude_seen,
            candidates=include,
            exclude=exclude if len(exclude) else None,
        )
        idx = recs.items[0]
        keep = (idx >= 0) & np.isfinite(recs.scores[0])
        idx, scores = idx[keep], recs.scores[0][keep]
        props = np.ones(min(n_head, len(idx)))
        if ex is not None and len(idx) > n_head:
            pos, p = ex.choose([str(i) for i in m.items_.ids[idx[n_head:]].tolist()], k - n_head)
            idx = np.concatenate([idx[:n_head], idx[n_head:][pos]])
            scores = np.concatenate([scores[:n_head], scores[n_head:][pos]])
            props = np.concatenate([props, p])
        idx, scores = idx[:k], scores[:k]
        items = m.items_.ids[idx].tolist()
        out = [
            {"item": i, "score": round(float(s), 6), "propensity": round(float(p), 6)}
            for i, s, p in zip(items, scores, props, strict=True)
        ]
        if req.explain:
            hist = subj.history if subj.source != "user" else batch.history.indices
            hist = np.asarray(hist, np.int64)
            for row, why in zip(out, _explain.reasons(m, idx, hist, subj.text), strict=True):
                row["reason"] = why
        request_id = uuid.uuid4().hex
        self._store().log_served(
            (
                request_id,
                time.time(),
                subj.user_key,
                req.scenario,
                act.name,
                act.version,
                "deterministic" if ex is None else ex.label(max(len(items) - n_head, 0)),
                items,
                [r["score"] for r in out],
                [r["propensity"] for r in out],
            )
        )
        if ex is not None:  # the explored slots open impressions
            ex.served(subj.user_key, [str(i) for i in items[n_head:]])
        return {
            "request_id": request_id,
            "model": act.name,
            "version": act.version,
            "source": subj.source,
            "items": out,
            "unknown_items": subj.unknown,
        }

    def _subject(self, m: Recommender, req: RecommendRequest) -> _Subject:
        unknown: list[Any] = []
        hist = np.empty(0, np.int64)
        vals = np.empty(0, np.float32)
        exclude = np.empty(0, np.int64)
        user_key = None
        source = "history"
        uidx = -1
        if req.user is not None:
            user_key = str(req.user)
            events = self._store().user_events(user_key, self.config.limits.history_limit)
            uidx = int(m.users_.index([req.user], missing="negative")[0])
            if uidx >= 0 and not events:
                source = "user"
            else:
                hist, vals, exclude = _with_events(m, uidx, events)
                source = "user+feedback" if uidx >= 0 else "feedback"
        elif req.history is not None:
            hist = _dense(m, req.history, unknown)
            vals = np.ones(len(hist), np.float32)
        text = req.query if req.query and m.reads_text() else None
        if text and source in ("history", "feedback") and len(hist) == 0:
            source = "query" if req.user is None else "fallback:query"
        elif text:
            source += "+query"
        elif len(hist) == 0 and source != "user":
            source = "fallback:popularity"
        if text and source == "user+query":  # known user and a query: the history as ad hoc
            row = m.train_[uidx]
            hist, vals = row.indices.astype(np.int64), np.asarray(row.data, np.float32)
        return _Subject(hist, vals, text, source, exclude, user_key, unknown, uidx)

    # ------------------------------------------------------------------ feedback
    def feedback(self, events: Sequence[FeedbackEvent]) -> Future[int]:
        """Queue events for a durable commit; the future resolves after the commit."""
        rows = [
            Event(e.event_id, str(e.user), str(e.item), e.value, e.kind, e.ts or 0.0)
            for e in events
        ]
        done = self._store().submit(rows)
        ex = self.explorer
        if ex is not None:  # rewards count once the events are durable

            def learn(f: Future[int]) -> None:
                if f.exception() is None:
                    ex.feedback([(r.user_id, r.item_id, r.value) for r in rows])

            done.add_done_callback(learn)
        return done

    # ------------------------------------------------------------------ catalogue
    def add_items(self, items: Sequence[NewItem]) -> tuple[list[Any], int]:
        """Add text items to the active model (copy-on-write) and record them durably."""
        with self._swap:
            act = self.current()
            if not callable(getattr(act.model, "add_items", None)):
                raise ConfigError(
                    f"model {act.model.name!r} cannot add items at serving time; only text "
                    "models (content, hybrid, content_learned) can. Retrain and publish instead."
                )
            ids = [_coerce_id(act.model, i.id) for i in items]
            if len(set(ids)) != len(ids):
                raise ModelError("add_items: duplicate ids in the request")
            new = _writable_copy(act.model)
            new.add_items(ids, [i.text for i in items])  # type: ignore[attr-defined]
            self._store().add_items(
                self.config.model, [(str(i), x.text) for i, x in zip(ids, items, strict=True)]
            ).result(timeout=30)
            self.active = Active(act.name, act.version, new, act.loaded_at)
        return ids, new.n_items

    def similar(self, item: str, k: int) -> dict[str, Any]:
        """Items most similar to ``item`` (external id)."""
        act = self.current()
        m = act.model
        if item not in m.items_:
            raise UnknownIdError(f"unknown item id {item!r}")
        idx = int(m.items_.index([item])[0])
        pairs = _explain.similar(m, idx, min(k, m.n_items - 1))
        return {
            "item": m.items_.ids[idx].item(),
            "model": act.name,
            "version": act.version,
            "items": [{"item": _plain(i), "score": round(float(s), 6)} for i, s in pairs],
        }


def _writable_copy(model: Recommender) -> Recommender:
    """A shallow copy that may take new items while requests keep using ``model``."""
    new = copy.copy(model)
    if hasattr(new, "index_"):
        new.index_ = None  # the faiss index is shared with the old object: rebuild
    return new


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _dense(m: Recommender, ids: Sequence[Any], unknown: list[Any]) -> np.ndarray:
    """Dense indices of the known ``ids``; unknown ones are appended to ``unknown``."""
    if not ids:
        return np.empty(0, np.int64)
    idx = m.items_.index(list(ids), missing="negative")
    unknown.extend(i for i, j in zip(ids, idx, strict=True) if j < 0)
    return np.asarray(idx[idx >= 0], np.int64)


def _with_events(
    m: Recommender, user: int, events: list[tuple[str, float]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """History (dense items, values) = training row (known users; in time order for sequential
    models) + positive feedback in arrival order; items with non-positive feedback are returned
    for exclusion."""
    hist = [np.empty(0, np.int64)]
    vals = [np.empty(0, np.float32)]
    if user >= 0:
        row = m.train_[user]
        seqs = getattr(m, "seqs_", None)  # sequential models: the training events in time order
        if seqs is not None:
            seq = np.asarray(seqs[user], np.int64)
            hist.append(seq)
            vals.append(np.asarray(row[0, seq].toarray(), np.float32).ravel())
        else:
            hist.append(row.indices.astype(np.int64))
            vals.append(np.asarray(row.data, np.float32))
    found: Any = m.items_.index([i for i, _ in events], missing="negative") if events else []
    values = np.array([v for _, v in events], np.float32)
    items = np.asarray(found, np.int64)
    ok = items >= 0
    pos = ok & (values > 0)
    hist.append(items[pos])
    vals.append(values[pos])
    return np.concatenate(hist), np.concatenate(vals), items[ok & ~(values > 0)]


def _coerce_id(m: Recommender, value: Any) -> Any:
    """``value`` in the catalogue's id type (integer catalogues need integer ids)."""
    if m.items_.ids.dtype.kind in "iu":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ModelError(
                f"item id {value!r} is not an integer, but this catalogue uses integer ids"
            ) from None
    return str(value)
