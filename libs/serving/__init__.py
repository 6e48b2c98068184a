"""Plumbing every service shares: the app, JSON in and out, settings, logs, metrics, start-up.

The services stay lean by taking these pieces from here rather than repeating them:

- :func:`build_app`, a FastAPI app with :class:`ServingMiddleware` (request ids, HTTP metrics,
  413 for oversized bodies), an ``async`` ``GET /metrics``, the 422 handler and the 409 of
  an ``ObservationConflict``;
- :func:`parse_body` and :func:`json_body`, for hot routes: JSON bodies validated by
  pydantic-core straight from bytes, documented in OpenAPI; :class:`JSON`, answers encoded by
  orjson; :func:`errors`, the OpenAPI description of a route's error answers;
- :func:`redis_client`, :func:`check_backend`, :func:`open_state` and
  :func:`answer_503_when_redis_is_down` for the services that keep state in Redis or under
  ``STATE_DIR``;
- :func:`admin_router`, the router of admin endpoints (``ADMIN_TOKEN`` or loopback only);
- :class:`ServiceSettings`, the pydantic-settings base with ``HOST``, ``PORT``, ``ADMIN_TOKEN``,
  and :class:`StateSettings`, which adds the journal and snapshot variables;
- :func:`serve`, the ``python -m services.<name>`` entry point: settings, logs, GC, uvicorn.
"""

from libs.serving.admin import admin_router, require_admin
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
from libs.serving.responses import JSON, ErrorOut, errors, validation_error
from libs.serving.routing import json_body, parse_body, parse_query, query_parameters
from libs.serving.run import serve, tune_gc
from libs.serving.schemas import NAME_PATTERN, FiniteFloat, ObservationId, SeriesId, StrictInt
from libs.serving.settings import ServiceSettings, StartupError, StateSettings, settings_error

__all__ = [
    "JSON",
    "NAME_PATTERN",
    "Children",
    "ErrorOut",
    "FiniteFloat",
    "ObservationId",
    "SeriesId",
    "ServiceSettings",
    "ServingMiddleware",
    "StartupError",
    "StateSettings",
    "StrictInt",
    "admin_router",
    "answer_503_when_redis_is_down",
    "build_app",
    "check_backend",
    "check_redis",
    "check_state_dir",
    "configure_logging",
    "errors",
    "json_body",
    "metrics_route",
    "open_state",
    "parse_body",
    "parse_query",
    "query_parameters",
    "redis_client",
    "request_id",
    "require_admin",
    "serve",
    "settings_error",
    "tune_gc",
    "validation_error",
]
