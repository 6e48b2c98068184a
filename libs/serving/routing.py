"""A route class that validates JSON bodies straight from bytes on the hot path.

FastAPI's request handler reads the body through ``json``, solves dependencies, builds keyword
arguments and re-validates the answer: about 40 us per request here, more than the endpoint's
own work on the pipeline's hot paths. :class:`OrjsonRoute` keeps FastAPI's declarations (the
endpoint's signature still produces the OpenAPI document, ``response_model`` still documents
the answer) and serves the common case itself.
"""

import inspect
import json

import orjson
from fastapi import routing as fastapi_routing
from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, serialize_response
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from libs.serving.responses import JSON

JSON_TYPE = "application/json"


class OrjsonRequest(Request):
    """Parses JSON bodies with orjson, several times faster than ``json``.

    orjson refuses NaN, Infinity and 1e999; such bodies go through ``json``, which accepts them,
    so that validation refuses them with a 422 naming the field rather than a parse error.
    """

    async def json(self):
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = orjson.loads(body)
            except orjson.JSONDecodeError:
                self._json = json.loads(body)
        return self._json


class OrjsonRoute(APIRoute):
    """An ``APIRoute`` with a fast path for endpoints of the shape
    ``async def endpoint(request: Request, body: SomeModel, q: int = 1)``.

    The fast path validates a ``Content-Type: application/json`` body with
    ``SomeModel.model_validate_json`` (pydantic-core parses and validates in one pass, and its
    parser reads NaN and Infinity so that a finite-number field refuses them by name), raises
    :class:`RequestValidationError` with FastAPI's ``loc`` (``["body", field]``), and sends a
    returned :class:`~starlette.responses.Response` as is; anything else goes through
    ``response_model`` as usual. Other requests (another content type, malformed JSON) and
    endpoints of any other shape (dependencies, path parameters, several bodies) take FastAPI's
    own handler, whose bodies are parsed by :class:`OrjsonRequest`.
    """

    def get_route_handler(self):
        standard = super().get_route_handler()

        async def slow(request: Request) -> Response:
            return await standard(OrjsonRequest(request.scope, request.receive))

        # Included in a router, the route is served with the inclusion's context (its prefix and
        # dependencies); FastAPI hands it over in this variable while building the handler.
        context = getattr(fastapi_routing, "_effective_route_context_var", None)
        context = context.get() if context is not None else None
        spec = context if context is not None and context.original_route is self else self
        if not _fast_shape(spec):
            return slow
        return _fast_handler(spec, standard)


def _fast_handler(spec, standard):
    """The request handler for a route of the fast shape; ``standard`` is FastAPI's own."""
    dependant, endpoint = spec.dependant, spec.endpoint
    request_name, query = dependant.request_param_name, dependant.query_params
    body = dependant.body_params[0] if dependant.body_params else None
    model = body.field_info.annotation if body is not None else None
    status_code, response_field = spec.status_code, spec.response_field

    async def handler(request: Request) -> Response:
        # One request object for both paths: the standard one finds the body already read.
        request = OrjsonRequest(request.scope, request.receive)
        values = {request_name: request}
        if query:
            found, errors = request_params_to_args(query, request.query_params)
            if errors:
                raise RequestValidationError(errors)
            values.update(found)
        if model is not None:
            if request.headers.get("content-type") != JSON_TYPE:
                return await standard(request)
            raw = await request.body()
            try:
                values[body.name] = model.model_validate_json(raw)
            except ValidationError as exc:
                errors = exc.errors(include_url=False)
                if any(e["type"] == "json_invalid" for e in errors):
                    return await standard(request)  # FastAPI's own "JSON decode error"
                raise RequestValidationError(
                    [{**e, "loc": ("body", *e["loc"])} for e in errors], body=raw
                ) from None
        result = await endpoint(**values)
        if isinstance(result, Response):
            return result
        content = await serialize_response(field=response_field, response_content=result)
        return JSON(content, status_code=status_code or 200)

    return handler


def _fast_shape(route) -> bool:
    """An ``async def`` taking the request, at most one JSON model body and query parameters."""
    d = route.dependant
    if d.request_param_name is None or d.dependencies or d.path_params or d.header_params:
        return False
    if d.cookie_params or d.response_param_name or d.background_tasks_param_name:
        return False
    if len(d.body_params) > 1 or route._embed_body_fields:
        return False
    if d.body_params:
        annotation = d.body_params[0].field_info.annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return False
    return inspect.iscoroutinefunction(route.endpoint)
