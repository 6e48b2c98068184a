"""Leases and acknowledgements, the same in process (a settable clock) and in Redis (real time)."""

import time

import pytest
from fastapi.testclient import TestClient

from services.ingestion.app import create_app
from services.ingestion.dataset import load_dataset
from services.ingestion.settings import IngestionSettings
from services.ingestion.streams import LocalStreams

LEASE = 0.5


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def stream(request, tmp_path):
    """A client on a service with a short lease, and ``expire()`` to let that lease run out."""
    settings = IngestionSettings(state_dir=tmp_path / "state", lease_seconds=LEASE)
    if request.param == "redis":
        settings = settings.model_copy(update={"redis_url": request.getfixturevalue("redis_url")})
        with TestClient(create_app(settings)) as client:
            yield client, lambda: time.sleep(LEASE * 1.2)
        return
    clock = Clock()
    streams = LocalStreams(load_dataset(), settings.state_dir, False, 10_000, LEASE, clock)

    def expire():
        clock.now += LEASE * 1.2

    with TestClient(create_app(settings, streams)) as client:
        yield client, expire


def take(client, n: int, consumer: str = "a", ack=(), key=None) -> list[int]:
    headers = {"Idempotency-Key": key} if key else {}
    body = {"n": n, "consumer": consumer, "ack": list(ack)}
    answer = client.post("/next_batch", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return [o["observation_id"] for o in answer.json()["observations"]]


def test_expired_leases_are_handed_out_again_first_lowest_id_first(stream):
    client, expire = stream
    first = take(client, 3, "a")
    acked = client.post("/ack", json={"observation_ids": [2]}).json()
    expire()
    again = take(client, 4, "b")
    status = client.get("/status").json()
    assert first == [1, 2, 3]
    assert acked == {"stream": "default", "acked": 1}
    assert again == [1, 3, 4, 5]
    assert (status["served"], status["acked"], status["leased"]) == (5, 1, 4)
    assert status["consumers"] == {"b": 4}


def test_an_observation_is_not_handed_out_twice_while_its_lease_lasts(tmp_path, request):
    for redis_url in (None, request.getfixturevalue("redis_url")):
        settings = IngestionSettings(state_dir=tmp_path / str(bool(redis_url)), redis_url=redis_url)
        with TestClient(create_app(settings)) as client:
            ids = take(client, 2, "a") + take(client, 2, "b") + take(client, 2, "a")
        assert ids == [1, 2, 3, 4, 5, 6]


def test_a_stream_is_exhausted_only_when_every_observation_is_acknowledged(stream):
    client, _ = stream
    ids = take(client, 1000) + take(client, 1000)
    nothing_now = client.get("/next")
    held = client.get("/status").json()
    client.post("/ack", json={"observation_ids": ids[:-1]})
    one_left = client.get("/status").json()
    last = client.get("/next", params={"ack": ids[-1]})
    done = client.get("/status").json()
    assert ids == list(range(1, 145))
    assert (nothing_now.status_code, nothing_now.content) == (204, b"")
    assert (held["remaining"], held["leased"], held["exhausted"], held["completed"]) == (
        0,
        144,
        False,
        False,
    )
    assert (one_left["acked"], one_left["exhausted"]) == (143, False)
    assert last.status_code == 204
    assert (done["acked"], done["leased"], done["exhausted"], done["completed"]) == (
        144,
        0,
        True,
        True,
    )


def test_a_never_acknowledging_seed_client_gets_each_observation_again_after_its_lease(stream):
    client, expire = stream
    first = client.get("/next").json()
    expire()
    again = client.get("/next").json()
    assert first == {"observation_id": 1, "input": "1949-01", "target": 112, "remaining": 143}
    assert again == first


def test_a_retried_take_with_the_same_key_answers_the_same_observations(stream):
    client, _ = stream
    first = take(client, 3, key="take-1")
    retried = take(client, 3, key="take-1")
    other = take(client, 3, key="take-2")
    single = client.get("/next", headers={"Idempotency-Key": "one"}).json()
    single_again = client.get("/next", headers={"Idempotency-Key": "one"}).json()
    assert (first, retried, other) == ([1, 2, 3], [1, 2, 3], [4, 5, 6])
    assert single == single_again and single["observation_id"] == 7
    assert client.get("/status").json()["served"] == 7


def test_a_released_consumer_gets_its_unacknowledged_observations_back_first_in_order(stream):
    client, _ = stream
    take(client, 5, "job")
    take(client, 2, "other")
    client.post("/ack", json={"observation_ids": [1, 2]})
    released = client.post("/release", json={"consumer": "job"}).json()
    resumed = take(client, 4, "job")
    assert released == {"stream": "default", "consumer": "job", "released": 3}
    assert resumed == [3, 4, 5, 8]


def test_invalid_keys_acks_and_consumers_are_422_naming_the_field_and_change_nothing(stream):
    client, _ = stream
    key = client.get("/next", headers={"Idempotency-Key": "has space"})
    ack = client.post("/ack", json={"observation_ids": [1, "x"]})
    consumer = client.post("/next_batch", json={"n": 1, "consumer": "a b"})
    release = client.post("/release", json={})
    status = client.get("/status").json()
    assert (key.status_code, key.json()["detail"][0]["loc"]) == (
        422,
        ["header", "idempotency-key"],
    )
    assert (ack.status_code, ack.json()["detail"][0]["loc"]) == (
        422,
        ["body", "observation_ids", 1],
    )
    assert (consumer.status_code, consumer.json()["detail"][0]["loc"]) == (
        422,
        ["body", "consumer"],
    )
    assert (release.status_code, release.json()["detail"][0]["loc"]) == (422, ["body", "consumer"])
    assert status["served"] == 0


def test_leases_acknowledgements_and_keys_survive_a_restart(tmp_path):
    settings = IngestionSettings(state_dir=tmp_path / "state", snapshot_every=2)
    with TestClient(create_app(settings)) as client:
        take(client, 4, "a", key="k")
        client.post("/ack", json={"observation_ids": [1, 4]})
        take(client, 1, "b")
    with TestClient(create_app(settings)) as client:
        retried = take(client, 4, "a", key="k")
        status = client.get("/status").json()
        client.post("/release", json={"consumer": "b"})
        released = take(client, 1, "c")
    assert retried == [2, 3]
    assert (status["served"], status["acked"], status["consumers"]) == (5, 2, {"a": 2, "b": 1})
    assert released == [5]


def test_acknowledging_on_an_unknown_stream_is_404(stream):
    client, _ = stream
    answer = client.post("/ack", json={"observation_ids": [1], "stream": "never"})
    released = client.post("/release", json={"consumer": "a", "stream": "never"})
    assert answer.status_code == 404 and released.status_code == 404
