import math

import pytest

from services.model.learner import Learner
from services.model.models import CATALOG
from services.model.tests.conftest import AIRLINE, airline_bodies


def record(body: dict, predict: bool = True) -> dict:
    return {"op": "learn", "predict": predict, **body}


def stream(learner: Learner, bodies: list[dict]) -> list[dict]:
    return [learner.apply(record(b)) for b in bodies]


def test_every_catalog_model_answers_finite_numbers_from_its_first_request():
    learner = Learner(list(CATALOG), warmup=0)
    answers = stream(learner, airline_bodies()[:30])
    for answer in answers:
        assert all(math.isfinite(v) for v in answer["predictions"].values())
    assert learner.count == 30


def test_cold_models_say_so_and_answer_the_latest_lag():
    learner = Learner(["amf_regressor", "holt_winters"], champion="amf_regressor", warmup=0)
    first = learner.apply(record({"features": {"in_1": 7.0}, "target": 9.0}))
    assert first["cold"] is True
    assert first["predictions"] == {"amf_regressor": 7.0, "holt_winters": 7.0}
    second = learner.apply(record({"features": {"in_1": 9.0}, "target": 10.0}))
    assert second["cold"] is False  # AMF learned despite answering None the first time


def test_same_stream_gives_identical_predictions_every_run():
    names = ["bagging_regressor", "amf_regressor", "knn_regressor", "snarimax", "decision_tree"]
    runs = [stream(Learner(names), airline_bodies()) for _ in range(2)]
    assert runs[0] == runs[1]


def test_predictions_without_learning_change_nothing():
    names = ["amf_regressor", "hw_airline_mean", "linear_regression", "snarimax"]
    bodies = airline_bodies()
    quiet, busy = Learner(names), Learner(names)
    for body in bodies:
        busy.predict("default", body["features"])
        busy.predict_many("default", body["features"], 3)
        assert busy.apply(record(body)) == quiet.apply(record(body))


def test_best_forecaster_reaches_mae_below_9_on_airline_observations_13_to_144():
    learner = Learner(list(CATALOG), warmup=12)
    stream(learner, airline_bodies())
    board = learner.series["default"].board
    assert all(score.n == 132 for _, score in board.all_scores())
    best = min(board.scores.values(), key=lambda s: s.mae())
    assert best.mae() <= 9.0
    assert board.scores["hw_airline_mean"].mae() == pytest.approx(7.75, abs=0.01)


def test_best_champion_follows_the_lowest_rolling_mae():
    learner = Learner(["linear_regression", "hw_airline_mean"], champion="best", warmup=12)
    answers = stream(learner, airline_bodies())
    assert answers[0]["model"] == "linear_regression"  # nothing scored yet: the first listed
    assert answers[-1]["model"] == "hw_airline_mean"
    assert answers[-1]["prediction"] == answers[-1]["predictions"]["hw_airline_mean"]


def test_retry_with_same_observation_id_does_not_learn_twice():
    learner = Learner(["linear_regression"], warmup=0)
    body = airline_bodies()[20]
    first = learner.apply(record(body))
    retry = learner.apply(record(body))
    assert retry == {**first, "duplicate": True}
    assert learner.count == 1
    assert learner.series["default"].board.scores["linear_regression"].predictions == 1


def test_train_then_predict_learn_with_the_same_id_is_a_duplicate():
    learner = Learner(["naive"], warmup=0)
    trained = learner.apply(record({"features": {}, "target": 5.0, "observation_id": 3}, False))
    assert trained == {
        "learned": True,
        "count": 1,
        "series_id": "default",
        "observation_id": 3,
        "duplicate": False,
    }
    retry = learner.apply(record({"features": {}, "target": 5.0, "observation_id": 3}))
    assert retry["duplicate"] is True and retry["prediction"] == 5.0
    assert learner.count == 1


def test_series_are_learned_separately():
    learner = Learner(["naive"], warmup=0)
    learner.apply(record({"features": {}, "target": 1.0, "series_id": "a"}))
    learner.apply(record({"features": {}, "target": 100.0, "series_id": "b"}))
    assert learner.predict("a", {})["prediction"] == 1.0
    assert learner.predict("b", {})["prediction"] == 100.0


def test_predict_many_shifts_lags_for_regressors_and_forecasts_ahead_for_forecasters():
    learner = Learner(["linear_regression", "seasonal_naive"], champion="linear_regression")
    stream(learner, airline_bodies())
    x = {f"in_{k}": AIRLINE[-k] for k in range(1, 13)}
    many = learner.predict_many("default", x, 3)
    first = learner.predict("default", x)["predictions"]["linear_regression"]
    shifted = {"in_1": first, **{f"in_{k}": AIRLINE[-k + 1] for k in range(2, 13)}}
    second = learner.predict("default", shifted)["predictions"]["linear_regression"]
    assert many["predictions"][:2] == [first, second]
    assert many["by_model"]["seasonal_naive"] == AIRLINE[-12:-9]


class Exploding:
    def predict_one(self, x):
        raise ZeroDivisionError("as a multiplicative Holt-Winters fed a zero might")

    learn_one = forecast = predict_one


def test_a_model_that_raises_is_cold_and_the_others_still_learn():
    learner = Learner(["snarimax", "naive"], champion="snarimax", warmup=0)
    learner.series["default"] = learner._state("default", create=True)
    learner.series["default"].models["snarimax"] = Exploding()
    answer = learner.apply(record({"features": {"in_1": 1.0}, "target": 2.0}))
    assert answer["cold"] is True and answer["prediction"] == 1.0
    assert learner.predict("default", {})["predictions"] == {"snarimax": 2.0, "naive": 2.0}
    assert learner.predict_many("default", {}, 2)["predictions"] == [2.0, 2.0]


def test_restoring_a_snapshot_with_a_new_line_up_keeps_shared_models_and_starts_new_ones():
    old = Learner(["naive", "linear_regression"], warmup=0)
    stream(old, airline_bodies()[:10])
    new = Learner(["naive", "holt_winters"], warmup=0)
    new.load_state_dict(old.state_dict())
    state = new.series["default"]
    assert list(state.models) == ["naive", "holt_winters"]
    assert set(state.board.scores) == {"naive", "holt_winters"}
    assert new.predict("default", {})["predictions"]["naive"] == AIRLINE[9]
    assert new.count == 10
