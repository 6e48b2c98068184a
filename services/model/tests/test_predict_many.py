"""``/predict_many`` moves every feature the feature service makes, not only the lags."""

import pytest
from fastapi.testclient import TestClient

from libs.lag_features import LagFeatures
from services.model.app import create_app
from services.model.settings import ModelSettings
from services.model.tests.conftest import AIRLINE


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(ModelSettings(state_dir=tmp_path / "state"))) as client:
        yield client


def test_each_step_sees_the_features_the_feature_service_would_compute(client):
    lags = LagFeatures(n_lags=12, diff=True, rolling_window=6)
    for oid, y in enumerate(AIRLINE[:60], start=1):
        body = {"features": lags.add(y)["features"], "target": y, "observation_id": oid}
        assert client.post("/predict_learn", json=body).status_code == 200
    history = lags.transform_one({})

    answer = client.post("/predict_many", json={"features": history, "steps": 4})

    assert answer.status_code == 200
    # Step k+1 is what /predict answers on the features the feature service gives once the
    # step-k forecast is stored as the newest value: diff_1 and rolling_mean_6 move too.
    for step in answer.json()["predictions"]:
        single = client.post("/predict", json={"features": lags.transform_one({})}).json()
        assert single["prediction"] == pytest.approx(step, abs=1e-9)
        lags.learn_one({}, step)
    assert client.get("/model_metrics").json()["count"] == 60


@pytest.mark.parametrize(
    ("features", "named"),
    [({"in_1": 1.0, "seasonal_lag": 2.0}, "seasonal_lag"), ({"diff_1": 1.0}, "diff_1")],
)
def test_features_whose_next_step_is_undetermined_are_refused_naming_them(client, features, named):
    refused = client.post("/predict_many", json={"features": features, "steps": 3})

    assert refused.status_code == 422
    detail = refused.json()["detail"][0]
    assert detail["loc"] == ["body", "features"] and named in detail["msg"]
