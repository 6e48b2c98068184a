"""``create_app``: the model service's FastAPI application."""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from prometheus_client import CollectorRegistry

from libs.journal import SnapshotMetrics
from libs.metrics import ModelMetricsCollector
from libs.serving import JSON, StartupError, build_app, open_state
from libs.serving.health import (
    add_health,
    answer_507_when_disk_fails,
    reachable,
    state_loaded,
    writable,
)
from libs.serving.limits import answer_422_beyond_max_series
from libs.serving.responses import observation_conflict
from services.model.durability import DurableLearner
from services.model.learner import Learner
from services.model.limits import TooMuchWork
from services.model.routes import router
from services.model.seasons import SeasonConflict
from services.model.settings import ModelSettings
from services.model.warmup import start_warm_up, warmed_up
from services.model.worker import Overloaded


def preflight(settings: ModelSettings) -> DurableLearner:
    """Refuse to start when a configured S3 bucket cannot be reached or the state cannot be
    restored (STATE_DIR unwritable or in use by another process, a corrupt snapshot)."""
    if settings.s3_bucket:
        store = snapshot_store(settings)
        try:
            store.check()
        except Exception as exc:
            raise StartupError(
                f"S3 bucket {settings.s3_bucket!r} at {settings.s3_endpoint_url} is unusable: {exc}"
            ) from None
    return open_state(settings.state_dir, lambda: open_durable(settings))


def snapshot_store(settings: ModelSettings):
    """S3 when ``S3_ENDPOINT_URL``/``S3_BUCKET`` are set, else files under ``STATE_DIR``."""
    if settings.s3_bucket:
        from libs.journal.s3 import S3Snapshots  # boto3 takes 0.3 s to import: only when used

        return S3Snapshots(settings.s3_bucket, settings.s3_prefix, settings.s3_endpoint_url)
    return None


def s3_reachable(settings: ModelSettings):
    """The readiness check of the S3 bucket: a ``HeadBucket`` with short timeouts and no retry
    (the check's own client), its answer reused for ``S3_CHECK_CACHE_SECONDS``."""
    from libs.journal.s3 import S3Snapshots, s3_client

    timeout = settings.s3_check_timeout_seconds
    client = s3_client(settings.s3_endpoint_url, timeout, timeout, attempts=1)
    store = S3Snapshots(settings.s3_bucket, client=client)
    where = f"S3 bucket {settings.s3_bucket!r} at {settings.s3_endpoint_url}"
    return reachable(where, store.check, timeout, settings.s3_check_cache_seconds)


def open_durable(settings: ModelSettings) -> DurableLearner:
    """The learner restored from the latest snapshot and the journal under ``STATE_DIR``."""
    learner = Learner(
        settings.models,
        champion=settings.champion,
        season=settings.series_season,
        warmup=settings.metrics_warmup,
        window=settings.leaderboard_window,
        idempotency_window=settings.idempotency_window,
        detector=settings.detector,
    )
    return DurableLearner.open(
        learner,
        settings.state_dir,
        snapshot_store(settings),
        fsync=settings.state_fsync,
        every=settings.snapshot_every,
        seconds=settings.snapshot_seconds,
        max_series=settings.max_series,
        max_pending=settings.learner_queue_items,
    )


def create_app(
    settings: ModelSettings | None = None, durable: DurableLearner | None = None
) -> FastAPI:
    """The app; ``durable`` is state the preflight opened already, else the lifespan opens it."""
    settings = settings or ModelSettings()
    registry = CollectorRegistry()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.durable = durable if durable is not None else open_durable(settings)
        app.state.durable.start()
        start_warm_up(app, settings)
        try:
            yield
        finally:
            await app.state.durable.close()

    app = build_app(
        "model service",
        "Online learning with River: predict-then-learn, several models, durable.",
        lifespan,
        registry,
        router,
    )
    app.state.settings = settings
    ModelMetricsCollector(
        lambda: _boards(app), lambda: _errors(app), settings.metrics_series
    ).register(registry)
    SnapshotMetrics(lambda: _state(app)).register(registry)
    app.add_exception_handler(SeasonConflict, observation_conflict)
    checks = [state_loaded("durable"), warmed_up, writable(settings.state_dir)]
    if settings.s3_bucket:
        checks.append(s3_reachable(settings))
    add_health(app, *checks)
    answer_422_beyond_max_series(app)
    app.add_exception_handler(TooMuchWork, _too_much_work)
    app.add_exception_handler(Overloaded, _overloaded)
    answer_507_when_disk_fails(app, settings.state_dir)
    return app


def _state(app: FastAPI):
    durable = getattr(app.state, "durable", None)
    return None if durable is None else durable.state


async def _too_much_work(request: Request, exc: TooMuchWork) -> JSON:
    return JSON({"detail": str(exc)}, status_code=413)


async def _overloaded(request: Request, exc: Overloaded) -> JSON:
    return JSON({"detail": str(exc)}, status_code=503, headers={"Retry-After": "1"})


def _boards(app: FastAPI) -> dict:
    durable = getattr(app.state, "durable", None)
    if durable is None:
        return {}
    return {series_id: state.board for series_id, state in durable.learner.series.items()}


def _errors(app: FastAPI) -> dict:
    durable = getattr(app.state, "durable", None)
    return {} if durable is None else durable.learner.errors
