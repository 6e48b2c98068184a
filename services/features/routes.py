"""HTTP routes: thin wrappers over the lag backend on ``app.state.lags``."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from libs.serving import JSON, SeriesId, admin_router, errors, json_body, parse_body
from services.features.feast_push import push_to_feast, read_back
from services.features.lags import LocalLags, RedisLags
from services.features.schemas import (
    AddBatchIn,
    AddBatchOut,
    AddIn,
    AddOut,
    HealthOut,
    InfoOut,
    ResetOut,
    SeriesOut,
)

SeriesPath = Annotated[SeriesId, Path()]
SeriesQuery = Annotated[SeriesId | None, Query()]
LEARN_ERRORS = errors(409, 413, 422, 503, 507)
FeastQuery = Annotated[bool, Query(description="Also read the series back from Feast.")]


async def lag_backend(request: Request) -> LocalLags | RedisLags:
    """The lag backend the lifespan opened (``app.state.lags``)."""
    return request.app.state.lags


Lags = Annotated[LocalLags | RedisLags, Depends(lag_backend)]

router = APIRouter(tags=["features"])
admin = admin_router()


@router.post("/add", response_model=AddOut, openapi_extra=json_body(AddIn), responses=LEARN_ERRORS)
async def add(request: Request) -> JSON:
    """Lag features of the series' previous values, then store ``value``; retries are no-ops."""
    body = await parse_body(request, AddIn)
    answers = await request.app.state.lags.add_many(
        [(body.series_id, body.value, body.observation_id, body.season)]
    )
    request.app.state.added["true" if answers[0]["duplicate"] else "false"].inc()
    push_to_feast(request.app, answers)
    return JSON(answers[0])


@router.post(
    "/add_batch",
    response_model=AddBatchOut,
    openapi_extra=json_body(AddBatchIn),
    responses=LEARN_ERRORS,
)
async def add_batch(request: Request) -> JSON:
    """``/add`` for many items, applied in order; nothing is applied unless all are valid."""
    body = await parse_body(request, AddBatchIn)
    items = [(i.series_id, i.value, i.observation_id, i.season) for i in body.items]
    answers = await request.app.state.lags.add_many(items)
    duplicates = sum(a["duplicate"] for a in answers)
    request.app.state.added["false"].inc(len(answers) - duplicates)
    request.app.state.added["true"].inc(duplicates)
    push_to_feast(request.app, answers)
    return JSON({"results": answers})


@router.get(
    "/series/{series_id}",
    response_model=SeriesOut,
    response_model_exclude_unset=True,
    responses=errors(
        404,
        _400="?feast=true without FEAST_URL set on the service.",
        _503="The state backend, or with ?feast=true the Feast feature server, does not answer.",
    ),
)
async def series(request: Request, lags: Lags, series_id: SeriesPath, feast: FeastQuery = False):
    """The stored window of a series (``?feast=true``: and what Feast serves); 404 if unknown."""
    window = await lags.window(series_id)
    if window is None:
        raise HTTPException(404, f"unknown series {series_id!r}")
    answer = {
        "series_id": series_id,
        "window": list(window),
        "available_lags": min(len(window), lags.features.n_lags),
        "season": await lags.season(series_id),
        "next_features": lags.features.features(window),
    }
    if feast:
        answer["feast"] = await read_back(request.app, series_id)
    return answer


@admin.post("/reset", response_model=ResetOut, responses=errors(503, 507))
async def reset(lags: Lags, series_id: SeriesQuery = None):
    """Forget one series (``?series_id=``), or every series."""
    await lags.reset(series_id)
    return {"series_id": series_id}


@router.get("/info", response_model=InfoOut, responses=errors(503))
async def info(request: Request, lags: Lags):
    """Lag settings, backend and how many series are stored."""
    return InfoOut(
        n_lags=lags.features.n_lags,
        feature_names=list(lags.features.features(())),
        backend=lags.backend,
        series_count=await lags.series_count(),
        dedup_window=request.app.state.settings.dedup_window,
    )


@router.get("/health", response_model=HealthOut, responses=errors(503))
async def health(lags: Lags):
    """Liveness and readiness: 200 when the backend answers, 503 otherwise."""
    await lags.ping()
    return {"status": "ok", "backend": lags.backend}


router.include_router(admin)
