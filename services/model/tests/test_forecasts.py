"""Forecasts that hold on any series: season per series, the safe champion and the guard."""

import math
import random

import pytest
from fastapi.testclient import TestClient

from services.model.app import create_app
from services.model.learner import Learner
from services.model.models import CATALOG
from services.model.settings import ModelSettings
from services.model.tests.conftest import airline_bodies, lags


def noisy(values, scale, seed=3):
    rng = random.Random(seed)
    return [v + rng.gauss(0.0, scale) for v in values]


SERIES = {
    "zeros": [max(0.0, v) for v in noisy([[0, 0, 8, 12][t % 4] for t in range(100)], 2.0)],
    "negatives": noisy([[-5.0, 3.0, -1.0, 6.0][t % 4] - 0.05 * t for t in range(100)], 1.0),
    "trend": noisy([100.0 + 2.0 * t for t in range(100)], 1.0),
    "level": noisy([50.0] * 100, 5.0),
    "season_4": noisy([[10.0, 30.0, 20.0, 50.0][t % 4] + 0.5 * t for t in range(100)], 2.0),
    "season_7": noisy([[5, 6, 7, 6, 5, 1, 0][t % 7] * 10.0 for t in range(140)], 1.0),
}
SEASONS = {"zeros": 4, "negatives": 4, "trend": 1, "level": 1, "season_4": 4, "season_7": 7}


def stream(learner: Learner, values: list[float], season: int | None, series_id="s") -> list:
    answers = []
    for t, y in enumerate(values):
        record = {"op": "learn", "series_id": series_id, "features": lags(values[:t]),
                  "target": y, "season": season, "predict": True}  # fmt: skip
        answers.append(learner.apply(record))
    return answers


@pytest.mark.parametrize("name", list(SERIES))
@pytest.mark.parametrize("season", ["given", "detected"])
def test_served_forecasts_beat_naive_and_stay_near_the_data_on_any_series(name, season):
    values, learner = SERIES[name], Learner(list(CATALOG), season=None, warmup=12, detector=None)
    answers = stream(learner, values, SEASONS[name] if season == "given" else None)
    served = [a["prediction"] for a in answers]
    for t in range(1, len(values)):
        spread = max(values[:t]) - min(values[:t])
        assert math.isfinite(served[t])
        assert abs(served[t] - values[t - 1]) <= 10 * spread
    served_mae = sum(abs(values[t] - served[t]) for t in range(12, len(values)))
    naive_mae = sum(abs(values[t] - values[t - 1]) for t in range(12, len(values)))
    assert served_mae <= naive_mae


@pytest.mark.parametrize(("name", "expected"), [("season_4", 4), ("season_7", 7), ("trend", 1)])
def test_auto_season_is_detected_and_seasonal_models_rebuilt_for_it(name, expected):
    values, learner = SERIES[name], Learner(["seasonal_naive", "ets"], season=None, warmup=0)
    stream(learner, values[:23], None)
    state = learner.series["s"]
    assert state.season.report() == {"season": None, "source": "detecting"}
    stream(learner, values[23:40], None)
    assert state.season.report() == {"season": expected, "source": "detected"}
    forecast = learner.predict("s", {})["predictions"]["seasonal_naive"]
    assert forecast == values[40 - expected]


def test_until_scored_the_champion_is_the_naive_baseline_not_the_first_listed():
    learner = Learner(["linear_regression", "naive", "ets"], warmup=12)
    answers = stream(learner, SERIES["trend"][:14], 1)
    assert [a["model"] for a in answers[:13]] == ["baseline_naive"] * 13
    assert answers[5]["prediction"] == SERIES["trend"][4] and answers[5]["cold"] is True
    assert answers[13]["model"] in {"linear_regression", "naive", "ets"}


def test_implausible_forecasts_are_replaced_listed_and_counted_on_the_leaderboard():
    learner = Learner(["naive", "linear_regression"], champion="linear_regression", warmup=0)
    answers = [learner.apply({"op": "learn", **b}) for b in airline_bodies()[:30]]
    rejected = [a for a in answers if a["rejected"]]
    assert rejected, "the untrained regression's early forecasts are far off the data"
    for answer in rejected:
        assert answer["rejected"] == ["linear_regression"] and answer["failed"] == []
        assert answer["prediction"] == answer["predictions"]["naive"]
    state = learner.series["default"]
    rows = {r["model"]: r for r in learner_rows(state)}
    assert rows["linear_regression"]["rejected"] == len(rejected)
    assert rows["naive"]["rejected"] == 0


def learner_rows(state):
    from services.model.champion import leaderboard

    return leaderboard(state.board, state.guard, 20)


@pytest.fixture
def client(tmp_path):
    config = ModelSettings(state_dir=tmp_path / "state", model_names="naive,seasonal_naive")
    with TestClient(create_app(config)) as client:
        yield client


def test_season_of_the_first_request_is_reported_and_another_season_later_is_409(client):
    body = {"features": {"in_1": 1.0}, "target": 2.0, "series_id": "q", "season": 4}
    assert client.post("/predict_learn", json=body).status_code == 200
    assert client.post("/train", json={**body, "target": 3.0}).status_code == 200
    conflict = client.post("/predict_learn", json={**body, "season": 12})
    assert conflict.status_code == 409 and "season 4" in conflict.json()["detail"]
    batch = {"items": [{**body, "season": 12}]}
    assert client.post("/predict_learn_batch", json=batch).status_code == 409
    client.post("/train", json={"features": {}, "target": 1.0, "series_id": "m"})
    series = client.get("/model_metrics").json()["series"]
    assert (series["q"]["season"], series["q"]["source"], series["q"]["count"]) == (4, "request", 2)
    assert (series["m"]["season"], series["m"]["source"]) == (12, "setting")


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/predict_learn", {"features": {}, "target": 1.0, "taget": 2.0}),
        ("/train", {"features": {}, "target": 1.0, "seasons": 4}),
        ("/predict", {"features": {}, "season": 4}),
        ("/predict_learn_batch", {"items": [{"features": {}, "target": 1.0, "extra": 1}]}),
        ("/predict_learn", {"features": {}, "target": 1.0, "season": 0}),
    ],
)
def test_unknown_fields_and_bad_seasons_are_422_and_change_nothing(client, route, body):
    answer = client.post(route, json=body)
    assert answer.status_code == 422
    assert client.get("/model_metrics").json()["count"] == 0
