from fastapi.testclient import TestClient

from services.ingestion.app import create_app
from services.ingestion.settings import IngestionSettings


def test_two_apps_sharing_redis_hand_out_each_observation_once(redis_url):
    settings = IngestionSettings(redis_url=redis_url)
    with TestClient(create_app(settings)) as a, TestClient(create_app(settings)) as b:
        first = a.get("/next")
        ids = [first.json()["observation_id"]]
        for i in range(40):
            client = (a, b)[i % 2]
            if i % 3:
                ids.append(client.get("/next").json()["observation_id"])
            else:
                batch = client.post("/next_batch", json={"n": 7}).json()["observations"]
                ids.extend(o["observation_id"] for o in batch)
        status = b.get("/status").json()
    assert first.json() == {
        "observation_id": 1,
        "input": "1949-01",
        "target": 112,
        "remaining": 143,
    }
    assert ids == list(range(1, len(ids) + 1))
    assert status["backend"] == "redis" and status["served"] == len(ids)


def test_exhaustion_and_reset_work_the_same_in_redis(redis_url):
    with TestClient(create_app(IngestionSettings(redis_url=redis_url))) as client:
        client.post("/next_batch", json={"n": 1000})
        exhausted = [client.get("/next") for _ in range(2)]
        empty = client.post("/next_batch", json={"n": 3}).json()
        reset = client.post("/reset").json()
        again = client.get("/next").json()["observation_id"]
    assert [(r.status_code, r.content) for r in exhausted] == [(204, b"")] * 2
    assert empty == {"observations": [], "remaining": 0}
    assert reset["remaining"] == reset["total_observations"] == 144
    assert again == 1


def test_live_streams_in_redis_are_shared_by_replicas(redis_url):
    settings = IngestionSettings(redis_url=redis_url)
    with TestClient(create_app(settings)) as producer, TestClient(create_app(settings)) as other:
        created = producer.post(
            "/streams/live/observations",
            json={"observations": [{"input": "a", "target": 1.0}, {"input": "b", "target": 2.5}]},
        )
        first = other.get("/next", params={"stream": "live"}).json()
        rest = producer.post("/next_batch", json={"n": 5, "stream": "live"}).json()
        unknown = other.get("/next", params={"stream": "never"})
        info = other.get("/info").json()
    assert created.status_code == 201 and created.json()["observation_ids"] == [1, 2]
    assert first == {
        "observation_id": 1,
        "input": "a",
        "target": 1.0,
        "series_id": "live",
        "remaining": 1,
    }
    assert rest["observations"] == [
        {"observation_id": 2, "input": "b", "target": 2.5, "series_id": "live"}
    ]
    assert unknown.status_code == 404
    assert info["live_streams"] == ["live"] and info["backend"] == "redis"


def test_redis_down_is_503_with_a_clear_message_and_recovers_when_back(redis_server, redis_url):
    with TestClient(create_app(IngestionSettings(redis_url=redis_url))) as client:
        client.get("/next")
        redis_server.stop()
        down = client.get("/next")
        health = client.get("/health")
        redis_server.start()
        back = client.get("/next")
    assert down.status_code == 503
    assert down.json()["detail"].startswith("redis unavailable: ")
    assert health.status_code == 503
    assert back.status_code == 200 and back.json()["observation_id"] == 1  # nothing persisted
