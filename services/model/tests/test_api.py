import json

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from services.model.app import create_app
from services.model.models import CATALOG
from services.model.settings import ModelSettings

SEED_TRAIN = {"features": {"in_1": 125.0, "in_2": 120.0, "in_3": 115.0}, "target": 130.0}
SEED_PREDICT = {"features": {"in_1": 130.0, "in_2": 125.0, "in_3": 120.0}}
SEED_PREDICT_LEARN = {"features": {"in_1": 135.0, "in_2": 130.0}, "target": 140.0}


def settings(tmp_path, **overrides) -> ModelSettings:
    return ModelSettings(state_dir=tmp_path / "state", **overrides)


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(settings(tmp_path))) as client:
        yield client


def test_seed_curl_examples_answer_as_documented(client):
    trained = client.post("/train", json=SEED_TRAIN)
    assert trained.status_code == 200 and trained.json()["learned"] is True
    assert "successfully" in trained.json()["message"]
    predicted = client.post("/predict", json=SEED_PREDICT)
    assert predicted.status_code == 200
    assert isinstance(predicted.json()["prediction"], float)
    assert predicted.json()["forecast"] == [{"step": 1, "value": predicted.json()["prediction"]}]
    learned = client.post("/predict_learn", json=SEED_PREDICT_LEARN)
    assert learned.status_code == 200
    assert learned.json()["model"] == "linear_regression"
    assert learned.json()["duplicate"] is False and learned.json()["observation_id"] is None
    feedback = client.post("/feedback", json={"message": "Model performing well"})
    assert feedback.status_code == 200 and feedback.json() == {"id": 1, "count": 1}
    metrics = client.get("/model_metrics").json()
    assert metrics["count"] == 2
    assert set(metrics["series"]["default"]["models"]["linear_regression"]["rolling"]) == {
        "5",
        "10",
        "20",
    }
    assert client.get("/health").json() == {"status": "ok", "models": ["linear_regression"]}


def test_predict_learn_answers_every_model_and_the_champion(tmp_path):
    config = settings(tmp_path, model_names="naive,linear_regression", champion="naive")
    with TestClient(create_app(config)) as client:
        client.post("/predict_learn", json={"features": {"in_1": 1.0}, "target": 2.0})
        body = {"features": {"in_1": 2.0}, "target": 3.0, "series_id": "s-1", "observation_id": 9}
        answer = client.post("/predict_learn", json=body).json()
    assert answer["model"] == "naive" and answer["series_id"] == "s-1"
    assert answer["cold"] is True  # s-1 is a new series: naive has no history yet
    assert set(answer["predictions"]) == {"naive", "linear_regression"}
    assert answer["prediction"] == answer["predictions"]["naive"] == 2.0
    assert answer["observation_id"] == 9 and answer["duplicate"] is False


def test_retry_with_same_observation_id_does_not_learn_twice(client, bodies):
    first = client.post("/predict_learn", json=bodies[0]).json()
    retry = client.post("/predict_learn", json=bodies[0])
    assert retry.status_code == 200
    assert retry.json() == {**first, "duplicate": True}
    assert client.get("/model_metrics").json()["count"] == 1
    assert client.post("/train", json=bodies[0]).json()["duplicate"] is True


def test_reused_observation_id_with_another_payload_is_409_and_learns_nothing(client, bodies):
    first = client.post("/predict_learn", json=bodies[0]).json()
    changed = {**bodies[0], "target": bodies[0]["target"] + 1.0}
    detail = (
        "observation_id 1 of series 'default' was already applied with another target or "
        "features; use a new observation_id"
    )
    for route in ("/predict_learn", "/train"):
        refused = client.post(route, json=changed)
        assert (refused.status_code, refused.json()) == (409, {"detail": detail})
    batch = client.post("/predict_learn_batch", json={"items": [bodies[1], changed]})
    assert (batch.status_code, batch.json()) == (409, {"detail": f"items[1]: {detail}"})
    twice = client.post(
        "/predict_learn_batch", json={"items": [bodies[1], {**bodies[1], "target": 0.0}]}
    )
    assert twice.status_code == 409 and twice.json()["detail"].startswith("items[1]: ")
    assert client.get("/model_metrics").json()["count"] == 1
    assert client.post("/predict_learn", json=bodies[0]).json() == {**first, "duplicate": True}


def test_predict_learn_retrying_an_id_applied_by_train_is_409_and_learns_nothing(client, bodies):
    assert client.post("/train", json=bodies[0]).json()["learned"] is True
    refused = client.post("/predict_learn", json=bodies[0])
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "observation_id 1 of series 'default' was learned by /train, which made no "
        "prediction to answer again; retry it with /train, or use a new observation_id"
    }
    assert client.post("/train", json=bodies[0]).json()["duplicate"] is True
    assert client.get("/model_metrics").json()["count"] == 1


def test_a_model_that_raises_is_reported_failed_and_counted_while_the_others_learn(tmp_path):
    config = settings(tmp_path, model_names="naive,decision_tree", champion="naive")
    with TestClient(create_app(config)) as client:
        # River's Hoeffding tree overflows on a finite target this large
        first = client.post("/predict_learn", json={"features": {"in_1": 1.0}, "target": 1e308})
        second = client.post("/predict", json={"features": {"in_1": 1.0}})
        fine = client.post("/predict_learn", json={"features": {}, "target": 1.0, "series_id": "b"})
        text = client.get("/metrics").text
    assert first.status_code == 200 and first.json()["failed"] == ["decision_tree"]
    assert second.json()["prediction"] == 1e308 and second.json()["failed"] == []
    assert fine.json()["failed"] == []
    assert 'ml_model_errors_total{model="decision_tree",series="default"} 1.0' in text


def test_batch_applies_items_in_order_like_single_requests(tmp_path, bodies):
    config = settings(tmp_path, model_names="linear_regression,hw_airline_mean")
    with TestClient(create_app(config)) as client:
        batched = client.post("/predict_learn_batch", json={"items": bodies[:50]})
        retried = client.post("/predict_learn_batch", json={"items": bodies[40:60]}).json()
        retried = retried["results"]
    config = settings(tmp_path / "single", model_names="linear_regression,hw_airline_mean")
    with TestClient(create_app(config)) as client:
        single = [client.post("/predict_learn", json=b).json() for b in bodies[:60]]
    assert batched.status_code == 200
    assert batched.json()["results"] == single[:50]
    assert [r["duplicate"] for r in retried] == [True] * 10 + [False] * 10
    assert retried[10:] == single[50:60]


def test_batch_with_one_invalid_item_is_refused_whole(client, bodies):
    items = [*bodies[:3], {"features": {"in_1": "x"}, "target": 1.0}]
    response = client.post("/predict_learn_batch", json={"items": items})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "items", 3, "features", "in_1"]
    assert client.get("/model_metrics").json()["count"] == 0


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"features": {"in_1": NaN}, "target": 1}', ["body", "features", "in_1"]),
        (b'{"features": {"in_1": Infinity}, "target": 1}', ["body", "features", "in_1"]),
        (b'{"features": {"in_1": 1}, "target": 1e999}', ["body", "target"]),
        (b'{"features": {"in_1": -1e999}, "target": 1}', ["body", "features", "in_1"]),
        (b'{"features": {"in_1": "12.5"}, "target": 1}', ["body", "features", "in_1"]),
        (b'{"features": {"in_1": true}, "target": 1}', ["body", "features", "in_1"]),
        (b'{"features": {"in_1": 1}, "target": "a"}', ["body", "target"]),
        (b'{"features": [1, 2], "target": 1}', ["body", "features"]),
        (b'{"features": {"in_1": 1}}', ["body", "target"]),
        (b'{"features": {"in_1": 1}, "target": 1, "series_id": "a b"}', ["body", "series_id"]),
        (
            b'{"features": {"in_1": 1}, "target": 1, "observation_id": -1}',
            ["body", "observation_id"],
        ),
    ],
)
def test_invalid_numbers_get_422_naming_the_field_and_change_nothing(client, bodies, raw, field):
    for body in bodies[:20]:
        client.post("/predict_learn", json=body)
    before = client.post("/predict", json={"features": bodies[20]["features"]}).json()
    response = client.post(
        "/predict_learn", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == field
    assert client.post("/predict", json={"features": bodies[20]["features"]}).json() == before
    assert client.get("/model_metrics").json()["count"] == 20


def test_too_many_features_and_long_feature_names_get_422(client):
    many = {"features": {f"f{i}": 1.0 for i in range(1001)}, "target": 1.0}
    response = client.post("/predict_learn", json=many)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == [
        "body",
        "features",
    ]
    long_name = {"features": {"x" * 65: 1.0}, "target": 1.0}
    response = client.post("/predict_learn", json=long_name)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "features"]


def test_bodies_over_one_mebibyte_get_413(client):
    body = json.dumps({"features": {"in_1": 1.0}, "target": 1.0, "pad": "x" * (1 << 20)})
    response = client.post(
        "/predict_learn", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert client.get("/model_metrics").json()["count"] == 0


def test_predict_many_feeds_each_prediction_back_as_in_1_and_learns_nothing(client, bodies):
    for body in bodies[:30]:
        client.post("/predict_learn", json=body)
    features = bodies[30]["features"]
    response = client.post("/predict_many", json={"features": features, "steps": 4})
    assert response.status_code == 200
    answer = response.json()
    assert len(answer["predictions"]) == 4 and answer["model"] == "linear_regression"
    assert answer["by_model"] == {"linear_regression": answer["predictions"]}
    # Step k+1 is what /predict answers on step k's lags shifted by one, in_1 = step k.
    x = dict(features)
    for step in answer["predictions"]:
        single = client.post("/predict", json={"features": x}).json()["prediction"]
        assert single == pytest.approx(step, abs=1e-9)
        x = {"in_1": step, **{f"in_{k}": x.get(f"in_{k - 1}", 0.0) for k in range(2, 13)}}
    refused = client.post("/predict_many", json={"features": {}, "steps": 0})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "steps"]


def test_info_lists_every_accepted_name_and_the_served_line_up(tmp_path):
    config = settings(tmp_path, model_names="holt_winters,naive", champion="holt_winters")
    with TestClient(create_app(config)) as client:
        info = client.get("/info").json()
    assert info["available_models"] == list(CATALOG)
    assert info["models"] == ["holt_winters", "naive"]
    assert info["champion"] == "holt_winters"


def test_feedback_is_listed_and_counted(client):
    for message in ("good", "bad"):
        assert client.post("/feedback", json={"message": message}).status_code == 200
    listed = client.get("/feedback").json()
    assert listed["count"] == 2
    assert [item["message"] for item in listed["items"]] == ["good", "bad"]
    assert client.post("/feedback", json={"message": ""}).status_code == 422


def test_leaderboard_ranks_models_and_baselines_by_rolling_mae(tmp_path, bodies):
    config = settings(tmp_path, model_names="linear_regression,hw_airline_mean")
    with TestClient(create_app(config)) as client:
        client.post("/predict_learn_batch", json={"items": bodies})
        board = client.get("/leaderboard").json()
        cumulative = client.get("/leaderboard", params={"window": "cumulative"}).json()
        unknown = client.get("/leaderboard", params={"series_id": "nope"}).json()
        refused = client.get("/leaderboard", params={"window": "7"})
        bad_series = [
            client.get("/leaderboard", params={"series_id": name}) for name in ("a b", "x" * 129)
        ]
    assert board["window"] == "20" and board["rows"][0]["model"] == "hw_airline_mean"
    assert {r["model"] for r in board["rows"]} == {
        "linear_regression",
        "hw_airline_mean",
        "champion",
        "baseline_naive",
        "baseline_seasonal_naive",
    }
    assert all(r["rejected"] >= 0 for r in board["rows"])
    assert all(r["n"] == 132 for r in cumulative["rows"])
    assert cumulative["rows"][0]["mae"] == pytest.approx(7.75, abs=0.01)
    assert unknown["rows"] == []
    assert refused.status_code == 422
    for response in bad_series:
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "series_id"]


def test_metrics_are_valid_text_before_and_after_predictions(client, bodies):
    before = client.get("/metrics")
    assert before.status_code == 200
    assert {f.name for f in text_string_to_metric_families(before.text)} >= {
        "ml_model_mae",
        "ml_model_predictions",
        "http_requests",
    }
    for body in bodies[:15]:
        client.post("/predict_learn", json=body)
    samples = {
        (s.name, s.labels.get("model"), s.labels.get("window")): s.value
        for f in text_string_to_metric_families(client.get("/metrics").text)
        for s in f.samples
        if s.labels.get("series") == "default"
    }
    assert samples[("ml_model_predictions_total", "linear_regression", None)] == 15.0
    assert samples[("ml_model_mae", "linear_regression", "cumulative")] > 0
    assert ("ml_model_rmse", "baseline_naive", "5") in samples
    assert samples[("ml_model_last_actual", "linear_regression", None)] == bodies[14]["target"]


def test_state_survives_a_clean_restart(tmp_path, bodies):
    config = settings(tmp_path, model_names="knn_regressor,hw_airline_mean")
    with TestClient(create_app(config)) as client:
        for body in bodies[:70]:
            client.post("/predict_learn", json=body)
        client.post("/feedback", json={"message": "kept"})
    with TestClient(create_app(config)) as client:
        assert client.get("/model_metrics").json()["count"] == 70
        assert client.get("/feedback").json()["items"][0]["message"] == "kept"
        assert client.post("/predict_learn", json=bodies[69]).json()["duplicate"] is True
        resumed = [client.post("/predict_learn", json=b).json() for b in bodies[70:]]
    config = settings(tmp_path / "reference", model_names="knn_regressor,hw_airline_mean")
    with TestClient(create_app(config)) as client:
        reference = [client.post("/predict_learn", json=b).json() for b in bodies]
    assert resumed == reference[70:]


@pytest.mark.parametrize("steps", ['"5"', "5.0", "true"])
def test_steps_must_be_a_json_integer(client, steps):
    body = '{"features": {"in_1": 1.0}, "steps": ' + steps + "}"
    response = client.post(
        "/predict_many", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "steps"]]
