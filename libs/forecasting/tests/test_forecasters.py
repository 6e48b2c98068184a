import copy
import math
import random

import pytest
from river import datasets

from libs.forecasting import (
    AirlineForecaster,
    DifferencedAR,
    ExponentialSmoothing,
    HoltWinters,
    MeanForecaster,
    SeasonalNaive,
    Theta,
    best_forecaster,
    detect_season,
)
from libs.testkit.river_checks import check_cases

AIRLINE = [y for _, y in datasets.AirlinePassengers()]
ESTIMATORS = [
    SeasonalNaive(),
    SeasonalNaive(season=4),
    AirlineForecaster(season=4),
    HoltWinters(season=4),
    HoltWinters(season=1, beta=0.0),
    ExponentialSmoothing(season=4),
    Theta(),
    DifferencedAR(season=4),
    MeanForecaster([AirlineForecaster(season=2), HoltWinters(season=2)]),
]


@pytest.mark.parametrize(
    ("estimator", "check"),
    check_cases({f"{e.__class__.__name__}#{i}": e for i, e in enumerate(ESTIMATORS)}),
)
def test_river_estimator_checks(estimator, check):
    """River's own checks (``river.checks``), run the way River's test suite runs them."""
    check(copy.deepcopy(estimator))


def prequential_mae(model, values, start=12):
    errors = []
    for t, y in enumerate(values):
        forecast = model.forecast(horizon=1)[0]
        assert math.isfinite(forecast)
        if t >= start:
            errors.append(abs(y - forecast))
        model.learn_one(y)
    return sum(errors) / len(errors)


def naive_mae(values, start=12):
    return sum(abs(values[t] - values[t - 1]) for t in range(start, len(values))) / (
        len(values) - start
    )


@pytest.mark.parametrize(
    ("factory", "bound"),
    [
        (lambda: AirlineForecaster(season=12), 8.2),
        (lambda: HoltWinters(season=12), 8.5),
        (lambda: best_forecaster(season=12), 7.8),
    ],
)
def test_airline_recipes_keep_their_figures(factory, bound):
    assert prequential_mae(factory(), AIRLINE) <= bound


def test_holt_winters_forecasts_as_rivers_on_positive_data():
    from river import time_series

    ours, rivers = HoltWinters(season=12), time_series.HoltWinters(0.3, 0.05, 0.6, 12, True)
    for y in AIRLINE:
        ours.learn_one(y)
        rivers.learn_one(y)
    assert ours.forecast(3) == pytest.approx(rivers.forecast(3), rel=1e-12)


def noisy(values, scale, seed=7):
    rng = random.Random(seed)
    return [v + rng.gauss(0.0, scale) for v in values]


SEASON_4 = noisy([[10.0, 30.0, 20.0, 50.0][t % 4] + 0.5 * t for t in range(120)], 2.0)
SEASON_7 = noisy([[5.0, 6.0, 7.0, 6.0, 5.0, 1.0, 0.0][t % 7] * 10 for t in range(140)], 1.0)
ZEROS = [max(0.0, v) for v in noisy([[0.0, 0.0, 8.0, 12.0][t % 4] for t in range(120)], 2.0)]
NEGATIVE = noisy([[-5.0, 3.0, -1.0, 6.0][t % 4] - 0.05 * t for t in range(120)], 1.0)
TREND = noisy([100.0 + 2.0 * t for t in range(100)], 1.0)
LEVEL = noisy([50.0] * 100, 5.0)


@pytest.mark.parametrize("series", [ZEROS, NEGATIVE], ids=["zeros", "negatives"])
@pytest.mark.parametrize(
    "factory",
    [
        lambda: AirlineForecaster(season=4),
        lambda: HoltWinters(season=4),
        lambda: best_forecaster(season=4),
        lambda: ExponentialSmoothing(season=4),
        lambda: DifferencedAR(season=4),
        Theta,
    ],
)
def test_zeros_and_negatives_get_forecasts_near_the_data_and_beat_naive(series, factory):
    model, spread = factory(), max(series) - min(series)
    for t, y in enumerate(series):
        forecast = model.forecast(horizon=1)[0]
        if t:
            assert abs(forecast - series[t - 1]) <= 3 * spread
        model.learn_one(y)
    if not isinstance(model, Theta):  # no seasonal terms
        assert prequential_mae(factory(), series) < naive_mae(series)


def test_multiplicative_models_turn_additive_on_the_first_value_not_above_zero():
    hw, airline = HoltWinters(season=4), AirlineForecaster(season=4)
    for y in [5.0, 6.0, 7.0, 8.0, 5.0, 6.0, 0.0]:
        hw.learn_one(y)
        airline.learn_one(y)
    assert hw.additive and not airline.logged
    assert HoltWinters(season=4).multiplicative  # the parameter is kept for clone()


@pytest.mark.parametrize("series", [TREND, LEVEL], ids=["trend", "level"])
@pytest.mark.parametrize(
    "factory", [Theta, lambda: ExponentialSmoothing(season=1), lambda: DifferencedAR(season=1)]
)
def test_non_seasonal_models_beat_naive_on_trend_and_level_series(series, factory):
    assert prequential_mae(factory(), series) < naive_mae(series)


@pytest.mark.parametrize(("series", "season"), [(SEASON_4, 4), (SEASON_7, 7)])
@pytest.mark.parametrize(
    "factory", [AirlineForecaster, HoltWinters, ExponentialSmoothing, DifferencedAR]
)
def test_seasonal_models_with_the_right_season_beat_naive(series, season, factory):
    assert prequential_mae(factory(season=season), series) < naive_mae(series)


@pytest.mark.parametrize(("series", "season"), [(SEASON_4, 4), (SEASON_7, 7)])
def test_smoothing_chosen_online_beats_seasonal_naive_on_a_stable_season(series, season):
    mae = prequential_mae(ExponentialSmoothing(season=season), series)
    assert mae < prequential_mae(SeasonalNaive(season), series)


@pytest.mark.parametrize(("series", "season"), [(SEASON_4, 4), (SEASON_7, 7), (TREND, 1)])
def test_season_is_detected_from_the_first_24_values(series, season):
    assert detect_season(series[:24]) == season


def test_forecasts_are_finite_on_junk_streams():
    junk = [0.0, -5.0, 1e300, 3.0, 0.0, -1e300, 7.0] * 10
    for model in [AirlineForecaster(), HoltWinters(), ExponentialSmoothing(), Theta()]:
        for y in junk:
            assert all(math.isfinite(f) for f in model.forecast(horizon=3))
            model.learn_one(y)


def test_ensemble_is_the_mean_of_its_members():
    a, b = AirlineForecaster(), HoltWinters()
    ensemble = MeanForecaster([AirlineForecaster(), HoltWinters()])
    for y in AIRLINE[:30]:
        expected = (a.forecast(1)[0] + b.forecast(1)[0]) / 2
        assert ensemble.forecast(1)[0] == pytest.approx(expected)
        for model in (a, b, ensemble):
            model.learn_one(y)
