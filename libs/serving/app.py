"""``build_app``: the FastAPI application every service starts from."""

from fastapi import APIRouter, FastAPI
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


def build_app(
    title: str,
    description: str,
    lifespan,
    registry: CollectorRegistry,
    router: APIRouter | None = None,
) -> FastAPI:
    """A FastAPI app serving ``router``'s routes with the shared plumbing: request ids, HTTP
    metrics and the 413 limit (:class:`ServingMiddleware`), ``GET /metrics`` for ``registry``,
    422 answers that survive a rejected NaN, and 409 for an :class:`ObservationConflict`.

    ``router``'s routes go straight into the app's route table (FastAPI's ``routes``
    parameter), first, rather than through ``include_router``: FastAPI keeps an included
    router as an indirection resolved on every request, which costs about 30 us a request,
    more than a hot route's own work. Each route carries its router's dependencies (FastAPI
    attaches them when the route is declared), so they run as on any route; the app itself
    declares none, and routes the service adds later come after the router's.

    Examples
    --------
    >>> from fastapi.testclient import TestClient
    >>> router = APIRouter()
    >>> @router.get("/hello")
    ... async def hello() -> dict:
    ...     return {"hello": "world"}
    >>> app = build_app("demo", "A demo.", None, CollectorRegistry(), router)
    >>> with TestClient(app) as client:
    ...     hello, metrics = client.get("/hello"), client.get("/metrics")
    >>> hello.json(), metrics.status_code, 'route="/hello"' in metrics.text
    ({'hello': 'world'}, 200, True)
    """
    app = FastAPI(
        title=title,
        description=description,
        lifespan=lifespan,
        telemetry=NO_TELEMETRY,
        routes=list(router.routes) if router is not None else None,
    )
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
