"""Plumbing every service shares: the app, JSON in and out, settings, logs, metrics, start-up.

The services stay lean by taking these pieces from here rather than repeating them:

- :func:`build_app`, a FastAPI app with :class:`ServingMiddleware` (request ids, HTTP metrics,
  413 for oversized bodies), an ``async`` ``GET /metrics`` and the 422 handler;
- :class:`OrjsonRoute`, the route class of every service router: JSON bodies validated by
  pydantic-core straight from bytes on the hot path; :class:`JSON`, answers encoded by orjson;
- :func:`redis_client`, :func:`check_backend`, :func:`open_state` and
  :func:`answer_503_when_redis_is_down` for the services that keep state in Redis or under
  ``STATE_DIR``;
- :class:`ServiceSettings`, the pydantic-settings base with ``HOST`` and ``PORT``;
- :func:`serve`, the ``python -m services.<name>`` entry point: settings, logs, GC, uvicorn.
"""

from libs.serving.app import build_app
from libs.serving.backends import (
    answer_503_when_redis_is_down,
    check_backend,
    check_redis,
    check_state_dir,
    open_state,
    redis_client,
)
from libs.serving.logs import configure_logging, request_id
from libs.serving.middleware import ServingMiddleware
from libs.serving.prom import Children, metrics_route
from libs.serving.responses import JSON, validation_error
from libs.serving.routing import OrjsonRequest, OrjsonRoute
from libs.serving.run import serve, tune_gc
from libs.serving.schemas import FiniteFloat, ObservationId, SeriesId
from libs.serving.settings import ServiceSettings, StartupError, settings_error

__all__ = [
    "JSON",
    "Children",
    "FiniteFloat",
    "ObservationId",
    "OrjsonRequest",
    "OrjsonRoute",
    "SeriesId",
    "ServiceSettings",
    "ServingMiddleware",
    "StartupError",
    "answer_503_when_redis_is_down",
    "build_app",
    "check_backend",
    "check_redis",
    "check_state_dir",
    "configure_logging",
    "metrics_route",
    "open_state",
    "redis_client",
    "request_id",
    "serve",
    "settings_error",
    "tune_gc",
    "validation_error",
]
