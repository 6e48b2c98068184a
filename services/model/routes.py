"""HTTP routes: thin ``async def`` handlers, so every model call runs on the event-loop thread."""

import json
import time
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from services.model import schemas
from services.model.durability import DurableLearner
from services.model.learner import Learner
from services.model.models import CATALOG


class OrjsonRequest(Request):
    """Parses JSON bodies with orjson: the standard library's parser was a third of the cost of
    a batch item. orjson refuses NaN, Infinity and 1e999; those bodies go through ``json`` so
    that validation can refuse them with a 422 naming the field."""

    async def json(self):
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = orjson.loads(body)
            except orjson.JSONDecodeError:
                self._json = json.loads(body)
        return self._json


class OrjsonRoute(APIRoute):
    def get_route_handler(self):
        handler = super().get_route_handler()

        async def route(request: Request):
            return await handler(OrjsonRequest(request.scope, request.receive))

        return route


router = APIRouter(route_class=OrjsonRoute)


class JSON(Response):
    """JSON encoded by orjson, skipping FastAPI's re-validation of the answer (hot path)."""

    media_type = "application/json"

    def render(self, content) -> bytes:
        return orjson.dumps(content)


async def _durable(request: Request) -> DurableLearner:
    return request.app.state.durable


Durable = Annotated[DurableLearner, Depends(_durable)]


def _learn_record(body: schemas.LearnRequest, predict: bool = True) -> dict:
    return {
        "op": "learn",
        "series_id": body.series_id,
        "features": body.features,
        "target": body.target,
        "observation_id": body.observation_id,
        "predict": predict,
    }


@router.post("/predict_learn", response_model=schemas.PredictLearnResponse)
async def predict_learn(body: schemas.LearnRequest, durable: Durable) -> JSON:
    """Predict with every model (answering the champion's), then learn the target."""
    return JSON(durable.submit(_learn_record(body)))


@router.post("/predict_learn_batch", response_model=schemas.BatchResponse)
async def predict_learn_batch(body: schemas.BatchRequest, durable: Durable) -> JSON:
    """``/predict_learn`` for each item in order; the whole batch is validated first."""
    record = {"op": "batch", "items": [_learn_record(item) for item in body.items]}
    return JSON({"results": durable.submit(record)})


@router.post("/train", response_model=schemas.TrainResponse)
async def train(body: schemas.LearnRequest, durable: Durable) -> JSON:
    """Learn one observation without scoring a prediction."""
    return JSON(durable.submit(_learn_record(body, predict=False)))


@router.post("/predict", response_model=schemas.PredictResponse)
async def predict(body: schemas.PredictRequest, durable: Durable) -> JSON:
    """Predict the next value of a series from its features; learns nothing."""
    return JSON(durable.learner.predict(body.series_id, body.features))


@router.post("/predict_many", response_model=schemas.PredictManyResponse)
async def predict_many(body: schemas.PredictManyRequest, durable: Durable) -> JSON:
    """Forecast ``steps`` ahead, feeding each prediction back as ``in_1`` (lags shifted)."""
    learner = durable.learner
    return JSON(learner.predict_many(body.series_id, body.features, body.steps))


@router.get("/model_metrics")
async def model_metrics(durable: Durable) -> JSON:
    """Cumulative and rolling MAE/MSE/RMSE/MAPE per model and series, with naive baselines."""
    return JSON(metrics_report(durable.learner))


@router.get("/leaderboard", response_model=schemas.Leaderboard)
async def leaderboard(
    durable: Durable,
    series_id: str = "default",
    window: Annotated[str, Query(pattern=r"^(5|10|20|cumulative)$")] = "20",
) -> JSON:
    """Models and baselines of one series ranked by MAE over ``window``."""
    state = durable.learner.series.get(series_id)
    size = None if window == "cumulative" else int(window)
    rows = [] if state is None else state.board.leaderboard(size)
    return JSON({"series_id": series_id, "window": window, "rows": rows})


@router.post("/feedback", response_model=schemas.FeedbackResponse)
async def feedback(body: schemas.FeedbackRequest, durable: Durable) -> JSON:
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
            "series": list(learner.series),
            "snapshot_store": "s3" if settings.s3_bucket else "local",
        }
    )


@router.get("/metrics", include_in_schema=True)
async def metrics(request: Request) -> Response:
    """Prometheus text: model quality per model and series, HTTP counters and latencies."""
    return Response(generate_latest(request.app.state.registry), media_type=CONTENT_TYPE_LATEST)


def metrics_report(learner: Learner) -> dict:
    """The ``/model_metrics`` body; top-level figures are the default series' champion's."""
    series = {}
    for series_id, state in learner.series.items():
        champion = state.best if learner.champion == "best" else learner.champion
        series[series_id] = {
            "count": state.learned,
            "champion": champion,
            **state.board.report(),
            "leaderboard": state.board.leaderboard(learner.window),
        }
    default = series.get("default")
    top = default["models"][default["champion"]] if default else {}
    return {
        "count": learner.count,
        "models": list(learner.models),
        "mae": top.get("mae"),
        "mse": top.get("mse"),
        "rmse": top.get("rmse"),
        "series": series,
    }
