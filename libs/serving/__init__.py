"""Plumbing every service shares: settings, JSON logs, HTTP metrics, body limits, start-up.

The services stay lean by taking these pieces from here rather than repeating them:

- :class:`ServiceSettings`, the pydantic-settings base with ``HOST`` and ``PORT``;
- :class:`ServingMiddleware`, a pure ASGI middleware that gives every request an id, counts it
  and times it for Prometheus, and refuses oversized bodies with 413;
- :func:`metrics_route`, the ``GET /metrics`` handler for an app's own registry;
- :func:`serve`, the ``python -m services.<name>`` entry point: settings, logs, uvicorn.
"""

from libs.serving.logs import configure_logging, request_id
from libs.serving.middleware import ServingMiddleware
from libs.serving.prom import metrics_route
from libs.serving.run import serve
from libs.serving.schemas import FiniteFloat, ObservationId, SeriesId
from libs.serving.settings import ServiceSettings, StartupError, settings_error

__all__ = [
    "FiniteFloat",
    "ObservationId",
    "SeriesId",
    "ServiceSettings",
    "ServingMiddleware",
    "StartupError",
    "configure_logging",
    "metrics_route",
    "request_id",
    "serve",
    "settings_error",
]
