"""Admin routes: a bearer ADMIN_TOKEN when set, else loopback only; every admin route guarded."""

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from libs.serving import ServiceSettings, admin_router, build_app


def make_app(settings: ServiceSettings):
    admin = admin_router()

    @admin.post("/reset")
    async def reset() -> dict:
        """Wipe."""
        return {"status": "reset"}

    @admin.get("/streams/{name}")
    async def stream(name: str) -> dict:
        """Administer one stream."""
        return {"stream": name}

    app = build_app("demo", "A demo.", None, CollectorRegistry())
    app.state.settings = settings
    app.include_router(admin)
    return app


ADMIN_CALLS = [("POST", "/reset"), ("GET", "/streams/a")]


@pytest.mark.parametrize(("method", "path"), ADMIN_CALLS)
def test_with_a_token_set_calls_without_it_or_with_a_wrong_one_get_401(method, path):
    with TestClient(make_app(ServiceSettings(admin_token="s3cret"))) as client:
        missing = client.request(method, path)
        wrong = client.request(method, path, headers={"Authorization": "Bearer s3cre"})
        basic = client.request(method, path, headers={"Authorization": "Basic s3cret"})
        right = client.request(method, path, headers={"Authorization": "Bearer s3cret"})
    for refused in (missing, wrong, basic):
        assert refused.status_code == 401
        assert "ADMIN_TOKEN" in refused.json()["detail"]
        assert refused.headers["www-authenticate"] == "Bearer"
    assert right.status_code == 200


def test_a_token_is_required_on_loopback_too():
    settings = ServiceSettings(host="127.0.0.1", admin_token="s3cret")
    with TestClient(make_app(settings)) as client:
        assert client.post("/reset").status_code == 401


@pytest.mark.parametrize(("method", "path"), ADMIN_CALLS)
def test_without_a_token_admin_calls_work_on_loopback(method, path):
    with TestClient(make_app(ServiceSettings(host="127.0.0.1"))) as client:
        assert client.request(method, path).status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3"])
def test_without_a_token_off_loopback_admin_calls_get_403_naming_why(host):
    with TestClient(make_app(ServiceSettings(host=host))) as client:
        for method, path in ADMIN_CALLS:
            response = client.request(method, path, headers={"Authorization": "Bearer x"})
            assert response.status_code == 403
            assert response.json()["detail"] == (
                f"admin endpoints disabled: HOST {host} is not loopback and ADMIN_TOKEN is unset"
            )


def test_an_empty_admin_token_counts_as_unset(monkeypatch):
    monkeypatch.setenv("ADMIN_TOKEN", "")
    assert ServiceSettings().admin_token is None


def test_openapi_documents_the_bearer_scheme_and_the_401_and_403():
    with TestClient(make_app(ServiceSettings())) as client:
        document = client.get("/openapi.json").json()
    operation = document["paths"]["/reset"]["post"]
    assert {"401", "403"} <= set(operation["responses"])
    assert operation["security"] == [{"HTTPBearer": []}]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
