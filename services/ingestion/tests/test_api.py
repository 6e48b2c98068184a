import orjson
import pytest
from fastapi.testclient import TestClient

from services.ingestion.app import create_app
from services.ingestion.settings import IngestionSettings


@pytest.fixture
def settings(tmp_path):
    return IngestionSettings(state_dir=tmp_path / "state")


def test_first_next_answers_exactly_as_the_seed(settings):
    with TestClient(create_app(settings)) as client:
        response = client.get("/next")
    assert response.status_code == 200
    assert (
        response.content == b'{"observation_id":1,"input":"1949-01","target":112,"remaining":143}'
    )


def test_seed_curl_examples_answer_with_the_seed_fields(settings):
    """``curl /next``, ``curl -X POST /reset``, ``curl /status`` as the seed documents them."""
    with TestClient(create_app(settings)) as client:
        client.get("/next")
        reset = client.post("/reset").json()
        first = client.get("/next").json()
        status = client.get("/status").json()
    assert first == {"observation_id": 1, "input": "1949-01", "target": 112, "remaining": 143}
    assert reset["total_observations"] == 144 and "reset" in reset["message"]
    assert {k: status[k] for k in ("current_index", "total_observations", "remaining")} == {
        "current_index": 1,
        "total_observations": 144,
        "remaining": 143,
    }
    assert status["completed"] is False and status["leased"] == 1


def test_exhausted_stream_answers_204_with_empty_body_on_every_call(settings):
    with TestClient(create_app(settings)) as client:
        ids = []
        for _ in range(144):  # each take acknowledges the observation before it
            ids.append(client.get("/next", params={"ack": ids[-1:]}).json()["observation_id"])
        after = [client.get("/next", params={"ack": ids[-1:]}) for _ in range(3)]
        status = client.get("/status").json()
    assert ids == list(range(1, 145))
    assert [(r.status_code, r.content) for r in after] == [(204, b"")] * 3
    assert status == {
        "stream": "default",
        "backend": "memory",
        "total": 144,
        "served": 144,
        "acked": 144,
        "leased": 0,
        "expired": 0,
        "remaining": 0,
        "exhausted": True,
        "lease_seconds": 30.0,
        "consumers": {},
        "current_index": 144,
        "total_observations": 144,
        "completed": True,
    }


def test_batch_pull_continues_where_next_left_off_and_ends_with_an_empty_list(settings):
    with TestClient(create_app(settings)) as client:
        client.get("/next")
        first = client.post("/next_batch", json={"n": 2})
        rest = client.post("/next_batch", json={"n": 1000})
        empty = client.post("/next_batch", json={"n": 5})
    assert first.status_code == 200
    assert first.json() == {
        "observations": [
            {"observation_id": 2, "input": "1949-02", "target": 118},
            {"observation_id": 3, "input": "1949-03", "target": 132},
        ],
        "remaining": 141,
    }
    assert [o["observation_id"] for o in rest.json()["observations"]] == list(range(4, 145))
    assert (empty.status_code, empty.json()) == (200, {"observations": [], "remaining": 0})


@pytest.mark.parametrize("body", [{"n": 0}, {"n": 1001}, {"n": "many"}, {}])
def test_batch_size_outside_1_to_1000_is_refused_naming_the_field(settings, body):
    with TestClient(create_app(settings)) as client:
        response = client.post("/next_batch", json=body)
        status = client.get("/status").json()
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "n"]
    assert status["served"] == 0


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/next_batch", {"n": 2, "size": 5}),
        ("/streams/sensors/observations", {"observations": [{"input": "x", "target": 1, "y": 2}]}),
        ("/streams/sensors/observations", {"observations": [{"input": "x", "target": 1}], "a": 1}),
    ],
)
def test_unknown_fields_are_422_and_change_nothing(settings, route, body):
    with TestClient(create_app(settings)) as client:
        response = client.post(route, json=body)
        status = client.get("/status").json()
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "extra_forbidden"
    assert status["served"] == 0


def test_reset_rewinds_to_the_first_observation(settings):
    with TestClient(create_app(settings)) as client:
        client.post("/next_batch", json={"n": 10})
        reset = client.post("/reset")
        again = client.get("/next")
    assert reset.status_code == 200
    assert reset.json() == {
        "status": "reset",
        "stream": "default",
        "remaining": 144,
        "message": "stream 'default' reset to its first observation",
        "total_observations": 144,
    }
    assert again.json()["observation_id"] == 1


def test_live_stream_hands_out_appended_observations_once_with_their_series(settings):
    with TestClient(create_app(settings)) as client:
        created = client.post(
            "/streams/sensors/observations",
            json={"observations": [{"input": "t1", "target": 1.5}, {"input": "t2", "target": 2}]},
        )
        more = client.post(
            "/streams/sensors/observations",
            json={"observations": [{"input": "t3", "target": 3.0, "series_id": "s-7"}]},
        )
        first = client.get("/next", params={"stream": "sensors"})
        batch = client.post("/next_batch", json={"n": 10, "stream": "sensors"})
        done = client.get("/next", params={"stream": "sensors"})
        info = client.get("/info").json()
    assert (created.status_code, created.json()) == (
        201,
        {"stream": "sensors", "observation_ids": [1, 2], "total": 2},
    )
    assert more.json() == {"stream": "sensors", "observation_ids": [3], "total": 3}
    assert first.json() == {
        "observation_id": 1,
        "input": "t1",
        "target": 1.5,
        "series_id": "sensors",
        "remaining": 2,
    }
    assert batch.json() == {
        "observations": [
            {"observation_id": 2, "input": "t2", "target": 2.0, "series_id": "sensors"},
            {"observation_id": 3, "input": "t3", "target": 3.0, "series_id": "s-7"},
        ],
        "remaining": 0,
    }
    assert (done.status_code, done.content) == (204, b"")
    assert info["live_streams"] == ["sensors"]


def test_unknown_live_stream_is_404_and_the_dataset_stream_is_read_only(settings):
    with TestClient(create_app(settings)) as client:
        unknown = client.get("/next", params={"stream": "nope"})
        status = client.get("/status", params={"stream": "nope"})
        read_only = client.post(
            "/streams/default/observations", json={"observations": [{"input": "x", "target": 1}]}
        )
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"detail": "unknown stream 'nope': nothing was appended to it"},
    )
    assert status.status_code == 404
    assert read_only.status_code == 409
    assert "cannot be appended to" in read_only.json()["detail"]


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e999", b'"ten"'])
def test_non_finite_live_target_is_422_naming_the_field_and_nothing_is_appended(settings, literal):
    body = b'{"observations": [{"input": "t", "target": 1}, {"input": "t", "target": %s}]}'
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/streams/s/observations",
            content=body % literal,
            headers={"content-type": "application/json"},
        )
        after = client.get("/next", params={"stream": "s"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "observations", 1, "target"]
    assert after.status_code == 404


def test_bad_stream_name_is_422_and_oversized_body_is_413(settings):
    big = {"observations": [{"input": "x" * 200, "target": 1.0}] * 6000}
    with TestClient(create_app(settings)) as client:
        bad = client.get("/next", params={"stream": "no spaces"})
        too_big = client.post("/streams/s/observations", content=orjson.dumps(big))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "stream"]
    assert too_big.status_code == 413
    assert too_big.json() == {"detail": "request body exceeds 1048576 bytes"}


def test_restart_keeps_cursor_and_live_streams_across_snapshots(tmp_path):
    settings = IngestionSettings(state_dir=tmp_path / "state", snapshot_every=3)
    with TestClient(create_app(settings)) as client:
        client.post("/next_batch", json={"n": 5})
        for i in range(4):
            client.get("/next")
            client.post(
                "/streams/live/observations",
                json={"observations": [{"input": str(i), "target": i}]},
            )
    with TestClient(create_app(settings)) as client:
        nxt = client.get("/next").json()
        live = client.post("/next_batch", json={"n": 10, "stream": "live"}).json()
    assert nxt["observation_id"] == 10
    assert [o["input"] for o in live["observations"]] == ["0", "1", "2", "3"]


def test_dataset_with_series_column_tags_each_observation(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text("input,target,series_id\n2020-01,1,a\n2020-01,2.5,b\n")
    settings = IngestionSettings(state_dir=tmp_path / "state", dataset_path=path)
    with TestClient(create_app(settings)) as client:
        first = client.get("/next").json()
        info = client.get("/info").json()
    assert first == {
        "observation_id": 1,
        "input": "2020-01",
        "target": 1,
        "series_id": "a",
        "remaining": 1,
    }
    assert info["dataset"]["series"] == ["a", "b"] and info["dataset"]["rows"] == 2


def test_health_info_and_metrics_answer_before_any_observation(settings):
    with TestClient(create_app(settings)) as client:
        health = client.get("/health")
        info = client.get("/info")
        client.get("/next")
        metrics = client.get("/metrics")
    assert (health.status_code, health.json()) == (200, {"status": "ok", "backend": "memory"})
    assert info.json()["dataset"]["rows"] == 144 and info.json()["backend"] == "memory"
    assert metrics.status_code == 200
    assert 'ingestion_observations_served_total{stream="default"} 1.0' in metrics.text
    assert 'http_requests_total{method="GET",route="/next",status="200"} 1.0' in metrics.text


def test_reset_off_loopback_without_a_token_is_403_and_keeps_the_cursor(tmp_path):
    settings = IngestionSettings(state_dir=tmp_path / "state", host="0.0.0.0")
    with TestClient(create_app(settings)) as client:
        client.get("/next")
        refused = client.post("/reset")
        following = client.get("/next").json()["observation_id"]
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "admin endpoints disabled: HOST 0.0.0.0 is not loopback and ADMIN_TOKEN is unset"
    )
    assert following == 2


@pytest.mark.parametrize("n", ['"5"', "5.0", "true"])
def test_next_batch_n_must_be_a_json_integer_and_takes_nothing_otherwise(settings, n):
    with TestClient(create_app(settings)) as client:
        refused = client.post(
            "/next_batch", content='{"n": ' + n + "}", headers={"Content-Type": "application/json"}
        )
        following = client.get("/next").json()["observation_id"]
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", "n"]]
    assert following == 1
