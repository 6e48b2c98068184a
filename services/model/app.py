"""``create_app``: the model service's FastAPI application."""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from prometheus_client import CollectorRegistry

from libs.metrics import ModelMetricsCollector
from libs.serving import ServingMiddleware
from services.model.durability import DurableLearner
from services.model.learner import Learner
from services.model.routes import JSON, router
from services.model.settings import ModelSettings


def snapshot_store(settings: ModelSettings):
    """S3 when ``S3_ENDPOINT_URL``/``S3_BUCKET`` are set, else files under ``STATE_DIR``."""
    if settings.s3_bucket:
        from libs.journal.s3 import S3Snapshots  # boto3 takes 0.3 s to import: only when used

        return S3Snapshots(settings.s3_bucket, settings.s3_prefix, settings.s3_endpoint_url)
    return None


def create_app(settings: ModelSettings | None = None) -> FastAPI:
    settings = settings or ModelSettings()
    registry = CollectorRegistry()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        learner = Learner(
            settings.models,
            champion=settings.champion,
            season=settings.season,
            warmup=settings.metrics_warmup,
            window=settings.leaderboard_window,
            idempotency_window=settings.idempotency_window,
        )
        durable = DurableLearner.open(
            learner,
            settings.state_dir,
            snapshot_store(settings),
            fsync=settings.journal_fsync,
            every=settings.snapshot_every,
            seconds=settings.snapshot_seconds,
        )
        app.state.durable = durable
        durable.start()
        try:
            yield
        finally:
            await durable.close()

    app = FastAPI(
        title="model service",
        description="Online learning with River: predict-then-learn, several models, durable.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.registry = registry
    ModelMetricsCollector(lambda: _boards(app)).register(registry)
    app.add_middleware(ServingMiddleware, registry=registry)
    app.include_router(router)
    app.add_exception_handler(RequestValidationError, _invalid)
    return app


async def _invalid(request: Request, exc: RequestValidationError) -> JSON:
    """FastAPI's 422 body, by orjson: echoing a rejected NaN or Infinity gives null, not a 500."""
    return JSON({"detail": jsonable_encoder(exc.errors())}, status_code=422)


def _boards(app: FastAPI) -> dict:
    durable = getattr(app.state, "durable", None)
    if durable is None:
        return {}
    return {series_id: state.board for series_id, state in durable.learner.series.items()}
