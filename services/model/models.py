"""Every model the service can serve, by the name ``MODEL_NAME``/``MODEL_NAMES`` accept.

Adding a model is one :class:`ModelSpec` in :data:`CATALOG`: a name, a line of description and a
``build(season)`` that returns a fresh model with fixed seeds (same stream, same predictions).
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from libs.forecasting import HoltWintersForecaster, LogAirlineForecaster, best_forecaster
from services.model.forecasters import Forecaster, Recursive, Regressor, SeasonalNaive

SEED = 42


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    build: Callable[[int], object]


def river(module: str):
    """``river.<module>``, imported when a model is built: River's subpackages import SciPy,
    most of the service's start-up, and a configuration uses few of them."""
    return importlib.import_module(f"river.{module}")


def _scaled(model):
    return river("preprocessing").StandardScaler() | model


def _snarimax(season: int) -> Forecaster:
    model = river("time_series").SNARIMAX(
        p=2,
        d=0,
        q=0,
        m=season,
        sd=1,
        regressor=_scaled(river("linear_model").LinearRegression(intercept_lr=0.1)),
    )
    return Forecaster(model, warmup=season + 2)


SPECS = (
    ModelSpec(
        "linear_regression",
        "StandardScaler | LinearRegression on the lag features",
        lambda season: Regressor(_scaled(river("linear_model").LinearRegression())),
    ),
    ModelSpec(
        "ridge_regression",
        "StandardScaler | LinearRegression with an L2 penalty of 0.1",
        lambda season: Regressor(_scaled(river("linear_model").LinearRegression(l2=0.1))),
    ),
    ModelSpec(
        "lasso_regression",
        "StandardScaler | LinearRegression with an L1 penalty of 0.1",
        lambda season: Regressor(_scaled(river("linear_model").LinearRegression(l1=0.1))),
    ),
    ModelSpec(
        "decision_tree",
        "StandardScaler | HoeffdingTreeRegressor (grace period 50, adaptive leaves)",
        lambda season: Regressor(_scaled(river("tree").HoeffdingTreeRegressor(grace_period=50))),
    ),
    ModelSpec(
        "bagging_regressor",
        "StandardScaler | BaggingRegressor of 10 LinearRegressions (seed 42)",
        lambda season: Regressor(
            _scaled(
                river("ensemble").BaggingRegressor(
                    river("linear_model").LinearRegression(), n_models=10, seed=SEED
                )
            )
        ),
    ),
    ModelSpec(
        "knn_regressor",
        "KNNRegressor, 5 neighbours over the last 50 observations",
        lambda season: Regressor(river("neighbors").KNNRegressor(n_neighbors=5)),
    ),
    ModelSpec(
        "amf_regressor",
        "AMFRegressor, 10 Aggregated Mondrian trees (seed 42)",
        lambda season: Regressor(river("forest").AMFRegressor(n_estimators=10, seed=SEED)),
    ),
    ModelSpec(
        "holt_winters",
        "multiplicative Holt-Winters (alpha .3, beta .05, gamma .6) on the target",
        lambda season: Recursive(HoltWintersForecaster(seasonality=season)),
    ),
    ModelSpec(
        "log_airline",
        "Box-Jenkins airline model ARIMA(0,1,1)(0,1,1)[season] on log(target), online",
        lambda season: Recursive(
            LogAirlineForecaster(theta=0.4, seasonal_theta=0.6, period=season)
        ),
    ),
    ModelSpec(
        "hw_airline_mean",
        "mean of holt_winters and log_airline",
        lambda season: Recursive(best_forecaster(period=season)),
    ),
    ModelSpec(
        "snarimax",
        "SNARIMAX(2,0,0)(0,1,0)[season] with a scaled linear regression on the target",
        _snarimax,
    ),
    ModelSpec("naive", "the last value of the series", lambda season: SeasonalNaive(1)),
    ModelSpec(
        "seasonal_naive",
        "the value one season back",
        lambda season: SeasonalNaive(season),
    ),
)

CATALOG: dict[str, ModelSpec] = {spec.name: spec for spec in SPECS}
"""Specs by name, in the order ``/info`` lists them."""


def build_model(name: str, season: int = 12):
    """A fresh model by name: ``learn_one(x, y)`` and ``predict_one(x)`` (``None`` while cold).

    Examples
    --------
    >>> model = build_model("naive")
    >>> model.learn_one({}, 3.0)
    >>> model.predict_one({})
    3.0
    """
    return CATALOG[name].build(season)
