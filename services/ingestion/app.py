"""``create_app``: the ingestion service's FastAPI application."""

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

from libs.serving import ServingMiddleware, StartupError, metrics_route
from services.ingestion.dataset import DatasetError, load_dataset
from services.ingestion.routes import router
from services.ingestion.settings import IngestionSettings
from services.ingestion.streams import LocalStreams, ReadOnlyStream, RedisStreams, UnknownStream


def redis_client(url: str) -> aioredis.Redis:
    """No retries: a command whose reply was lost may have run, and must not run twice."""
    return aioredis.Redis.from_url(
        url, socket_connect_timeout=1, socket_timeout=2, retry=Retry(NoBackoff(), 0)
    )


def preflight(settings: IngestionSettings) -> None:
    """Refuse to start on a malformed data set, an unreachable Redis or an unusable STATE_DIR."""
    try:
        load_dataset(settings.dataset_path)
    except DatasetError as exc:
        raise StartupError(str(exc)) from None
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


def open_streams(settings: IngestionSettings):
    dataset = load_dataset(settings.dataset_path)
    if settings.redis_url:
        return RedisStreams(dataset, redis_client(settings.redis_url), settings.redis_prefix)
    return LocalStreams(dataset, settings.state_dir, settings.state_fsync, settings.snapshot_every)


def create_app(settings: IngestionSettings | None = None) -> FastAPI:
    settings = settings or IngestionSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.streams = open_streams(settings)
        yield
        await app.state.streams.close()

    app = FastAPI(
        title="Ingestion service",
        description="Hands out a data set's observations, and live streams', exactly once.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.registry = CollectorRegistry()
    app.state.served = Counter(
        "ingestion_observations_served_total",
        "Observations handed out.",
        ["stream"],
        registry=app.state.registry,
    )
    app.add_middleware(ServingMiddleware, registry=app.state.registry)
    app.include_router(router)
    app.add_api_route("/metrics", metrics_route, methods=["GET"], include_in_schema=False)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(UnknownStream, _unknown_stream)
    app.add_exception_handler(ReadOnlyStream, _read_only)
    app.add_exception_handler(redis.ConnectionError, _redis_down)
    app.add_exception_handler(redis.TimeoutError, _redis_down)
    return app


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    """FastAPI's 422 body, encoded so that a rejected NaN or Infinity input cannot make it fail."""
    body = orjson.dumps({"detail": jsonable_encoder(exc.errors())})
    return Response(body, status_code=422, media_type="application/json")


async def _unknown_stream(request: Request, exc: UnknownStream) -> JSONResponse:
    detail = f"unknown stream {exc.args[0]!r}: nothing was appended to it"
    return JSONResponse({"detail": detail}, status_code=404)


async def _read_only(request: Request, exc: ReadOnlyStream) -> JSONResponse:
    detail = f"stream {exc.args[0]!r} replays the data set and cannot be appended to"
    return JSONResponse({"detail": detail}, status_code=409)


async def _redis_down(request: Request, exc: redis.RedisError) -> JSONResponse:
    return JSONResponse({"detail": f"redis unavailable: {exc}"}, status_code=503)
