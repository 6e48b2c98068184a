"""The Feast push without a Feast server: stamping, the bound, and what /add and /series answer.

The tests with a real feature server are in ``test_feast.py``.
"""

import itertools
import re

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from libs.testkit import free_port
from services.features.app import create_app
from services.features.feast_push import FeastPusher, micros
from services.features.settings import FeaturesSettings


@pytest.fixture
def dead_feast(tmp_path) -> FeaturesSettings:
    """Feast configured on a port where nothing listens: every push fails at once."""
    return FeaturesSettings(
        state_dir=tmp_path / "state",
        feast_url=f"http://127.0.0.1:{free_port()}",
        feast_max_queue=5,
        feast_flush_seconds=0,
        feast_drain_seconds=0,
    )


def metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} not in /metrics"
    return float(match.group(1))


def answer(series_id: str, value: float, duplicate: bool = False) -> dict:
    features = {"in_1": value - 1, "in_2": value - 2}
    return {"series_id": series_id, "features": features, "target": value,
            "available_lags": 2, "observation_id": None, "duplicate": duplicate}  # fmt: skip


def test_windows_get_strictly_increasing_timestamps_per_series_in_a_tight_loop(dead_feast):
    pusher = FeastPusher("http://feast", 2, CollectorRegistry(), dead_feast.model_copy(
        update={"feast_max_queue": 10_000}))  # fmt: skip
    for k in range(2000):
        pusher.push([answer("a", k), answer("b", k), answer("a", k, duplicate=True)])

    stamps = {"a": [], "b": []}
    for series_id, stamp, _ in pusher.queue:
        stamps[series_id].append(stamp)
    assert len(stamps["a"]) == len(stamps["b"]) == 2000
    for series in stamps.values():
        assert all(later > earlier for earlier, later in itertools.pairwise(series))
    frame = pusher.frame(list(pusher.queue)[:2])
    assert frame["series_id"] == ["a", "b"]
    assert [micros(t) for t in frame["event_timestamp"]] == [stamps["a"][0], stamps["b"][0]]
    assert (frame["in_1"], frame["in_2"], frame["value"]) == ([-1, -1], [-2, -2], [0, 0])
    assert frame["available_lags"] == [2, 2]


def test_feast_down_never_fails_add_and_the_bound_overflowing_is_counted(dead_feast):
    with TestClient(create_app(dead_feast)) as client:
        answers = [client.post("/add", json={"series_id": "s", "value": v}) for v in range(20)]
        first = client.post("/add", json={"series_id": "s", "value": 99, "observation_id": 1})
        client.post("/add", json={"series_id": "s", "value": 99, "observation_id": 1})
        metrics = client.get("/metrics").text

    assert [r.status_code for r in answers] == [200] * 20
    assert first.status_code == 200  # its retry, next, is a duplicate: not queued
    assert answers[-1].json()["features"]["in_1"] == 18.0
    assert metric(metrics, "features_feast_queue_depth") == 5
    assert metric(metrics, 'features_feast_dropped_total{reason="overflow"}') == 16
    assert metric(metrics, "features_feast_pushes_total") == 0


def test_feast_metrics_are_exposed_from_the_start_and_zero_without_feast(dead_feast, tmp_path):
    with TestClient(create_app(dead_feast)) as client:
        metrics = client.get("/metrics").text
    assert metric(metrics, "features_feast_queue_depth") == 0
    assert metric(metrics, "features_feast_push_failures_total") >= 0
    with TestClient(create_app(FeaturesSettings(state_dir=tmp_path / "plain"))) as client:
        assert "features_feast" not in client.get("/metrics").text


def test_series_read_back_is_400_without_feast_and_503_when_feast_is_down(dead_feast, tmp_path):
    with TestClient(create_app(FeaturesSettings(state_dir=tmp_path / "plain"))) as client:
        client.post("/add", json={"series_id": "s", "value": 1.0})
        plain = client.get("/series/s")
        without = client.get("/series/s", params={"feast": "true"})
    with TestClient(create_app(dead_feast)) as client:
        client.post("/add", json={"series_id": "s", "value": 1.0})
        down = client.get("/series/s", params={"feast": "true"})

    assert plain.status_code == 200 and "feast" not in plain.json()
    assert without.status_code == 400
    assert without.json() == {"detail": "feast: FEAST_URL is not set on this service"}
    assert down.status_code == 503
    assert down.json()["detail"].startswith("feast unavailable: ")


@pytest.mark.parametrize(
    ("field", "value"),
    [("feast_url", "ftp://feast:6566"), ("feast_max_queue", 0), ("feast_timeout_seconds", 0)],
)
def test_invalid_feast_settings_are_rejected_naming_the_variable(field, value):
    with pytest.raises(ValidationError, match=field):
        FeaturesSettings(**{field: value})
