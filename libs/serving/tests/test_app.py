"""The shared app: hot JSON routes keep FastAPI's contract, the middleware its guarantees."""

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from pydantic import BaseModel

from libs.serving import JSON, FiniteFloat, ObservationId, build_app, json_body, parse_body


class Item(BaseModel):
    value: FiniteFloat
    observation_id: ObservationId | None = None


class Echo(BaseModel):
    value: float
    scale: int


def make_router() -> APIRouter:
    router = APIRouter()

    @router.post("/echo", response_model=Echo, openapi_extra=json_body(Item))
    async def echo(request: Request, scale: Annotated[int, Query(ge=1)] = 1):
        """Echo the value, scaled."""
        body = await parse_body(request, Item)
        return JSON({"value": body.value * scale, "scale": scale})

    @router.post("/filtered", response_model=Echo, status_code=201)
    async def filtered(request: Request, body: Item):
        """A plain dict answer still goes through response_model."""
        return {"value": body.value, "scale": 1, "secret": "not in the model"}

    return router


def make_app():
    app = build_app("demo", "A demo.", None, CollectorRegistry())
    app.include_router(make_router())
    return app


@pytest.fixture
def client():
    with TestClient(make_app()) as c:
        yield c


def test_valid_body_is_answered_by_the_endpoint(client):
    response = client.post("/echo?scale=3", json={"value": 1.5})
    assert response.status_code == 200
    assert response.json() == {"value": 4.5, "scale": 3}


@pytest.mark.parametrize("raw", ["9" * 400, "-" + "9" * 400])
def test_integer_literal_past_64_bits_gets_422_not_500(client, raw):
    response = client.post(
        "/echo", content=f'{{"value": {raw}}}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "value"]]


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999", '"12"', "true"])
def test_non_finite_or_non_numeric_value_gets_422_naming_the_field(client, raw):
    response = client.post(
        "/echo", content=f'{{"value": {raw}}}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "value"]]


def test_float_observation_id_is_refused(client):
    response = client.post("/echo", json={"value": 1.0, "observation_id": 1.0})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "observation_id"]


@pytest.mark.parametrize("path", ["/echo", "/filtered"])
def test_malformed_json_gets_422_json_invalid(client, path):
    response = client.post(
        path, content=b'{"value": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize("path", ["/echo", "/filtered"])
def test_deeply_nested_or_huge_json_is_4xx_not_500(client, path):
    headers = {"Content-Type": "application/json"}
    nested = client.post(path, content=b"[" * 1000 + b"]" * 1000, headers=headers)
    assert 400 <= nested.status_code < 500
    deep_field = b'{"value": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    assert 400 <= client.post(path, content=deep_field, headers=headers).status_code < 500
    huge = client.post(path, content=b'{"value": 1' + b"0" * 5000 + b"}", headers=headers)
    assert huge.status_code == 422 or huge.status_code == 400
    assert "detail" in huge.json()


def test_other_content_types_are_refused_as_fastapi_does(client):
    form = client.post("/echo", content=b"value=1", headers={"Content-Type": "text/plain"})
    assert form.status_code == 422
    assert form.json()["detail"][0]["loc"] == ["body"]
    charset = client.post(
        "/echo",
        content=b'{"value": 2}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert charset.status_code == 200 and charset.json() == {"value": 2.0, "scale": 1}


def test_invalid_query_parameter_gets_422_naming_it(client):
    response = client.post("/echo?scale=0", json={"value": 1.0})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "scale"]


def test_non_response_answers_go_through_response_model_and_status_code(client):
    response = client.post("/filtered", json={"value": 2.0})
    assert response.status_code == 201
    assert response.json() == {"value": 2.0, "scale": 1}


def test_openapi_documents_body_query_and_answer(client):
    operation = client.get("/openapi.json").json()["paths"]["/echo"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["title"] == "Item" and body["required"] == ["value"]
    assert [p["name"] for p in operation["parameters"]] == ["scale"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/Echo"}
    assert operation["description"] == "Echo the value, scaled."


def test_hot_route_documents_its_body_inline():
    with TestClient(make_app()) as client:
        operation = client.get("/openapi.json").json()["paths"]["/echo"]["post"]
    body = operation["requestBody"]
    assert body["required"] is True
    schema = body["content"]["application/json"]["schema"]
    assert schema["required"] == ["value"]
    assert set(schema["properties"]) == {"value", "observation_id"}


def test_a_router_level_dependency_runs_on_hot_and_plain_routes():
    async def deny():
        raise HTTPException(403, "denied")

    app = FastAPI()
    app.include_router(make_router(), dependencies=[Depends(deny)])
    with TestClient(app) as client:
        assert client.post("/echo", json={"value": 1.0}).status_code == 403
        assert client.post("/filtered", json={"value": 1.0}).status_code == 403


def test_request_id_is_echoed_or_generated_unique(client):
    given = client.post("/echo", json={"value": 1.0}, headers={"X-Request-ID": "abc"})
    assert given.headers["x-request-id"] == "abc"
    ids = {client.post("/echo", json={"value": 1.0}).headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize("bad", ["x" * 65, "a b", "<script>", "id\u00e9", "a/b"])
def test_request_id_too_long_or_with_odd_characters_is_replaced_by_a_generated_one(client, bad):
    response = client.post(
        "/echo", json={"value": 1.0}, headers={"X-Request-ID": bad.encode("utf-8")}
    )
    assert response.status_code == 200 and response.json() == {"value": 1.0, "scale": 1}
    generated = response.headers["x-request-id"]
    assert generated != bad and 0 < len(generated) <= 64
    longest = "A-z_0.9" + "x" * 57
    assert client.get("/metrics", headers={"X-Request-ID": longest}).headers["x-request-id"] == (
        longest
    )


def test_oversized_bodies_get_413_declared_or_streamed(client):
    big = b'{"value": 1.0, "pad": "' + b"x" * (1024 * 1024) + b'"}'
    declared = client.post("/echo", content=big, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413
    assert declared.json() == {"detail": "request body exceeds 1048576 bytes"}

    def chunks():
        yield big[: len(big) // 2]
        yield big[len(big) // 2 :]

    streamed = client.post("/echo", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert streamed.json() == declared.json()


def test_metrics_count_requests_by_route_template_and_status(client):
    client.post("/echo", json={"value": 1.0})
    client.post("/echo", json={"value": "x"})
    text = client.get("/metrics").text
    assert 'http_requests_total{method="POST",route="/echo",status="200"} 1.0' in text
    assert 'http_requests_total{method="POST",route="/echo",status="422"} 1.0' in text
    assert 'http_request_duration_seconds_count{method="POST",route="/echo"} 2.0' in text
