"""JSON answers encoded by orjson, the 422 answer every service gives to invalid requests, and
the OpenAPI description of every error answer."""

from typing import Any

import orjson
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from libs.lag_features import ObservationConflict


class JSON(Response):
    """A JSON response encoded by orjson, sent as is (no ``response_model`` re-validation).

    orjson writes a non-finite float as ``null``, so an answer can never fail to encode.

    Examples
    --------
    >>> JSON({"prediction": 1.5, "cold": False}).body
    b'{"prediction":1.5,"cold":false}'
    >>> JSON({"input": float("nan")}, status_code=422).body
    b'{"input":null}'
    """

    media_type = "application/json"

    def render(self, content) -> bytes:
        return orjson.dumps(content)


MAX_ECHO = 200


async def observation_conflict(request: Request, exc: ObservationConflict) -> JSON:
    """The 409 of every service: the conflict's message, prefixed by ``items[i]: `` when it is
    the ``i``-th item of a batch."""
    where = f"items[{exc.index}]: " if request.url.path.endswith("_batch") else ""
    return JSON({"detail": where + str(exc)}, status_code=409)


async def validation_error(request: Request, exc: RequestValidationError) -> JSON:
    """FastAPI's 422 body (``detail``: the errors, each naming its field in ``loc``).

    Encoded by orjson: the standard encoder fails on the NaN or Infinity a rejected input
    echoes, which would turn the 422 into a 500. The rejected ``input`` is echoed only when it is
    a small scalar: an integer literal past 64 bits (which orjson cannot write) is echoed as text,
    and a whole object or a long string (up to the 1 MiB body limit) is not sent back at all.
    """
    errors = []
    for error in exc.errors():
        # The input leaves before encoding: a deeply nested one would exhaust the encoder's
        # recursion and turn the 422 into a 500.
        error = dict(error)
        echo = _echo(error.pop("input")) if "input" in error else _OMIT
        error = jsonable_encoder(error)
        if echo is not _OMIT:
            error["input"] = echo
        errors.append(error)
    return JSON({"detail": errors}, status_code=422)


_OMIT = object()


def _echo(value):
    """What of a rejected input a 422 repeats.

    Examples
    --------
    >>> _echo(1.5), _echo(None), _echo("abc"), _echo(2**70)
    (1.5, None, 'abc', '1180591620717411303424')
    >>> _echo({"features": {}}) is _OMIT, _echo("x" * 1000) is _OMIT
    (True, True)
    """
    if isinstance(value, int) and not -(2**63) <= value < 2**64:
        text = str(value)
        return text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "..."
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and len(value) <= MAX_ECHO:
        return value
    return _OMIT


class ErrorOut(BaseModel):
    """Every error answer but 422: what went wrong, in words."""

    detail: str


class FieldError(BaseModel):
    type: str
    loc: list[str | int] = []
    msg: str
    input: Any = None
    ctx: dict | None = None


class ValidationErrorOut(BaseModel):
    """A 422: each invalid field, named in ``loc`` (``["body", "features", "in_1"]``)."""

    detail: list[FieldError]


ERRORS = {
    400: "The body is not JSON the service can parse.",
    401: "An admin endpoint without the right ADMIN_TOKEN bearer token.",
    403: "Admin endpoints are disabled: the service is not on loopback and ADMIN_TOKEN is unset.",
    404: "Unknown series or stream.",
    409: "The observation_id was already applied with another payload, or the target refuses it.",
    413: "The request body exceeds the size limit.",
    422: "An invalid field, named in loc.",
    503: "Redis (REDIS_URL) does not answer, or the state directory is read-only or failing "
    "(the detail names which); nothing was changed.",
    507: "The state directory is full (the detail names it); nothing was changed.",
}


def errors(*codes: int, **described: str) -> dict:
    """``responses=`` documenting the error answers ``codes`` (and codes given as ``_404="why"``).

    Examples
    --------
    >>> sorted(errors(413, 422))
    [413, 422]
    >>> errors(_404="Unknown stream.")[404]["description"]
    'Unknown stream.'
    """
    table = {code: ERRORS[code] for code in codes}
    table.update({int(key.lstrip("_")): text for key, text in described.items()})
    return {
        code: {"model": ValidationErrorOut if code == 422 else ErrorOut, "description": text}
        for code, text in table.items()
    }
