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


async def validation_error(request: Request, exc: RequestValidationError) -> JSON:
    """FastAPI's 422 body (``detail``: the errors, each naming its field in ``loc``).

    Encoded by orjson: the standard encoder fails on the NaN or Infinity a rejected input
    echoes, which would turn the 422 into a 500.
    """
    return JSON({"detail": jsonable_encoder(exc.errors())}, status_code=422)
