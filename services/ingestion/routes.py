"""HTTP routes: thin wrappers over the stream backend on ``app.state.streams``."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from libs.serving import JSON, SeriesId, admin_router, errors, json_body, parse_body
from services.ingestion.schemas import (
    AppendIn,
    AppendOut,
    BatchIn,
    BatchOut,
    DatasetInfo,
    HealthOut,
    InfoOut,
    NextOut,
    ResetOut,
    StatusOut,
)
from services.ingestion.streams import (
    DEFAULT_STREAM,
    LocalStreams,
    Observation,
    RedisStreams,
    StreamStatus,
)

StreamQuery = Annotated[SeriesId, Query()]
StreamPath = Annotated[SeriesId, Path()]


async def stream_backend(request: Request) -> LocalStreams | RedisStreams:
    """The stream backend the lifespan opened (``app.state.streams``)."""
    return request.app.state.streams


Streams = Annotated[LocalStreams | RedisStreams, Depends(stream_backend)]

router = APIRouter(tags=["ingestion"])
admin = admin_router()


def _observation(o: Observation) -> dict:
    """The seed's keys; ``series_id`` only when the observation has one."""
    out = {"observation_id": o.observation_id, "input": o.input, "target": o.target}
    if o.series_id is not None:
        out["series_id"] = o.series_id
    return out


@router.get(
    "/next",
    response_model=NextOut,
    responses={
        204: {"description": "The stream is exhausted (empty body)."},
        **errors(422, 503, _404="Unknown stream: nothing was appended to it."),
    },
)
async def next_observation(request: Request, stream: StreamQuery = DEFAULT_STREAM):
    """Hand out the stream's next observation, once; 204 with an empty body when exhausted."""
    taken = await request.app.state.streams.take(stream, 1)
    if not taken.observations:
        return Response(status_code=204)
    request.app.state.served[stream].inc()
    return JSON({**_observation(taken.observations[0]), "remaining": taken.remaining})


@router.post(
    "/next_batch",
    response_model=BatchOut,
    openapi_extra=json_body(BatchIn),
    responses=errors(413, 422, 503, _404="Unknown stream: nothing was appended to it."),
)
async def next_batch(request: Request) -> JSON:
    """Hand out up to ``n`` next observations, once; an empty list when exhausted."""
    body = await parse_body(request, BatchIn)
    taken = await request.app.state.streams.take(body.stream, body.n)
    request.app.state.served[body.stream].inc(len(taken.observations))
    observations = [_observation(o) for o in taken.observations]
    return JSON({"observations": observations, "remaining": taken.remaining})


@router.post(
    "/streams/{stream}/observations",
    response_model=AppendOut,
    status_code=201,
    responses=errors(
        400, 413, 422, 503, _409="The stream replays the data set and cannot be appended to."
    ),
)
async def append_observations(streams: Streams, stream: StreamPath, body: AppendIn):
    """Append live observations to a named stream (created on first use); returns their ids."""
    items = [[o.input, o.target, o.series_id] for o in body.observations]
    ids = await streams.append(stream, items)
    return {"stream": stream, "observation_ids": ids, "total": ids[-1]}


@admin.post(
    "/reset",
    response_model=ResetOut,
    responses=errors(422, 503, _404="Unknown stream: nothing was appended to it."),
)
async def reset(streams: Streams, stream: StreamQuery = DEFAULT_STREAM):
    """Rewind a stream to its first observation."""
    status = await streams.reset(stream)
    return {"stream": stream, "remaining": status.total}


@router.get(
    "/status",
    response_model=StatusOut,
    responses=errors(422, 503, _404="Unknown stream: nothing was appended to it."),
)
async def status(streams: Streams, stream: StreamQuery = DEFAULT_STREAM):
    """How far a stream has been handed out."""
    return _status(streams.backend, await streams.status(stream))


@router.get("/info", response_model=InfoOut, responses=errors(503))
async def info(streams: Streams):
    """The data set, the backend and the live streams."""
    dataset = streams.dataset
    return InfoOut(
        backend=streams.backend,
        dataset=DatasetInfo(
            path=str(dataset.path),
            rows=len(dataset.rows),
            series=dataset.series,
            fingerprint=dataset.fingerprint,
        ),
        live_streams=await streams.live_streams(),
    )


@router.get("/health", response_model=HealthOut, responses=errors(503))
async def health(streams: Streams):
    """Liveness and readiness: 200 when the backend answers, 503 otherwise."""
    if streams.backend == "redis":
        await streams.client.ping()
    return {"status": "ok", "backend": streams.backend}


def _status(backend: str, s: StreamStatus) -> dict:
    remaining = s.total - s.served
    return {
        "stream": s.stream,
        "backend": backend,
        "total": s.total,
        "served": s.served,
        "remaining": remaining,
        "exhausted": remaining == 0,
    }


router.include_router(admin)
