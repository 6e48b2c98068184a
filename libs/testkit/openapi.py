"""Checks of a service's HTTP contract: its real answers against its own OpenAPI document, and
router-level dependencies on every route."""

import re
from pathlib import Path

import httpx
import schemathesis
from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from libs.testkit.servers import ServiceProcess

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
"""No 5xx; every status, content type and body is one the document declares for the route."""


def check_answers_conform(base_url: str, max_examples: int = 20) -> None:
    """Send ``max_examples`` generated requests to every operation of the service at
    ``base_url``, derandomized so every run sends the same ones, and validate each answer with
    :data:`CHECKS`; raises schemathesis' failure naming the operation and the request."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    for result in schema.get_all_operations():
        _check_operation(result.ok(), max_examples)


def served_contract_breaches(service: str, workdir, max_examples: int = 15) -> dict[str, int]:
    """Start ``service`` on fresh state under ``workdir``, check its answers to generated
    requests against its OpenAPI document (:func:`check_answers_conform`, which raises on a
    breach), then send it :data:`HOSTILE_BODIES`; the hostile requests it did not answer with
    a 4xx (empty when it answered them all so). Stops the service by PID."""
    workdir = Path(workdir)
    process = ServiceProcess(service, workdir, {"STATE_DIR": str(workdir / "state")}).start()
    try:
        check_answers_conform(process.url, max_examples)
        hostile = hostile_json_statuses(process.url)
    finally:
        process.stop()
    assert hostile, f"{service} documents no POST operation with a JSON body"
    return {request: status for request, status in hostile.items() if not 400 <= status < 500}


def _check_operation(operation, max_examples: int) -> None:
    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case) -> None:
        case.call_and_validate(checks=CHECKS)

    check()


HOSTILE_BODIES = {
    "nested arrays": b"[" * 1000 + b"]" * 1000,
    "nested in a field": b'{"value": ' + b"[" * 1000 + b"]" * 1000 + b"}",
    "huge integer": b'{"value": 1' + b"0" * 5000 + b"}",
    "huge exponent": b'{"value": 1e999999, "target": -1e999999}',
}


def hostile_json_statuses(base_url: str) -> dict[str, int]:
    """The status of each :data:`HOSTILE_BODIES` sent to every POST operation with a JSON body
    that the service at ``base_url`` documents, keyed ``"<path> <body>"``; a robust service
    answers 4xx to all."""
    paths = httpx.get(f"{base_url}/openapi.json").json()["paths"]
    statuses = {}
    with httpx.Client(base_url=base_url, headers={"Content-Type": "application/json"}) as client:
        for path, operations in paths.items():
            if "requestBody" not in operations.get("post", {}):
                continue
            path = re.sub(r"\{[^}]+\}", "x", path)
            for name, body in HOSTILE_BODIES.items():
                statuses[f"{path} {name}"] = client.post(path, content=body).status_code
    return statuses


async def _deny() -> None:
    raise HTTPException(403, "denied by a router-level dependency")


def unguarded_routes(router: APIRouter) -> list[str]:
    """The routes of ``router`` that a router-level dependency denying everything does not stop
    (empty when every route runs it), each called with dummy path parameters and no body."""
    app = FastAPI()
    app.include_router(router, dependencies=[Depends(_deny)])
    missed = []
    with TestClient(app) as client:
        for route in app.routes:
            if not isinstance(route, APIRoute):
                continue
            path = route.path_format.format(**{name: "x" for name in route.param_convertors})
            for method in route.methods:
                if client.request(method, path).status_code != 403:
                    missed.append(f"{method} {route.path}")
    return missed


def undocumented_failures(
    app: FastAPI, codes=("503", "507"), reads=(), writes=()
) -> dict[str, list[str]]:
    """Every operation of ``app`` that changes state, read from its ``/openapi.json``, with the
    ``codes`` its answers do not document (an empty list when it documents them all).

    An operation changes state when it is a POST not listed in ``reads`` (``"POST /predict"``),
    or is listed in ``writes`` (``"GET /next"``): a new POST route is checked unless it is
    declared a read.
    """
    paths = TestClient(app).get("/openapi.json").json()["paths"]
    found = {}
    for path, operations in paths.items():
        for method, operation in operations.items():
            name = f"{method.upper()} {path}"
            if (method == "post" and name not in reads) or name in writes:
                found[name] = [c for c in codes if c not in operation.get("responses", {})]
    return found
