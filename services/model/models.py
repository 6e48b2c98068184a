"""Every model the service can serve, by the name ``MODEL_NAME``/``MODEL_NAMES`` accept.

Adding a model is one :class:`ModelSpec` in :data:`CATALOG`: a name, a line of description and a
``build(season)`` that returns a fresh model with fixed seeds (same stream, same predictions),
wrapped by :mod:`services.model.adapters`. The estimators live in ``libs.forecasting`` and River.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from services.model.adapters import LagRegressor, SeriesRegressor

SEED = 42


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    build: Callable[[int], object]
    seasonal: bool = False
    """Built for a season length: rebuilt (from the series' values) once a season is detected."""


def river(module: str):
    """``river.<module>``, imported when a model is built: River's subpackages import SciPy,
    most of the service's start-up, and a configuration uses few of them."""
    return importlib.import_module(f"river.{module}")


def forecasting():
    """``libs.forecasting``, imported when a model is built (its estimators are River's)."""
    return importlib.import_module("libs.forecasting")


def _scaled(model):
    return river("preprocessing").StandardScaler() | model


def _lags(build: Callable[[], object]) -> Callable[[int], LagRegressor]:
    return lambda season: LagRegressor(build())


def _snarimax(season: int) -> SeriesRegressor:
    model = river("time_series").SNARIMAX(
        p=2,
        d=0,
        q=0,
        m=season,
        sd=1,
        regressor=_scaled(river("linear_model").LinearRegression(intercept_lr=0.1)),
    )
    return SeriesRegressor(model, warmup=season + 2)


def _series(build: Callable[[int], object]) -> Callable[[int], SeriesRegressor]:
    return lambda season: SeriesRegressor(build(season))


SPECS = (
    ModelSpec(
        "linear_regression",
        "StandardScaler | LinearRegression on the lag features",
        _lags(lambda: _scaled(river("linear_model").LinearRegression())),
    ),
    ModelSpec(
        "ridge_regression",
        "StandardScaler | LinearRegression with an L2 penalty of 0.1",
        _lags(lambda: _scaled(river("linear_model").LinearRegression(l2=0.1))),
    ),
    ModelSpec(
        "lasso_regression",
        "StandardScaler | LinearRegression with an L1 penalty of 0.1",
        _lags(lambda: _scaled(river("linear_model").LinearRegression(l1=0.1))),
    ),
    ModelSpec(
        "decision_tree",
        "StandardScaler | HoeffdingTreeRegressor (grace period 50, adaptive leaves)",
        _lags(lambda: _scaled(river("tree").HoeffdingTreeRegressor(grace_period=50))),
    ),
    ModelSpec(
        "bagging_regressor",
        "StandardScaler | BaggingRegressor of 10 LinearRegressions (seed 42)",
        _lags(
            lambda: _scaled(
                river("ensemble").BaggingRegressor(
                    river("linear_model").LinearRegression(), n_models=10, seed=SEED
                )
            )
        ),
    ),
    ModelSpec(
        "knn_regressor",
        "KNNRegressor, 5 neighbours over the last 50 observations",
        _lags(lambda: river("neighbors").KNNRegressor(n_neighbors=5)),
    ),
    ModelSpec(
        "amf_regressor",
        "AMFRegressor, 10 Aggregated Mondrian trees (seed 42)",
        _lags(lambda: river("forest").AMFRegressor(n_estimators=10, seed=SEED)),
    ),
    ModelSpec(
        "ets",
        "exponential smoothing chosen online: the mean of the 3 of 33 simple, damped and "
        "Holt-Winters variants with the lowest discounted error",
        _series(lambda season: forecasting().ExponentialSmoothing(season=season)),
        seasonal=True,
    ),
    ModelSpec(
        "theta",
        "the Theta method (smoothing with half the linear trend as drift), alpha chosen online",
        _series(lambda season: forecasting().Theta()),
    ),
    ModelSpec(
        "arima",
        "ARIMA(2,1,0)(1,0,0)[season]: the changes regressed on their lags by recursive least "
        "squares (forgetting .995)",
        _series(lambda season: forecasting().DifferencedAR(p=2, season=season)),
        seasonal=True,
    ),
    ModelSpec(
        "holt_winters",
        "Holt-Winters (alpha .3, beta .05, gamma .6), multiplicative while the series is positive",
        _series(lambda season: forecasting().HoltWinters(season=season)),
        seasonal=True,
    ),
    ModelSpec(
        "log_airline",
        "Box-Jenkins airline model ARIMA(0,1,1)(0,1,1)[season] on log(target) while positive",
        _series(lambda season: forecasting().AirlineForecaster(season=season)),
        seasonal=True,
    ),
    ModelSpec(
        "hw_airline_mean",
        "mean of holt_winters and log_airline",
        _series(lambda season: forecasting().best_forecaster(season)),
        seasonal=True,
    ),
    ModelSpec(
        "snarimax",
        "SNARIMAX(2,0,0)(0,1,0)[season] with a scaled linear regression on the target",
        _snarimax,
        seasonal=True,
    ),
    ModelSpec(
        "naive",
        "the last value of the series",
        _series(lambda season: forecasting().SeasonalNaive(1)),
    ),
    ModelSpec(
        "seasonal_naive",
        "the value one season back",
        _series(lambda season: forecasting().SeasonalNaive(season)),
        seasonal=True,
    ),
)

CATALOG: dict[str, ModelSpec] = {spec.name: spec for spec in SPECS}
"""Specs by name, in the order ``/info`` lists them."""


def build_model(name: str, season: int = 12):
    """A fresh model by name: ``learn_one(x, y)``, ``predict_one(x)`` (a finite float from the
    first call) and ``cold``.

    Examples
    --------
    >>> model = build_model("naive")
    >>> model.learn_one({}, 3.0)
    >>> model.predict_one({})
    3.0
    """
    return CATALOG[name].build(season)
