"""HTTP routes: thin wrappers over the stream backend on ``app.state.streams``.

``router`` serves producers and consumers; stream administration (rewinding a stream) is on
``admin``, whose routes require ``ADMIN_TOKEN`` (see :func:`libs.serving.admin_router`).
"""

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from libs.serving import (
    JSON,
    NAME_PATTERN,
    SeriesId,
    admin_router,
    errors,
    json_body,
    parse_body,
    parse_query,
    query_parameters,
)
from services.ingestion.redis_streams import RedisStreams
from services.ingestion.schemas import (
    AckIn,
    AckOut,
    AppendIn,
    AppendOut,
    BatchIn,
    BatchOut,
    DatasetInfo,
    HealthOut,
    InfoOut,
    NextOut,
    NextQuery,
    ReleaseIn,
    ReleaseOut,
    ResetOut,
    StatusOut,
)
from services.ingestion.streams import (
    DEFAULT_STREAM,
    LocalStreams,
    Observation,
    StreamStatus,
)

StreamQuery = Annotated[SeriesId, Query()]
StreamPath = Annotated[SeriesId, Path()]
UNKNOWN = "Unknown stream: nothing was appended to it."
KEY_HEADER = "idempotency-key"
KEY = re.compile(NAME_PATTERN)
KEY_DOC = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": NAME_PATTERN},
    "description": "A retry with the same key, while the lease lasts, answers the same "
    "observations instead of new ones.",
}


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


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get(KEY_HEADER)
    if key is not None and not KEY.match(key):
        error = {
            "type": "string_pattern_mismatch",
            "loc": ("header", KEY_HEADER),
            "msg": f"String should match pattern '{NAME_PATTERN}'",
            "input": key,
        }
        raise RequestValidationError([error])
    return key


async def _take(request: Request, stream: str, n: int, consumer: str, ack: list[int]):
    """Acknowledge ``ack`` first, so that none of them is handed out by this take."""
    state = request.app.state
    key = _idempotency_key(request)
    if ack:
        state.acked[stream].inc(await state.streams.ack(stream, ack))
    taken = await state.streams.take(stream, n, consumer, key)
    state.served[stream].inc(len(taken.observations))
    return taken


@router.get(
    "/next",
    response_model=NextOut,
    responses={
        204: {"description": "Nothing to hand out now (empty body)."},
        **errors(422, 503, 507, _404=UNKNOWN),
    },
    openapi_extra={"parameters": [*query_parameters(NextQuery), KEY_DOC]},
)
async def next_observation(request: Request):
    """Acknowledge ``ack``, then lease the next observation (an expired lease first); 204 with
    an empty body when there is nothing to hand out."""
    query = parse_query(request, NextQuery)
    taken = await _take(request, query.stream, 1, query.consumer, query.ack)
    if not taken.observations:
        return Response(status_code=204)
    return JSON({**_observation(taken.observations[0]), "remaining": taken.remaining})


@router.post(
    "/next_batch",
    response_model=BatchOut,
    openapi_extra={**json_body(BatchIn), "parameters": [KEY_DOC]},
    responses=errors(413, 422, 503, 507, _404=UNKNOWN),
)
async def next_batch(request: Request) -> JSON:
    """Acknowledge ``ack``, then lease up to ``n`` observations (expired leases first)."""
    body = await parse_body(request, BatchIn)
    taken = await _take(request, body.stream, body.n, body.consumer, body.ack)
    observations = [_observation(o) for o in taken.observations]
    return JSON({"observations": observations, "remaining": taken.remaining})


@router.post("/ack", response_model=AckOut, responses=errors(413, 422, 503, 507, _404=UNKNOWN))
async def ack(request: Request, streams: Streams, body: AckIn):
    """Acknowledge observations (learned for good): they are never handed out again."""
    acked = await streams.ack(body.stream, body.observation_ids)
    request.app.state.acked[body.stream].inc(acked)
    return {"stream": body.stream, "acked": acked}


@router.post("/release", response_model=ReleaseOut, responses=errors(422, 503, 507, _404=UNKNOWN))
async def release(streams: Streams, body: ReleaseIn):
    """End a consumer's leases now: what it had not acknowledged is handed out again first."""
    released = await streams.release(body.stream, body.consumer)
    return {"stream": body.stream, "consumer": body.consumer, "released": released}


@router.post(
    "/streams/{stream}/observations",
    response_model=AppendOut,
    status_code=201,
    responses=errors(
        400, 413, 422, 503, 507, _409="The stream replays the data set and cannot be appended to."
    ),
)
async def append_observations(streams: Streams, stream: StreamPath, body: AppendIn):
    """Append live observations to a named stream (created on first use); returns their ids."""
    items = [[o.input, o.target, o.series_id] for o in body.observations]
    ids = await streams.append(stream, items)
    return {"stream": stream, "observation_ids": ids, "total": ids[-1]}


@admin.post("/reset", response_model=ResetOut, responses=errors(422, 503, 507, _404=UNKNOWN))
async def reset(streams: Streams, stream: StreamQuery = DEFAULT_STREAM):
    """Rewind a stream to its first observation, forgetting its leases and acknowledgements."""
    status = await streams.reset(stream)
    return {
        "stream": stream,
        "remaining": status.total,
        "message": f"stream {stream!r} reset to its first observation",
        "total_observations": status.total,
    }


@router.get("/status", response_model=StatusOut, responses=errors(422, 503, _404=UNKNOWN))
async def status(streams: Streams, stream: StreamQuery = DEFAULT_STREAM):
    """How far a stream has been handed out and acknowledged, and who holds leases."""
    return _status(streams, await streams.status(stream))


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
        lease_seconds=streams.lease_seconds,
    )


@router.get("/health", response_model=HealthOut, responses=errors(503))
async def health(streams: Streams):
    """Liveness and readiness: 200 when the backend answers, 503 otherwise."""
    if streams.backend == "redis":
        await streams.client.ping()
    return {"status": "ok", "backend": streams.backend}


def _status(streams: LocalStreams | RedisStreams, s: StreamStatus) -> dict:
    """Ours and the seed's names: ``current_index`` is ``served``, ``completed`` is
    ``exhausted`` (every observation acknowledged)."""
    return {
        "stream": s.stream,
        "backend": streams.backend,
        "total": s.total,
        "served": s.served,
        "acked": s.acked,
        "leased": s.leased,
        "expired": s.expired,
        "remaining": s.total - s.served,
        "exhausted": s.exhausted,
        "lease_seconds": streams.lease_seconds,
        "consumers": s.consumers,
        "current_index": s.served,
        "total_observations": s.total,
        "completed": s.exhausted,
    }


router.include_router(admin)
