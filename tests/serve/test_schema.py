# SPDX-License-Identifier: MIT
"""schemathesis against the live OpenAPI schema: no 5xx and replies that match the schema.

Bounded: a few generated examples per operation (runs in seconds on the tiny ALS model).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from lmrec.serve import ServeConfig, create_app
from serve import ADMIN, KEY

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import checks  # noqa: E402

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def test_api_conforms_to_its_schema(make_config: Callable[..., ServeConfig]) -> None:
    app: FastAPI = create_app(make_config(limits={"rate_per_s": 1e6, "burst": 1_000_000}))
    with TestClient(app):  # runs the lifespan: the model is loaded for every generated call
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [op.ok() for op in schema.get_all_operations()]
        assert len(operations) == 9  # every route but the schema itself
        for op in operations:
            _check(op)


def _check(op: Any) -> None:
    key = ADMIN if op.path.startswith("/admin") else KEY

    @given(case=op.as_strategy())
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers={"X-API-Key": key}, checks=CHECKS)

    run()
