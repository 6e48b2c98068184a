import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.features.app import create_app
from services.features.settings import FeaturesSettings


@pytest.fixture
def config(tmp_path):
    return FeaturesSettings(state_dir=tmp_path / "state")


def test_first_add_has_zero_lags_and_later_adds_see_previous_values(config):
    with TestClient(create_app(config)) as client:
        first = client.post("/add", json={"series_id": "default", "value": 112.0})
        client.post("/add", json={"series_id": "default", "value": 118.0})
        third = client.post("/add", json={"series_id": "default", "value": 125.0})
    assert first.status_code == 200
    assert first.json() == {
        "series_id": "default",
        "features": {f"in_{k}": 0.0 for k in range(1, 13)},
        "target": 112.0,
        "available_lags": 0,
        "observation_id": None,
        "duplicate": False,
        "season": None,
    }
    features = third.json()["features"]
    assert list(features) == [f"in_{k}" for k in range(1, 13)]
    assert (features["in_1"], features["in_2"], features["in_3"]) == (118.0, 112.0, 0.0)
    assert third.json()["available_lags"] == 2


def test_retry_with_same_observation_id_answers_the_same_and_inserts_nothing(config):
    with TestClient(create_app(config)) as client:
        client.post("/add", json={"value": 1.0, "observation_id": 1})
        first = client.post("/add", json={"value": 2.0, "observation_id": 2})
        retry = client.post("/add", json={"value": 2.0, "observation_id": 2})
        window = client.get("/series/default")
    assert first.json()["duplicate"] is False
    assert retry.status_code == 200
    assert retry.json() == {**first.json(), "duplicate": True}
    assert window.json()["window"] == [2.0, 1.0]


def test_reused_observation_id_with_another_value_is_409_naming_it_and_stores_nothing(config):
    with TestClient(create_app(config)) as client:
        client.post("/add", json={"series_id": "s", "value": 1.0, "observation_id": 1})
        single = client.post("/add", json={"series_id": "s", "value": 5.0, "observation_id": 1})
        items = [
            {"series_id": "s", "value": 2.0, "observation_id": 2},
            {"series_id": "s", "value": 9.0, "observation_id": 1},
        ]
        batch = client.post("/add_batch", json={"items": items})
        window = client.get("/series/s").json()["window"]
    assert single.status_code == 409
    assert single.json() == {
        "detail": "observation_id 1 of series 's' was already applied with value 1.0, not 5.0; "
        "a new value needs a new observation_id"
    }
    assert batch.status_code == 409
    assert batch.json()["detail"].startswith("items[1]: observation_id 1 of series 's' ")
    assert window == [1.0]


def test_batch_is_applied_in_order_across_series_with_retries_answered(config):
    items = [
        {"series_id": "a", "value": 1.0, "observation_id": 1},
        {"series_id": "b", "value": 10.0},
        {"series_id": "a", "value": 2.0, "observation_id": 2},
        {"series_id": "a", "value": 2.0, "observation_id": 2},
    ]
    with TestClient(create_app(config)) as client:
        response = client.post("/add_batch", json={"items": items})
        single = client.post("/add", json={"series_id": "a", "value": 3.0})
    results = response.json()["results"]
    assert response.status_code == 200
    assert [r["series_id"] for r in results] == ["a", "b", "a", "a"]
    assert [r["features"]["in_1"] for r in results] == [0.0, 0.0, 1.0, 1.0]
    assert [r["duplicate"] for r in results] == [False, False, False, True]
    assert single.json()["features"]["in_1"] == 2.0 and single.json()["available_lags"] == 2


@pytest.mark.parametrize(
    "literal", [b"NaN", b"Infinity", b"-Infinity", b"1e999", b'"12"', b"true", b"null"]
)
def test_non_finite_or_non_numeric_value_is_422_naming_the_field_and_stores_nothing(
    config, literal
):
    with TestClient(create_app(config)) as client:
        response = client.post(
            "/add",
            content=b'{"series_id": "s", "value": %s}' % literal,
            headers={"content-type": "application/json"},
        )
        batch = client.post(
            "/add_batch",
            content=b'{"items": [{"series_id": "s", "value": 1}, {"series_id": "s", "value": %s}]}'
            % literal,
            headers={"content-type": "application/json"},
        )
        stored = client.get("/series/s")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "value"]
    assert batch.status_code == 422
    assert batch.json()["detail"][0]["loc"] == ["body", "items", 1, "value"]
    assert stored.status_code == 404


@pytest.mark.parametrize("series_id", ["", "x" * 129, "a/b", "with space"])
def test_series_id_is_bounded_in_length_and_characters(config, series_id):
    with TestClient(create_app(config)) as client:
        response = client.post("/add", json={"series_id": series_id, "value": 1.0})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "series_id"]


def test_oversized_body_is_413(config):
    items = [{"series_id": "s" * 100, "value": 1.0}] * 9000
    with TestClient(create_app(config)) as client:
        response = client.post("/add_batch", content=orjson.dumps({"items": items}))
        info = client.get("/info").json()
    assert response.status_code == 413
    assert response.json() == {"detail": "request body exceeds 1048576 bytes"}
    assert info["series_count"] == 0


def test_series_shows_the_stored_window_and_unknown_series_is_404(config):
    with TestClient(create_app(config.model_copy(update={"n_lags": 2}))) as client:
        for v in (1.0, 2.0, 3.0):
            client.post("/add", json={"series_id": "s", "value": v})
        known = client.get("/series/s")
        unknown = client.get("/series/nope")
    assert known.status_code == 200
    assert known.json() == {
        "series_id": "s",
        "window": [3.0, 2.0],
        "available_lags": 2,
        "season": None,
        "next_features": {"in_1": 3.0, "in_2": 2.0},
    }
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "unknown series 'nope'"})


def test_info_describes_the_config_health_is_ok_and_metrics_count_duplicates(config):
    with TestClient(create_app(config)) as client:
        info = client.get("/info")
        health = client.get("/health")
        client.post("/add", json={"value": 1.0, "observation_id": 1})
        client.post("/add", json={"value": 1.0, "observation_id": 1})
        metrics = client.get("/metrics")
    assert info.json() == {
        "service": "features",
        "n_lags": 12,
        "feature_names": [f"in_{k}" for k in range(1, 13)],
        "backend": "memory",
        "series_count": 0,
        "dedup_window": 10000,
        "max_batch": 10000,
    }
    assert (health.status_code, health.json()) == (200, {"status": "ok", "backend": "memory"})
    assert 'features_observations_total{duplicate="false"} 1.0' in metrics.text
    assert 'features_observations_total{duplicate="true"} 1.0' in metrics.text


def test_extra_features_are_added_only_when_configured(config):
    extra = config.model_copy(update={"n_lags": 2, "diff_feature": True, "rolling_window": 3})
    with TestClient(create_app(extra)) as client:
        for v in (1.0, 3.0):
            client.post("/add", json={"value": v})
        answer = client.post("/add", json={"value": 7.0}).json()
    assert answer["features"] == {"in_1": 3.0, "in_2": 1.0, "diff_1": 2.0, "rolling_mean_3": 2.0}


def test_reset_forgets_one_series_or_all(config):
    with TestClient(create_app(config)) as client:
        client.post("/add_batch", json={"items": [{"series_id": "a", "value": 1}, {"value": 2}]})
        one = client.post("/reset", params={"series_id": "a"})
        after_one = (client.get("/series/a").status_code, client.get("/series/default").status_code)
        everything = client.post("/reset")
        count = client.get("/info").json()["series_count"]
    assert one.json() == {"status": "reset", "series_id": "a"}
    assert after_one == (404, 200)
    assert everything.json() == {"status": "reset", "series_id": None}
    assert count == 0


def test_restart_replays_journal_and_snapshot_to_the_same_lags_and_retry_answers(tmp_path):
    config = FeaturesSettings(state_dir=tmp_path / "state", n_lags=3, snapshot_every=2)
    with TestClient(create_app(config)) as client:
        answers = [
            client.post("/add", json={"value": float(v), "observation_id": v}).json()
            for v in range(5)
        ]
        client.post("/reset", params={"series_id": "gone"})
    with TestClient(create_app(config)) as client:
        retry = client.post("/add", json={"value": 3.0, "observation_id": 3}).json()
        window = client.get("/series/default").json()["window"]
    assert retry == {**answers[3], "duplicate": True}
    assert window == [4.0, 3.0, 2.0]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.floats(allow_nan=False, allow_infinity=False)),
        max_size=25,
    ),
    n_lags=st.integers(1, 5),
)
def test_lags_served_equal_a_brute_force_recomputation(tmp_path_factory, values, n_lags):
    config = FeaturesSettings(state_dir=tmp_path_factory.mktemp("state"), n_lags=n_lags)
    history: dict[str, list[float]] = {}
    with TestClient(create_app(config)) as client:
        for series_id, value in values:
            answer = client.post("/add", json={"series_id": series_id, "value": value}).json()
            past = history.setdefault(series_id, [])
            expected = [past[-k] if k <= len(past) else 0.0 for k in range(1, n_lags + 1)]
            assert list(answer["features"].values()) == expected
            assert answer["available_lags"] == min(len(past), n_lags)
            past.append(value)


def test_reset_requires_the_admin_token_when_set_and_changes_nothing_without_it(tmp_path):
    config = FeaturesSettings(state_dir=tmp_path / "state", admin_token="s3cret")
    with TestClient(create_app(config)) as client:
        client.post("/add", json={"series_id": "a", "value": 1.0})
        refused = client.post("/reset", headers={"Authorization": "Bearer wrong"})
        kept = client.get("/series/a")
        done = client.post("/reset", headers={"Authorization": "Bearer s3cret"})
        gone = client.get("/series/a")
    assert refused.status_code == 401 and kept.status_code == 200
    assert done.status_code == 200 and gone.status_code == 404


def test_reset_is_refused_off_loopback_without_a_token(tmp_path):
    config = FeaturesSettings(state_dir=tmp_path / "state", host="0.0.0.0")
    with TestClient(create_app(config)) as client:
        client.post("/add", json={"series_id": "a", "value": 1.0})
        refused = client.post("/reset")
        kept = client.get("/series/a")
    assert refused.status_code == 403 and "ADMIN_TOKEN is unset" in refused.json()["detail"]
    assert kept.status_code == 200


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/add", {"value": 1.0, "valeu": 2.0}),
        ("/add_batch", {"items": [{"value": 1.0, "series": "a"}]}),
        ("/add_batch", {"items": [{"value": 1.0}], "extra": True}),
    ],
)
def test_unknown_fields_are_422_naming_them_and_store_nothing(config, route, body):
    with TestClient(create_app(config)) as client:
        answer = client.post(route, json=body)
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["type"] == "extra_forbidden"
        assert client.get("/series/default").status_code == 404
