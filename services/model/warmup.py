"""Warm-up: the served line-up built and used once at start-up, off the request path.

River and SciPy are imported when the first model is built (start-up stays fast). Left to the
first learning request, that import takes seconds on a loaded machine; instead the lifespan
queues :func:`warm_up` as the first job of the learner thread: it builds the configured models
on a throwaway series, learns one observation and forecasts. ``/healthz`` answers meanwhile;
``/readyz`` says ``warming up`` until it is done (:func:`warmed_up`), then ``ready``. Requests
that learn arrive behind it in the learner's queue and wait for it on the event loop. A failed
warm-up is logged and keeps ``/readyz`` at 503 with its reason.
"""

import asyncio
import logging
import time

from fastapi import FastAPI

from services.model.learner import Learner
from services.model.settings import ModelSettings

log = logging.getLogger(__name__)

FEATURES = {f"in_{k}": 1.0 for k in range(1, 13)}


class WarmupFailed(RuntimeError):
    """A served model failed on the warm-up's observation."""


def warm_up(settings: ModelSettings) -> float:
    """Build the served models on a throwaway learner, learn one observation, forecast two
    steps; the seconds it took. Raises what the build raises, or :class:`WarmupFailed`.

    Examples
    --------
    >>> warm_up(ModelSettings(model_names="naive,linear_regression")) >= 0
    True
    """
    began = time.perf_counter()
    learner = Learner(settings.models, season=settings.series_season, detector=settings.detector)
    record = {"op": "learn", "series_id": "warm-up", "features": FEATURES, "target": 1.0,
              "observation_id": 0, "predict": True}  # fmt: skip
    failed = learner.apply(record)["failed"]
    failed += learner.predict_many("warm-up", FEATURES, 2)["failed"]
    if settings.series_season is None:
        from libs.forecasting import SeasonDetector  # noqa: F401  what SEASON=auto imports
    if failed:
        raise WarmupFailed(f"models {', '.join(sorted(set(failed)))} failed (see the log)")
    return time.perf_counter() - began


def start_warm_up(app: FastAPI, settings: ModelSettings) -> None:
    """Queue :func:`warm_up` first on the started learner thread; ``app.state.warmup``."""
    job = app.state.durable.worker.call(lambda: warm_up(settings))
    app.state.warmup = asyncio.ensure_future(job)
    app.state.warmup.add_done_callback(_log_outcome)


def _log_outcome(task: asyncio.Future) -> None:
    if task.cancelled():
        return
    if task.exception() is not None:
        error = task.exception()
        log.error("warm-up failed, not ready: %s", reason(error), exc_info=error)
    else:
        log.info("warmed up in %.2fs: ready", task.result())


def reason(error: BaseException) -> str:
    return f"warm-up failed: {type(error).__name__}: {error}"


async def warmed_up(app: FastAPI) -> str | None:
    """Readiness check: ``None`` once the warm-up succeeded, else why not.

    Examples
    --------
    >>> async def reasons():
    ...     app = FastAPI()
    ...     app.state.warmup = asyncio.get_running_loop().create_future()
    ...     running = await warmed_up(app)
    ...     app.state.warmup.set_exception(ImportError("No module named 'scipy'"))
    ...     return running, await warmed_up(app)
    >>> asyncio.run(reasons())
    ('warming up', "warm-up failed: ImportError: No module named 'scipy'")
    """
    task = getattr(app.state, "warmup", None)
    if task is None or not task.done():
        return "warming up"
    if task.cancelled():
        return "warm-up cancelled"
    return None if task.exception() is None else reason(task.exception())
