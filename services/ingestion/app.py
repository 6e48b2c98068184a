"""``create_app``: the ingestion service's FastAPI application."""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from prometheus_client import CollectorRegistry, Counter

from libs.journal import SnapshotMetrics
from libs.serving import (
    JSON,
    Children,
    StartupError,
    answer_503_when_redis_is_down,
    build_app,
    check_backend,
    open_state,
    redis_client,
)
from libs.serving.health import (
    add_health,
    answer_507_when_disk_fails,
    redis_reachable,
    state_loaded,
    writable,
)
from services.ingestion.dataset import DatasetError, load_dataset
from services.ingestion.routes import router
from services.ingestion.settings import IngestionSettings
from services.ingestion.streams import LocalStreams, ReadOnlyStream, UnknownStream


def preflight(settings: IngestionSettings) -> LocalStreams | None:
    """Refuse to start on a malformed data set, an unreachable Redis or an unusable STATE_DIR
    (in use by another process, a corrupt snapshot); returns the opened local state."""
    try:
        load_dataset(settings.dataset_path)
    except DatasetError as exc:
        raise StartupError(str(exc)) from None
    check_backend(settings.redis_url, settings.state_dir)
    if settings.redis_url:
        return None
    return open_state(settings.state_dir, lambda: open_streams(settings))


def open_streams(settings: IngestionSettings):
    dataset = load_dataset(settings.dataset_path)
    if settings.redis_url:
        from services.ingestion.redis_streams import RedisStreams  # redis only with REDIS_URL

        client = redis_client(settings.redis_url)
        return RedisStreams(dataset, client, settings.redis_prefix, settings.lease_seconds)
    return LocalStreams(
        dataset,
        settings.state_dir,
        settings.state_fsync,
        settings.snapshot_every,
        settings.lease_seconds,
        snapshot_seconds=settings.snapshot_seconds,
    )


def create_app(settings: IngestionSettings | None = None, streams=None) -> FastAPI:
    """The app; ``streams`` is state :func:`preflight` opened already, else the lifespan does."""
    settings = settings or IngestionSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.streams = streams if streams is not None else open_streams(settings)
        if app.state.streams.backend == "redis":
            await app.state.streams.open()
        else:
            app.state.streams.start()
        yield
        await app.state.streams.close()

    registry = CollectorRegistry()
    app = build_app(
        "Ingestion service",
        "Hands out a data set's observations, and live streams', on lease until acknowledged.",
        lifespan,
        registry,
        router,
    )
    app.state.settings = settings
    app.state.served = Children(
        Counter(
            "ingestion_observations_served_total",
            "Observations handed out.",
            ["stream"],
            registry=registry,
        )
    )
    app.state.acked = Children(
        Counter(
            "ingestion_observations_acked_total",
            "Observations acknowledged (their leases ended for good).",
            ["stream"],
            registry=registry,
        )
    )
    app.add_exception_handler(UnknownStream, _unknown_stream)
    app.add_exception_handler(ReadOnlyStream, _read_only)
    SnapshotMetrics(lambda: getattr(getattr(app.state, "streams", None), "durable", None)).register(
        registry
    )
    checks = [state_loaded("streams")]
    if settings.redis_url:
        checks.append(redis_reachable(lambda app: app.state.streams.client))
    else:
        checks.append(writable(settings.state_dir))
    add_health(app, *checks)
    answer_503_when_redis_is_down(app)
    answer_507_when_disk_fails(app, settings.state_dir)
    return app


async def _unknown_stream(request: Request, exc: UnknownStream) -> JSON:
    detail = f"unknown stream {exc.args[0]!r}: nothing was appended to it"
    return JSON({"detail": detail}, status_code=404)


async def _read_only(request: Request, exc: ReadOnlyStream) -> JSON:
    detail = f"stream {exc.args[0]!r} replays the data set and cannot be appended to"
    return JSON({"detail": detail}, status_code=409)
