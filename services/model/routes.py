"""HTTP routes: thin ``async def`` handlers; every model call runs on the learner thread."""

import time
from itertools import islice
from typing import Annotated, NamedTuple

from fastapi import APIRouter, Depends, Query, Request

from libs.serving import JSON, SeriesId, errors, json_body, parse_body
from services.model import champion, schemas
from services.model.champion import SERVED
from services.model.durability import DurableLearner
from services.model.learner import Learner
from services.model.limits import check_batch, check_forecast
from services.model.models import CATALOG

router = APIRouter(tags=["model"])
BUSY = {
    "_503": "The learner queue is over LEARNER_QUEUE_ITEMS (Retry-After), or the state "
    "directory is read-only; nothing was changed.",
    "_507": "The state directory is full; nothing was changed.",
}
LEARN_ERRORS = errors(409, 413, 422, **BUSY)
READ_ERRORS = errors(400, 413, 422)
DEFAULT_PAGE, MAX_PAGE = 100, 1000


def _durable(request: Request) -> DurableLearner:
    return request.app.state.durable


async def durable_learner(request: Request) -> DurableLearner:
    """The service's learner behind its journal; its calls run on the learner thread."""
    return request.app.state.durable


Durable = Annotated[DurableLearner, Depends(durable_learner)]


def _learn_record(body: schemas.LearnRequest, predict: bool = True) -> dict:
    return {
        "op": "learn",
        "series_id": body.series_id,
        "features": body.features,
        "target": body.target,
        "observation_id": body.observation_id,
        "season": body.season,
        "predict": predict,
    }


@router.post(
    "/predict_learn",
    response_model=schemas.PredictLearnResponse,
    openapi_extra=json_body(schemas.LearnRequest),
    responses=LEARN_ERRORS,
)
async def predict_learn(request: Request) -> JSON:
    """Predict with every model (answering the champion's), then learn the target."""
    body = await parse_body(request, schemas.LearnRequest)
    return JSON(await _durable(request).submit(_learn_record(body)))


@router.post(
    "/predict_learn_batch",
    response_model=schemas.BatchResponse,
    openapi_extra=json_body(schemas.BatchRequest),
    responses=LEARN_ERRORS,
)
async def predict_learn_batch(request: Request) -> JSON:
    """``/predict_learn`` for each item in order; the whole batch is validated first."""
    body = await parse_body(request, schemas.BatchRequest)
    durable, settings = _durable(request), request.app.state.settings
    check_batch(durable.learner.models, len(body.items), settings.max_batch_cost)
    return JSON({"results": await durable.submit({"op": "batch", "items": body.items})})


@router.post(
    "/train", response_model=schemas.TrainResponse, responses={**errors(400), **LEARN_ERRORS}
)
async def train(durable: Durable, body: schemas.LearnRequest) -> JSON:
    """Learn one observation without scoring a prediction."""
    answer = await durable.submit(_learn_record(body, predict=False))
    return JSON({"message": _trained(answer), **answer})


@router.post("/predict", response_model=schemas.SeedPredictResponse, responses=READ_ERRORS)
async def predict(durable: Durable, body: schemas.PredictRequest) -> JSON:
    """Predict the next value of a series from its features; learns nothing."""
    answer = await durable.read(Learner.predict, body.series_id, body.features)
    return JSON({**answer, "forecast": [{"step": 1, "value": answer["prediction"]}]})


def _trained(answer: dict) -> str:
    """The seed's ``message``."""
    if answer["failed"]:
        return f"training failed for {', '.join(answer['failed'])}; the others trained"
    if answer["duplicate"]:
        return "observation already learned successfully; not learned again"
    return "model trained successfully"


@router.post("/predict_many", response_model=schemas.PredictManyResponse, responses=READ_ERRORS)
async def predict_many(
    request: Request, durable: Durable, body: schemas.PredictManyRequest
) -> JSON:
    """Forecast ``steps`` ahead, feeding each prediction back as ``in_1`` (lags shifted)."""
    limit = request.app.state.settings.max_forecast_cost
    check_forecast(durable.learner.models, body.steps, len(body.features), limit)
    forecast = Learner.predict_many
    return JSON(await durable.read(forecast, body.series_id, body.features, body.steps))


@router.get("/model_metrics", response_model=schemas.MetricsReport, responses=errors(422))
async def model_metrics(
    durable: Durable,
    series_id: Annotated[SeriesId | None, Query()] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> JSON:
    """Cumulative and rolling MAE/MSE/RMSE/MAPE and drift warnings per model, with baselines;
    one series (``series_id``) or a page of series (``offset``, ``limit``)."""
    return JSON(await durable.read(metrics_report, Page(series_id, offset, limit)))


@router.get("/leaderboard", response_model=schemas.Leaderboard, responses=errors(422))
async def leaderboard(
    durable: Durable,
    series_id: Annotated[SeriesId, Query()] = "default",
    window: Annotated[str, Query(pattern=r"^(5|10|20|cumulative)$")] = "20",
) -> JSON:
    """Models and baselines of one series ranked by MAE over ``window``."""
    size = None if window == "cumulative" else int(window)

    def rows(learner: Learner) -> list[dict]:
        state = learner.series.get(series_id)
        return [] if state is None else champion.leaderboard(state.board, state.guard, size)

    return JSON({"series_id": series_id, "window": window, "rows": await durable.read(rows)})


@router.post("/feedback", response_model=schemas.FeedbackResponse, responses=LEARN_ERRORS)
async def feedback(durable: Durable, body: schemas.FeedbackRequest) -> JSON:
    """Keep a feedback message durably."""
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    record = {"op": "feedback", "message": body.message, "at": at}
    return JSON(await durable.submit(record))


@router.get("/feedback", response_model=schemas.FeedbackList)
async def feedback_list(durable: Durable) -> JSON:
    """The latest feedback messages (up to 1000) and how many were ever received."""

    def kept(learner: Learner) -> dict:
        return {"count": learner.feedback_count, "items": list(learner.feedback)}

    return JSON(await durable.read(kept))


@router.get("/health", response_model=schemas.Health)
async def health(durable: Durable) -> JSON:
    """Liveness and readiness: the state is restored and models are served."""
    return JSON({"status": "ok", "models": list(durable.learner.models)})


@router.get("/info", response_model=schemas.Info)
async def info(request: Request, durable: Durable) -> JSON:
    """Available model names, the served line-up, the champion rule and the configuration."""
    learner, settings = durable.learner, request.app.state.settings
    return JSON(
        {
            "service": "model",
            "available_models": list(CATALOG),
            "models": list(learner.models),
            "model_descriptions": {name: CATALOG[name].description for name in learner.models},
            "champion": learner.champion,
            "season": learner.season,
            "metrics_warmup": learner.warmup,
            "leaderboard_window": learner.window,
            "drift_detector": learner.detector or "none",
            "series": await durable.read(lambda learner: list(learner.series)),
            "snapshot_store": "s3" if settings.s3_bucket else "local",
        }
    )


class Page(NamedTuple):
    series_id: str | None
    offset: int
    limit: int


FIRST_PAGE = Page(None, 0, DEFAULT_PAGE)


def metrics_report(learner: Learner, page: Page = FIRST_PAGE) -> dict:
    """The ``/model_metrics`` body: one series or a page of them; top-level figures are those
    of what the default series was served (its champion's answers, whichever model gave them)."""
    if page.series_id is not None:
        ids = [page.series_id] if page.series_id in learner.series else []
    else:
        ids = list(islice(learner.series, page.offset, page.offset + page.limit))
    series = {}
    for series_id in [*ids, *(["default"] if "default" in learner.series else [])]:
        state = learner.series[series_id]
        series[series_id] = {
            "count": state.learned,
            "champion": learner.champion_of(state),
            **state.season.report(),
            **state.board.report(learner.window),
            "leaderboard": champion.leaderboard(state.board, state.guard, learner.window),
        }
    default = series.get("default")
    top = default["models"].get(SERVED, {}) if default else {}
    if "default" not in ids:
        series.pop("default", None)
    end = page.offset + len(ids)
    more = page.series_id is None and end < len(learner.series)
    return {
        "series_total": len(learner.series),
        "offset": page.offset,
        "next_offset": end if more else None,
        "count": learner.count,
        "models": list(learner.models),
        "mae": top.get("mae"),
        "mse": top.get("mse"),
        "rmse": top.get("rmse"),
        "series": series,
    }
