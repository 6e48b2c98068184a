import math

import pytest
from river import datasets, metrics

from libs.forecasting import (
    HoltWintersForecaster,
    LogAirlineForecaster,
    MeanEnsembleForecaster,
    best_forecaster,
)


def lags(history: list[float], n: int = 12) -> dict[str, float]:
    return {f"in_{k}": history[-k] if k <= len(history) else 0.0 for k in range(1, n + 1)}


def prequential(model, stream) -> tuple[float, list[float]]:
    mae, history, predictions = metrics.MAE(), [], []
    for t, y in enumerate(stream, start=1):
        x = lags(history)
        prediction = model.predict_one(x)
        predictions.append(prediction)
        if t >= 13:
            mae.update(y, prediction)
        model.learn_one(x, y)
        history.append(y)
    return mae.get(), predictions


AIRLINE = [y for _, y in datasets.AirlinePassengers()]


@pytest.mark.parametrize(
    ("factory", "bound"),
    [
        (LogAirlineForecaster, 8.2),
        (HoltWintersForecaster, 8.5),
        (lambda: HoltWintersForecaster(multiplicative=False, log_target=True), 8.5),
        (best_forecaster, 7.8),
    ],
)
def test_recipe_beats_reference_holt_winters_on_airline_series(factory, bound):
    mae, _ = prequential(factory(), AIRLINE)
    assert mae <= bound


def test_same_stream_gives_identical_predictions_every_run():
    assert prequential(best_forecaster(), AIRLINE)[1] == prequential(best_forecaster(), AIRLINE)[1]


def test_cold_models_answer_last_value_then_seasonal_naive():
    model = LogAirlineForecaster(period=12)
    assert model.cold and model.predict_one({"in_1": 5.0}) == 5.0
    for y in range(1, 13):
        model.learn_one({}, float(y))
    assert model.cold and model.predict_one({}) == 1.0  # y_{t-12}
    model.learn_one({}, 13.0)
    assert not model.cold


@pytest.mark.parametrize("factory", [LogAirlineForecaster, HoltWintersForecaster, best_forecaster])
def test_junk_stream_with_zeros_negatives_and_huge_values_stays_finite(factory):
    model = factory()
    junk = [0.0, -5.0, 1e300, 3.0, 0.0, -1e300, 7.0] * 10
    for y in junk:
        assert math.isfinite(model.predict_one({"in_1": 1.0}))
        model.learn_one({}, y)


def test_ensemble_is_the_mean_of_its_members():
    a, b = LogAirlineForecaster(), HoltWintersForecaster()
    ens = MeanEnsembleForecaster([LogAirlineForecaster(), HoltWintersForecaster()])
    for y in AIRLINE[:30]:
        assert ens.predict_one({}) == pytest.approx((a.predict_one({}) + b.predict_one({})) / 2)
        for m in (a, b, ens):
            m.learn_one({}, y)
