# SPDX-License-Identifier: MIT
"""HTTP plumbing of the service: JSON error replies, exception handlers, key and rate guards."""

import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from lmrec.errors import ArtifactError, ConfigError, LmrecError, UnknownIdError
from lmrec.serve.config import ServeConfig
from lmrec.serve.security import TokenBucket, key_id, key_matches

_log = logging.getLogger("lmrec.serve")

ERROR_CODES = [
    (401, "missing or invalid API key"),
    (404, "unknown id"),
    (409, "artifact refused, or the model cannot do this"),
    (413, "request body too large"),
    (422, "invalid request"),
    (429, "rate limit exceeded"),
    (503, "not ready"),
]


class ApiError(Exception):
    """An error reply with a status, a code and a one-line message."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    """The JSON error reply ``{"error": code, "message": message, ...}``."""
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)


class Guards:
    """FastAPI dependencies: ``reader`` (rate limit only), ``writer`` and ``admin`` (key + rate
    limit). Each returns the client label used for the rate limit and the access log."""

    def __init__(self, config: ServeConfig) -> None:
        self.rate = config.limits.rate_per_s
        self.write_keys, self.admin_keys = config.keys(), config.keys(admin=True)
        self.bucket = TokenBucket(config.limits.rate_per_s, config.limits.burst)
        self.writer = self._keyed(self.write_keys)
        self.admin = self._keyed(self.admin_keys)

    def _keyed(self, allowed: frozenset[str]) -> Callable[..., Any]:
        async def check(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> str:
            if not key_matches(x_api_key, allowed):
                raise ApiError(401, "unauthorized", "missing or invalid X-API-Key header")
            return self._limit(request, f"key:{key_id(x_api_key or '')}")

        return check

    async def reader(
        self, request: Request, x_api_key: Annotated[str | None, Header()] = None
    ) -> str:
        """Anyone; a valid key is its own rate-limit client, else the client address."""
        if x_api_key and key_matches(x_api_key, self.write_keys | self.admin_keys):
            return self._limit(request, f"key:{key_id(x_api_key)}")
        host = request.client.host if request.client else "unknown"
        return self._limit(request, f"ip:{host}")

    def _limit(self, request: Request, who: str) -> str:
        request.state.client_id = who
        wait = self.bucket.take(who)
        if wait > 0:
            raise ApiError(
                429,
                "rate_limited",
                f"rate limit of {self.rate:g} requests/s exceeded; retry later",
                headers={"Retry-After": str(max(1, round(wait + 0.5)))},
            )
        return who


def install_handlers(app: FastAPI) -> None:
    """Turn every error into a JSON reply with a one-line message."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, e: ApiError) -> JSONResponse:
        r = error(e.status, e.code, e.message)
        r.headers.update(e.headers or {})
        return r

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, e: RequestValidationError) -> JSONResponse:
        details = [
            {
                "loc": [str(p) for p in d.get("loc", ())],
                "msg": d.get("msg", ""),
                "type": d.get("type"),
            }
            for d in e.errors()[:20]
        ]
        where = "; ".join(
            f"{'.'.join(d['loc'][1:]) or d['loc'][0]}: {d['msg']}" for d in details[:3]
        )
        return error(422, "validation_error", where, details=details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, e: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(e.status_code, "http_error")
        return error(e.status_code, code, str(e.detail))

    @app.exception_handler(Exception)
    async def internal(request: Request, e: Exception) -> JSONResponse:
        _log.error("internal error", exc_info=e, extra={"route": request.url.path})
        return error(500, "internal_error", "internal error; see the server log")

    @app.exception_handler(LmrecError)
    async def lmrec_error(request: Request, e: LmrecError) -> JSONResponse:
        if isinstance(e, UnknownIdError):
            return error(404, "unknown_id", str(e))
        if isinstance(e, ArtifactError):
            _log.warning("artifact refused", extra={"reason": str(e)})
            return error(409, "artifact_refused", f"{e}; the previous model stays active")
        if isinstance(e, ConfigError):
            return error(409, "not_supported", str(e))
        return error(422, "invalid_request", str(e))
