"""``create_app``: the feature service's FastAPI application."""

from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter

from libs.journal import SnapshotMetrics
from libs.lag_features import LagFeatures, MemoryLagStore, RedisLagStore, SeasonConflict
from libs.serving import (
    Children,
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
from libs.serving.limits import answer_422_beyond_max_series
from libs.serving.responses import observation_conflict
from services.features.feast_push import FeastPusher
from services.features.lags import LocalLags, RedisLags
from services.features.routes import router
from services.features.settings import FeaturesSettings


def preflight(settings: FeaturesSettings) -> LocalLags | None:
    """Refuse to start when the configured Redis does not answer or STATE_DIR is unusable (in
    use by another process, a corrupt snapshot); returns the opened local state."""
    check_backend(settings.redis_url, settings.state_dir)
    if settings.redis_url:
        return None
    return open_state(settings.state_dir, lambda: open_lags(settings))


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
        client = redis_client(settings.redis_url)
        store = RedisLagStore(client, capacity, settings.dedup_window, settings.redis_prefix)
        # Redis stores the values; LagFeatures only turns the windows it returns into features.
        return RedisLags(features(None), store, settings.max_series)
    store = MemoryLagStore(capacity, settings.dedup_window)
    return LocalLags(
        features(store),
        settings.state_dir,
        settings.state_fsync,
        settings.snapshot_every,
        settings.max_series,
        settings.snapshot_seconds,
    )


def create_app(settings: FeaturesSettings | None = None, lags=None) -> FastAPI:
    """The app; ``lags`` is state :func:`preflight` opened already, else the lifespan opens it."""
    settings = settings or FeaturesSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.lags = lags if lags is not None else open_lags(settings)
        if app.state.lags.backend == "memory":
            app.state.lags.start()
        if app.state.feast:
            app.state.feast.start()
        yield
        if app.state.feast:
            await app.state.feast.close()
        await app.state.lags.close()

    registry = CollectorRegistry()
    app = build_app(
        "Feature service",
        "Lag features per series, read-then-append in one step, idempotent by id.",
        lifespan,
        registry,
        router,
    )
    app.state.settings = settings
    app.state.feast = settings.feast_url and FeastPusher(
        settings.feast_url, settings.n_lags, registry, settings
    )
    app.state.added = Children(
        Counter(
            "features_observations_total",
            "Values received by /add and /add_batch; duplicate=true for answered retries.",
            ["duplicate"],
            registry=registry,
        )
    )
    SnapshotMetrics(lambda: getattr(getattr(app.state, "lags", None), "durable", None)).register(
        registry
    )
    checks = [state_loaded("lags")]
    if settings.redis_url:
        checks.append(redis_reachable(lambda app: app.state.lags.store.client))
    else:
        checks.append(writable(settings.state_dir))
    add_health(app, *checks)
    answer_503_when_redis_is_down(app)
    answer_507_when_disk_fails(app, settings.state_dir)
    answer_422_beyond_max_series(app)
    app.add_exception_handler(SeasonConflict, observation_conflict)
    return app
