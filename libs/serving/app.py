"""``build_app``: the FastAPI application every service starts from."""

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from prometheus_client import CollectorRegistry

from libs.lag_features import ObservationConflict
from libs.serving.middleware import ServingMiddleware
from libs.serving.prom import metrics_route
from libs.serving.responses import observation_conflict, validation_error

# FastAPI's built-in OpenTelemetry looks its providers up on every request (about 5 us); the
# services export Prometheus metrics and JSON logs instead.
NO_TELEMETRY = {"tracing": False, "metrics": False, "logs": False}


def build_app(title: str, description: str, lifespan, registry: CollectorRegistry) -> FastAPI:
    """A FastAPI app with the shared plumbing: request ids, HTTP metrics and the 413 limit
    (:class:`ServingMiddleware`), ``GET /metrics`` for ``registry``, and 422 answers that
    survive a rejected NaN, and 409 for an :class:`ObservationConflict`.

    Examples
    --------
    >>> from fastapi.testclient import TestClient
    >>> app = build_app("demo", "A demo.", None, CollectorRegistry())
    >>> with TestClient(app) as client:
    ...     response = client.get("/metrics")
    >>> response.status_code, "http_requests_total" in response.text
    (200, True)
    """
    app = FastAPI(title=title, description=description, lifespan=lifespan, telemetry=NO_TELEMETRY)
    app.state.registry = registry
    app.add_middleware(ServingMiddleware, registry=registry)
    app.add_api_route(
        "/metrics",
        metrics_route,
        methods=["GET"],
        summary="Metrics",
        description="Prometheus text format: HTTP counters and latencies, and the service's own.",
        response_class=PlainTextResponse,
    )
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ObservationConflict, observation_conflict)
    return app
