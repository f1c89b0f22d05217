# SPDX-License-Identifier: MIT
"""The FastAPI application: routes over :class:`Service`, with keys, limits and JSON errors.

Every error is JSON ``{"error": code, "message": text}``: 401 missing/invalid key, 404 unknown
id or route, 409 refused artifact or a model that cannot do it, 413 body too large, 422 invalid
request, 429 rate limit (with ``Retry-After``), 503 not ready. An unknown user is never an
error: it gets the cold-start fallback (its feedback, the text query, or popularity).

Stability: experimental.
"""

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from lmrec.serve import schemas as s
from lmrec.serve._http import ERROR_CODES, ApiError, Guards, error, install_handlers
from lmrec.serve._observe import Metrics, ObserveMiddleware, json_logging
from lmrec.serve.config import ServeConfig
from lmrec.serve.events import StoreClosed
from lmrec.serve.security import BodyLimitMiddleware
from lmrec.serve.service import Service


def create_app(config: ServeConfig) -> FastAPI:
    """Build the service app; the model is loaded (and verified) at startup.

    Raises:
        ConfigError: an API-key environment variable named by the config is not set.
    """
    service, metrics, guards = Service(config), Metrics(), Guards(config)
    service.on_activate = lambda act: metrics.set_model(act.name, act.version)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(service.start)
        try:
            yield
        finally:
            await run_in_threadpool(service.stop)  # commits every queued event
            if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # drop this worker's live gauges
                from prometheus_client import multiprocess

                multiprocess.mark_process_dead(os.getpid())

    app = FastAPI(
        title="lmrec service",
        version="1",
        description=__doc__,
        lifespan=lifespan,
        responses={c: {"model": s.ErrorResponse, "description": d} for c, d in ERROR_CODES},
    )
    app.state.service, app.state.metrics = service, metrics
    install_handlers(app)
    _recommend_routes(app, service, guards)
    _write_routes(app, service, metrics, guards)
    _ops_routes(app, service, metrics)
    _admin_routes(app, service, metrics, guards)
    app.add_middleware(BodyLimitMiddleware, max_bytes=config.limits.max_body_bytes)
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=config.cors_origins)
    app.add_middleware(ObserveMiddleware, metrics=metrics)
    return app


CONFIG_ENV = "LMREC_SERVE_CONFIG_JSON"  # how ``lmrec serve --workers N`` hands the config over


def app_from_env() -> FastAPI:
    """The app of one worker process of ``lmrec serve`` with ``workers > 1`` (a uvicorn
    factory): the validated config comes as JSON in ``LMREC_SERVE_CONFIG_JSON``."""
    from threadpoolctl import threadpool_limits

    level = os.environ.get("LMREC_SERVE_LOG_LEVEL", "info").upper()
    json_logging(getattr(logging, level, logging.INFO))
    threadpool_limits(1)
    return create_app(ServeConfig.model_validate_json(os.environ[CONFIG_ENV]))


def _check_k(k: int, max_k: int) -> None:
    if k > max_k:
        raise ApiError(422, "validation_error", f"k: must be ≤ {max_k}")


def _recommend_routes(app: FastAPI, service: Service, guards: Guards) -> None:
    max_k = service.config.limits.max_k
    reader = Depends(guards.reader)
    encoding = asyncio.Semaphore(2)  # more concurrent query encodes only starve each other

    @app.post(
        "/recommend",
        response_model=s.RecommendResponse,
        response_model_exclude_none=True,
        tags=["recommend"],
    )
    async def recommend(req: s.RecommendRequest, _: Annotated[str, reader]) -> Any:
        """Top-k items for a user id, an ad-hoc history or a text query."""
        _check_k(req.k, max_k)
        act = service.active
        if req.query and act is not None and act.model.reads_text():
            async with encoding:  # the LM encodes the query: in a thread, FIFO, 2 at a time
                return await run_in_threadpool(service.recommend, req)
        # sub-millisecond numpy work: inline beats a thread hop and GIL contention
        return service.recommend(req)

    @app.get("/items/{item}/similar", response_model=s.SimilarResponse, tags=["catalogue"])
    def similar(
        item: Annotated[str, Path(max_length=256)],
        _: Annotated[str, reader],
        k: Annotated[int, Query(ge=1)] = 10,
    ) -> Any:
        """Items most similar to ``item`` (model vectors, text, or co-occurrence)."""
        _check_k(k, max_k)
        return service.similar(item, k)


def _write_routes(app: FastAPI, service: Service, metrics: Metrics, guards: Guards) -> None:
    max_events = service.config.limits.max_events
    writer = Depends(guards.writer)

    @app.post("/feedback", response_model=s.FeedbackResponse, tags=["feedback"])
    async def feedback(req: s.FeedbackRequest, _: Annotated[str, writer]) -> Any:
        """Store events durably (committed before this replies); resends are not duplicated."""
        n = len(req.events)
        if n > max_events:
            raise ApiError(422, "validation_error", f"events: at most {max_events} per request")
        try:
            stored = await asyncio.wrap_future(service.feedback(req.events))
        except StoreClosed as e:  # the server is shutting down
            raise ApiError(503, "shutting_down", f"{e}; retry (events were not stored)") from e
        metrics.events.labels("stored").inc(stored)
        metrics.events.labels("duplicate").inc(n - stored)
        return {"accepted": n, "stored": stored, "duplicates": n - stored}

    @app.post("/items", response_model=s.AddItemsResponse, tags=["catalogue"])
    def add_items(req: s.AddItemsRequest, _: Annotated[str, writer]) -> Any:
        """Add items by text (text models only): encoded now, recommendable at once."""
        ids, n = service.add_items(req.items)
        return {"added": ids, "n_items": n}


def _ops_routes(app: FastAPI, service: Service, metrics: Metrics) -> None:
    @app.get("/health", tags=["ops"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/ready", tags=["ops"])
    async def ready() -> Any:
        """Readiness: a verified model is active and the event store is open."""
        act = service.active
        if act is None or not service.ready():
            return error(503, "not_ready", "no model loaded yet")
        return {"status": "ready", "model": act.name, "version": act.version}

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    def prometheus() -> Response:
        """Prometheus metrics (summed over the worker processes when there are several)."""
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
        from prometheus_client import multiprocess

        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)
        return Response(generate_latest(merged), media_type=CONTENT_TYPE_LATEST)


def _admin_routes(app: FastAPI, service: Service, metrics: Metrics, guards: Guards) -> None:
    admin = Depends(guards.admin)
    registry, name = service.registry, service.config.model

    def listing() -> dict[str, Any]:
        act = service.active
        cur = act.version if act else None
        versions = [{**registry.info(name, v), "active": v == cur} for v in registry.versions(name)]
        return {"name": name, "active": cur, "versions": versions}

    @app.get("/admin/models", response_model=s.ModelsResponse, tags=["admin"])
    def models(_: Annotated[str, admin]) -> Any:
        """Published versions of the served model."""
        return listing()

    @app.post("/admin/models/{version}/activate", response_model=s.ModelsResponse, tags=["admin"])
    async def activate(
        version: Annotated[str, Path(max_length=64)], _: Annotated[str, admin]
    ) -> Any:
        """Load and verify ``version``, then swap it in (requests in flight are unaffected)."""
        published = registry.versions(name)
        if version not in published:
            have = ", ".join(published) or "none"
            raise ApiError(404, "unknown_version", f"no version {version!r} (published: {have})")
        await run_in_threadpool(service.activate, version)
        return listing()
