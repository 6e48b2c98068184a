import math
import pickle

import orjson
import pytest

from libs.lag_features import ObservationConflict
from services.model.learner import Learner
from services.model.models import CATALOG
from services.model.seasons import SeriesSeason
from services.model.series import SeriesState
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
    assert second["cold"] is False  # AMF learned while it answered the latest lag


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


def test_best_champion_is_the_naive_baseline_until_scored_then_the_lowest_discounted_mae():
    learner = Learner(["linear_regression", "hw_airline_mean"], champion="best", warmup=12)
    answers = stream(learner, airline_bodies())
    for answer in answers[:13]:  # nothing scored yet: the last value, not the first listed
        assert answer["model"] == "baseline_naive" and answer["cold"] is True
    assert answers[12]["prediction"] == AIRLINE[11]
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


def test_predict_learn_of_an_id_applied_by_train_is_refused_and_learns_nothing():
    learner = Learner(["naive"], warmup=0)
    body = {"features": {}, "target": 5.0, "observation_id": 3}
    trained = learner.apply(record(body, False))
    assert trained == {
        "learned": True,
        "count": 1,
        "series_id": "default",
        "observation_id": 3,
        "duplicate": False,
        "failed": [],
    }
    with pytest.raises(ObservationConflict, match="was learned by /train, which made no"):
        learner.apply(record(body))
    assert learner.apply(record(body, False))["duplicate"] is True
    assert learner.count == 1


@pytest.mark.parametrize(
    "changed", [{"target": 6.0}, {"features": {"in_1": 2.0}}, {"features": {"in_2": 1.0}}]
)
def test_reused_id_with_another_target_or_features_is_refused_and_learns_nothing(changed):
    learner = Learner(["naive"], warmup=0)
    body = {"features": {"in_1": 1.0}, "target": 5.0, "observation_id": 3}
    learner.apply(record(body))
    for predict in (True, False):
        with pytest.raises(ObservationConflict) as refused:
            learner.apply(record({**body, **changed}, predict))
        assert str(refused.value) == (
            "observation_id 3 of series 'default' was already applied with another target or "
            "features; use a new observation_id"
        )
    reordered = {"features": {"in_1": 1.0}, "observation_id": 3, "target": 5.0}
    assert learner.apply(record(reordered))["duplicate"] is True
    assert learner.count == 1 and learner.predict("default", {})["prediction"] == 5.0


def test_batch_with_one_conflicting_item_is_refused_whole():
    learner = Learner(["naive"], warmup=0)
    learner.apply(record({"features": {}, "target": 1.0, "observation_id": 1}))
    fresh = {"op": "learn", "features": {}, "target": 2.0, "observation_id": 2}
    for clash in ({"target": 9.0, "observation_id": 1}, {"target": 9.0, "observation_id": 2}):
        batch = {"op": "batch", "items": [fresh, {"op": "learn", "features": {}, **clash}]}
        with pytest.raises(ObservationConflict) as refused:
            learner.apply(batch)
        assert refused.value.index == 1
    assert learner.count == 1 and learner.predict("default", {})["prediction"] == 1.0


def test_answers_remembered_before_fingerprints_still_answer_retries():
    learner = Learner(["naive"], warmup=0)
    first = learner.apply(record({"features": {}, "target": 1.0, "observation_id": 1}))
    learner.apply(record({"features": {}, "target": 2.0, "observation_id": 2}, False))
    saved = pickle.loads(pickle.dumps(learner.state_dict()))
    answers = saved["series"]["default"].answers
    answers[1], answers[2] = orjson.dumps(first), None  # what the previous version kept
    del saved["answers_format"]
    restored = Learner(["naive"], warmup=0)
    restored.load_state_dict(saved)
    assert restored.apply(record({"features": {}, "target": 1.0, "observation_id": 1})) == {
        **first,
        "duplicate": True,
    }
    assert restored.apply(record({"features": {}, "target": 2.0, "observation_id": 2}, False))[
        "duplicate"
    ]


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


def test_a_model_that_raises_is_listed_as_failed_and_counted_and_the_others_learn():
    learner = Learner(["snarimax", "naive"], champion="snarimax", warmup=0)
    learner.series["default"] = SeriesState(learner.models, SeriesSeason(12, None), 0)
    learner.series["default"].models["snarimax"] = Exploding()
    answer = learner.apply(record({"features": {"in_1": 1.0}, "target": 2.0}))
    assert answer["cold"] is True and answer["prediction"] == 1.0
    assert answer["failed"] == ["snarimax"]
    predicted = learner.predict("default", {})
    assert predicted["predictions"] == {"snarimax": 2.0, "naive": 2.0}
    assert predicted["failed"] == ["snarimax"]
    assert learner.predict_many("default", {}, 2)["predictions"] == [2.0, 2.0]
    assert learner.errors == {("snarimax", "default"): 4}  # predict, learn, predict, forecast
    assert learner.predict("other", {})["failed"] == []


@pytest.mark.parametrize("features", [{}, {"in_1": 5.0, "in_2": 3.0}])
def test_an_unknown_series_answers_what_fresh_models_would_and_stays_unknown(features):
    learner = Learner(list(CATALOG), warmup=0)
    fresh = Learner(list(CATALOG), warmup=0)
    fresh.series["s"] = SeriesState(fresh.models, SeriesSeason(None, fresh.season), fresh.warmup)
    assert learner.predict("s", features) == fresh.predict("s", features)
    assert learner.predict_many("s", features, 3) == fresh.predict_many("s", features, 3)
    assert learner.series == {}


def test_restoring_a_snapshot_with_a_new_line_up_keeps_shared_models_and_starts_new_ones():
    old = Learner(["naive", "linear_regression"], warmup=0)
    stream(old, airline_bodies()[:10])
    new = Learner(["naive", "holt_winters"], warmup=0)
    new.load_state_dict(old.state_dict())
    state = new.series["default"]
    assert list(state.models) == ["naive", "holt_winters"]
    assert set(state.board.scores) == {"naive", "holt_winters", "champion"}
    assert new.predict("default", {})["predictions"]["naive"] == AIRLINE[9]
    assert new.count == 10
