"""Hot JSON routes on FastAPI's public API: bodies validated straight from bytes.

FastAPI's own body handling parses the body with ``json`` into a dict, then validates the
dict: the larger share of a request's cost on the pipeline's hot paths. A hot route instead
takes the request, validates the raw bytes with :func:`parse_body` (``Model.model_validate_json``:
pydantic-core parses and validates in one pass) and documents its body with :func:`json_body`
in ``openapi_extra``. The route stays an ordinary ``APIRoute``: router and app dependencies,
``response_model``, tags and the OpenAPI document work as for any other.

Examples
--------
>>> from fastapi import APIRouter, FastAPI, Request
>>> from fastapi.testclient import TestClient
>>> from pydantic import BaseModel
>>> class Item(BaseModel):
...     value: float
>>> router = APIRouter()
>>> @router.post("/double", openapi_extra=json_body(Item))
... async def double(request: Request) -> dict:
...     item = await parse_body(request, Item)
...     return {"value": 2 * item.value}
>>> app = FastAPI()
>>> app.include_router(router)
>>> client = TestClient(app)
>>> client.post("/double", json={"value": 1.5}).json()
{'value': 3.0}
>>> client.post("/double", json={"value": "x"}).json()["detail"][0]["loc"]
['body', 'value']
>>> client.get("/openapi.json").json()["paths"]["/double"]["post"]["requestBody"]["required"]
True
"""

import functools
import typing
from typing import TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import Request

M = TypeVar("M", bound=BaseModel)

NOT_JSON = {
    "type": "content_type",
    "loc": ("body",),
    "msg": "expected a JSON body (Content-Type: application/json)",
}


async def parse_body(request: Request, model: type[M]) -> M:
    """The request's JSON body validated as ``model``, or :class:`RequestValidationError` with
    FastAPI's ``loc`` (``["body", field, ...]``), which the app answers with a 422.

    pydantic-core's parser reads ``NaN``, ``Infinity`` and ``1e999`` so that a finite-number
    field refuses them by name, and refuses nesting past its depth limit as invalid JSON.
    """
    if not _is_json(request.headers.get("content-type")):
        raise RequestValidationError([NOT_JSON])
    raw = await request.body()
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in errors], body=raw
        ) from None


def parse_query(request: Request, model: type[M]) -> M:
    """The request's query string validated as ``model`` (a list field takes every value of
    its repeated parameter, any other field the last one), or :class:`RequestValidationError`
    with FastAPI's ``loc`` (``["query", field, ...]``); parameters ``model`` does not name are
    ignored, as FastAPI does. Document them with :func:`query_parameters`.

    FastAPI resolves each query parameter of a route separately on every request; for a hot
    route with a few parameters that is a larger share of its cost than its work.

    Examples
    --------
    >>> from starlette.requests import Request
    >>> class Take(BaseModel):
    ...     stream: str = "default"
    ...     ack: list[int] = []
    >>> def request(query: bytes) -> Request:
    ...     return Request({"type": "http", "query_string": query, "headers": []})
    >>> parse_query(request(b"stream=s&ack=1&ack=2&other=x"), Take)
    Take(stream='s', ack=[1, 2])
    >>> try:
    ...     parse_query(request(b"ack=one"), Take)
    ... except RequestValidationError as exc:
    ...     exc.errors()[0]["loc"]
    ('query', 'ack', 0)
    """
    params, many = request.query_params, _list_fields(model)
    data = {
        key: params.getlist(key) if key in many else params[key]
        for key in params
        if key in model.model_fields
    }
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in errors]) from None


@functools.cache
def _list_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name
        for name, field in model.model_fields.items()
        if typing.get_origin(field.annotation) in (list, tuple, set, frozenset)
    )


def query_parameters(model: type[BaseModel]) -> list[dict]:
    """OpenAPI parameter objects for ``model``'s fields as query parameters (a list field is a
    repeated parameter: OpenAPI's default ``form`` style, exploded), for ``openapi_extra``.

    Examples
    --------
    >>> class Take(BaseModel):
    ...     stream: str = "default"
    ...     ack: list[int] = []
    >>> [(p["name"], p["required"], p["schema"]["type"]) for p in query_parameters(Take)]
    [('stream', False, 'string'), ('ack', False, 'array')]
    """
    schema = TypeAdapter(model).json_schema(mode="validation")
    definitions, properties = schema.pop("$defs", {}), schema["properties"]
    return [
        {
            "name": name,
            "in": "query",
            "required": field.is_required(),
            "schema": _inline(properties[name], definitions),
        }
        for name, field in model.model_fields.items()
    ]


def _is_json(content_type: str | None) -> bool:
    """``application/json`` or ``application/<x>+json``, parameters (charset) allowed.

    Examples
    --------
    >>> [_is_json(t) for t in ("application/json", "application/json; charset=utf-8",
    ...                        "application/merge-patch+json", "text/plain", None)]
    [True, True, True, False, False]
    """
    if content_type is None:
        return False
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def json_body(model: type[BaseModel]) -> dict:
    """``openapi_extra`` declaring ``model`` as the route's required JSON request body.

    The schema is inlined with its definitions resolved, so it stands alone in the document.

    Examples
    --------
    >>> class Inner(BaseModel):
    ...     x: int
    >>> class Outer(BaseModel):
    ...     items: list[Inner]
    >>> schema = json_body(Outer)["requestBody"]["content"]["application/json"]["schema"]
    >>> schema["properties"]["items"]["items"]["properties"]
    {'x': {'title': 'X', 'type': 'integer'}}
    """
    schema = TypeAdapter(model).json_schema(mode="validation")
    definitions = schema.pop("$defs", {})
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline(schema, definitions)}},
        }
    }


def _inline(node, definitions: dict):
    """``node`` with every ``{"$ref": "#/$defs/Name"}`` replaced by that definition."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(definitions[ref.removeprefix("#/$defs/")], definitions)
        return {key: _inline(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, definitions) for value in node]
    return node
