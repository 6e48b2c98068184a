from fastapi.testclient import TestClient

from libs.testkit import RedisServer, require_binary
from services.features.app import create_app
from services.features.settings import FeaturesSettings


def test_a_value_for_one_series_past_max_series_is_refused_and_stores_nothing(tmp_path):
    config = FeaturesSettings(state_dir=tmp_path / "state", max_series=2)
    with TestClient(create_app(config)) as client:
        for series_id in ("a", "b"):
            assert client.post("/add", json={"series_id": series_id, "value": 1.0}).is_success
        refused = client.post(
            "/add_batch",
            json={"items": [{"series_id": "a", "value": 2.0}, {"series_id": "c", "value": 3.0}]},
        )
        assert client.post("/add", json={"series_id": "b", "value": 5.0}).is_success
        assert client.get("/series/a").json()["window"] == [1.0]
        assert client.get("/info").json()["series_count"] == 2
    assert refused.status_code == 422
    assert refused.json()["detail"] == [
        {
            "type": "max_series",
            "loc": ["body", "items", 1, "series_id"],
            "msg": "series 'c' would be a new series beyond MAX_SERIES=2; "
            "the service keeps at most that many",
            "input": "c",
        }
    ]


def test_max_series_holds_with_redis_too(tmp_path):
    require_binary("redis-server")
    with RedisServer(tmp_path) as redis:
        config = FeaturesSettings(redis_url=redis.url, max_series=1)
        with TestClient(create_app(config)) as client:
            assert client.post("/add", json={"series_id": "a", "value": 1.0}).is_success
            refused = client.post("/add", json={"series_id": "b", "value": 1.0})
            assert client.post("/add", json={"series_id": "a", "value": 2.0}).is_success
            assert client.get("/info").json()["series_count"] == 1
            ready = client.get("/readyz")
    assert refused.status_code == 422 and "MAX_SERIES=1" in refused.json()["detail"][0]["msg"]
    assert ready.json() == {"status": "ready"}


def test_liveness_and_readiness_answer_and_snapshot_metrics_are_exposed(tmp_path):
    config = FeaturesSettings(state_dir=tmp_path / "state")
    with TestClient(create_app(config)) as client:
        alive, ready = client.get("/healthz"), client.get("/readyz")
        client.post("/add", json={"series_id": "a", "value": 1.0})
        metrics = client.get("/metrics").text
    assert (alive.status_code, alive.json()) == (200, {"status": "alive"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    assert "state_snapshot_failures_total 0.0" in metrics
    assert "state_journal_records 1.0" in metrics
