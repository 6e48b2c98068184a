"""HTTP routes: thin ``async def`` handlers, so every model call runs on the event-loop thread."""

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from libs.serving import JSON, SeriesId, errors, json_body, parse_body
from services.model import champion, schemas
from services.model.champion import SERVED
from services.model.durability import DurableLearner
from services.model.learner import Learner
from services.model.models import CATALOG

router = APIRouter(tags=["model"])
LEARN_ERRORS = errors(409, 413, 422)
READ_ERRORS = errors(400, 413, 422)


def _durable(request: Request) -> DurableLearner:
    return request.app.state.durable


async def durable_learner(request: Request) -> DurableLearner:
    """The service's learner behind its journal (``async``: River stays on the event loop)."""
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
    return JSON(_durable(request).submit(_learn_record(body)))


@router.post(
    "/predict_learn_batch",
    response_model=schemas.BatchResponse,
    openapi_extra=json_body(schemas.BatchRequest),
    responses=LEARN_ERRORS,
)
async def predict_learn_batch(request: Request) -> JSON:
    """``/predict_learn`` for each item in order; the whole batch is validated first."""
    body = await parse_body(request, schemas.BatchRequest)
    return JSON({"results": _durable(request).submit({"op": "batch", "items": body.items})})


@router.post("/train", response_model=schemas.TrainResponse, responses=errors(400, 409, 413, 422))
async def train(durable: Durable, body: schemas.LearnRequest) -> JSON:
    """Learn one observation without scoring a prediction."""
    return JSON(durable.submit(_learn_record(body, predict=False)))


@router.post("/predict", response_model=schemas.PredictResponse, responses=READ_ERRORS)
async def predict(durable: Durable, body: schemas.PredictRequest) -> JSON:
    """Predict the next value of a series from its features; learns nothing."""
    return JSON(durable.learner.predict(body.series_id, body.features))


@router.post("/predict_many", response_model=schemas.PredictManyResponse, responses=READ_ERRORS)
async def predict_many(durable: Durable, body: schemas.PredictManyRequest) -> JSON:
    """Forecast ``steps`` ahead, feeding each prediction back as ``in_1`` (lags shifted)."""
    learner = durable.learner
    return JSON(learner.predict_many(body.series_id, body.features, body.steps))


@router.get("/model_metrics", response_model=schemas.MetricsReport)
async def model_metrics(durable: Durable) -> JSON:
    """Cumulative and rolling MAE/MSE/RMSE/MAPE and drift warnings per model, with baselines."""
    return JSON(metrics_report(durable.learner))


@router.get("/leaderboard", response_model=schemas.Leaderboard, responses=errors(422))
async def leaderboard(
    durable: Durable,
    series_id: Annotated[SeriesId, Query()] = "default",
    window: Annotated[str, Query(pattern=r"^(5|10|20|cumulative)$")] = "20",
) -> JSON:
    """Models and baselines of one series ranked by MAE over ``window``."""
    state = durable.learner.series.get(series_id)
    size = None if window == "cumulative" else int(window)
    rows = [] if state is None else champion.leaderboard(state.board, state.guard, size)
    return JSON({"series_id": series_id, "window": window, "rows": rows})


@router.post("/feedback", response_model=schemas.FeedbackResponse, responses=READ_ERRORS)
async def feedback(durable: Durable, body: schemas.FeedbackRequest) -> JSON:
    """Keep a feedback message durably."""
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return JSON(durable.submit({"op": "feedback", "message": body.message, "at": at}))


@router.get("/feedback", response_model=schemas.FeedbackList)
async def feedback_list(durable: Durable) -> JSON:
    """The latest feedback messages (up to 1000) and how many were ever received."""
    learner = durable.learner
    return JSON({"count": learner.feedback_count, "items": list(learner.feedback)})


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
            "series": list(learner.series),
            "snapshot_store": "s3" if settings.s3_bucket else "local",
        }
    )


def metrics_report(learner: Learner) -> dict:
    """The ``/model_metrics`` body; top-level figures are those of what the default series was
    served (its champion's answers, whichever model gave them)."""
    series = {}
    for series_id, state in learner.series.items():
        series[series_id] = {
            "count": state.learned,
            "champion": learner.champion_of(state),
            **state.season.report(),
            **state.board.report(learner.window),
            "leaderboard": champion.leaderboard(state.board, state.guard, learner.window),
        }
    default = series.get("default")
    top = default["models"].get(SERVED, {}) if default else {}
    return {
        "count": learner.count,
        "models": list(learner.models),
        "mae": top.get("mae"),
        "mse": top.get("mse"),
        "rmse": top.get("rmse"),
        "series": series,
    }
