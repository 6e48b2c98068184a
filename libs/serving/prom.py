"""Prometheus exposition for an app's own registry."""

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.requests import Request
from starlette.responses import Response


def metrics_route(request: Request) -> Response:
    """``GET /metrics``: the registry at ``request.app.state.registry`` in text format."""
    registry: CollectorRegistry = request.app.state.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
