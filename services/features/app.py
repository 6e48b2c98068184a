"""``create_app``: the feature service's FastAPI application."""

import os
from contextlib import asynccontextmanager

import orjson
import redis
import redis.asyncio as aioredis
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Counter
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from libs.lag_features import LagFeatures, MemoryLagStore, RedisLagStore
from libs.serving import ServingMiddleware, StartupError, metrics_route
from services.features.lags import LocalLags, RedisLags
from services.features.routes import router
from services.features.settings import FeaturesSettings


def preflight(settings: FeaturesSettings) -> None:
    """Refuse to start when the configured Redis does not answer or STATE_DIR is unusable."""
    if settings.redis_url:
        try:
            with redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2) as client:
                client.ping()
        except (redis.RedisError, ValueError) as exc:
            raise StartupError(f"REDIS_URL {settings.redis_url} unreachable: {exc}") from None
    else:
        try:
            settings.state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StartupError(f"STATE_DIR {settings.state_dir} unusable: {exc}") from None
        if not os.access(settings.state_dir, os.W_OK):
            raise StartupError(f"STATE_DIR {settings.state_dir} is not writable")


def open_lags(settings: FeaturesSettings):
    def features(store) -> LagFeatures:
        return LagFeatures(
            settings.n_lags,
            settings.diff_feature,
            settings.seasonal_lag,
            settings.rolling_window,
            store,
        )

    capacity = features(None).capacity
    if settings.redis_url:
        # No retries: a script whose reply was lost may have run, and must not run twice.
        client = aioredis.Redis.from_url(
            settings.redis_url,
            socket_connect_timeout=1,
            socket_timeout=2,
            retry=Retry(NoBackoff(), 0),
        )
        store = RedisLagStore(client, capacity, settings.dedup_window, settings.redis_prefix)
        # Redis stores the values; LagFeatures only turns the windows it returns into features.
        return RedisLags(features(None), store)
    store = MemoryLagStore(capacity, settings.dedup_window)
    return LocalLags(
        features(store), settings.state_dir, settings.state_fsync, settings.snapshot_every
    )


def create_app(settings: FeaturesSettings | None = None) -> FastAPI:
    settings = settings or FeaturesSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.lags = open_lags(settings)
        yield
        await app.state.lags.close()

    app = FastAPI(
        title="Feature service",
        description="Lag features per series, read-then-append in one step, idempotent by id.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.registry = CollectorRegistry()
    app.state.added = Counter(
        "features_observations_total",
        "Values received by /add and /add_batch; duplicate=true for answered retries.",
        ["duplicate"],
        registry=app.state.registry,
    )
    app.add_middleware(ServingMiddleware, registry=app.state.registry)
    app.include_router(router)
    app.add_api_route("/metrics", metrics_route, methods=["GET"], include_in_schema=False)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(redis.ConnectionError, _redis_down)
    app.add_exception_handler(redis.TimeoutError, _redis_down)
    return app


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    """FastAPI's 422 body, encoded so that a rejected NaN or Infinity input cannot make it fail."""
    body = orjson.dumps({"detail": jsonable_encoder(exc.errors())})
    return Response(body, status_code=422, media_type="application/json")


async def _redis_down(request: Request, exc: redis.RedisError) -> JSONResponse:
    return JSONResponse({"detail": f"redis unavailable: {exc}"}, status_code=503)
