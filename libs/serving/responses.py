"""JSON answers encoded by orjson, and the 422 answer every service gives to invalid requests."""

import orjson
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import Response


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


async def validation_error(request: Request, exc: RequestValidationError) -> JSON:
    """FastAPI's 422 body (``detail``: the errors, each naming its field in ``loc``).

    Encoded by orjson: the standard encoder fails on the NaN or Infinity a rejected input
    echoes, which would turn the 422 into a 500. The rejected ``input`` is echoed only when it is
    a small scalar: an integer literal past 64 bits (which orjson cannot write) is echoed as text,
    and a whole object or a long string (up to the 1 MiB body limit) is not sent back at all.
    """
    errors = jsonable_encoder(exc.errors())
    for error in errors:
        if "input" in error:
            echo = _echo(error.pop("input"))
            if echo is not _OMIT:
                error["input"] = echo
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
