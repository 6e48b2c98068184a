"""The service's one interface over River regressors and forecasters, as River regressors.

Every model the service serves is a ``river.base.Regressor`` on the feature dict the feature
service produces: ``learn_one(x, y)`` returns nothing, ``predict_one(x)`` answers a finite float
from the first call, ``cold`` says whether that answer is a fallback (the latest lag), and
``forecast(x, steps)`` answers several steps ahead.

- :class:`LagRegressor` runs a River regressor on the lag features and forecasts by feeding its
  own predictions back as lags (:func:`libs.lag_features.contract.advance`, which moves the
  feature service's extras too);
- :class:`SeriesRegressor` runs a River forecaster (``libs.forecasting``'s, River's SNARIMAX) on
  the target alone and ignores the features.

The estimators themselves live in ``libs.forecasting`` and River; ``services.model.models`` is
the catalog that wires them.
"""

import math

from river import base

from libs.lag_features.contract import advance, lag_name

LAST = lag_name(1)


def finite_or(y, fallback: float) -> float:
    """``y`` as a float if it is a finite number, else ``fallback``."""
    return float(y) if isinstance(y, int | float) and math.isfinite(y) else fallback


def latest_lag(x: dict) -> float:
    """What a model that cannot predict yet answers: ``in_1``, else 0.0."""
    return finite_or(x.get(LAST), 0.0)


class LagRegressor(base.Wrapper, base.Regressor):
    """A River regressor (or pipeline) on lag features; cold, answering ``in_1``, until it has
    learned once (and whenever it answers a non-finite number).

    Parameters
    ----------
    regressor
        The River regressor.

    Examples
    --------
    >>> from river import linear_model
    >>> model = LagRegressor(linear_model.LinearRegression(intercept_lr=0.5))
    >>> model.predict_one({"in_1": 1.0}), model.cold
    (1.0, True)
    >>> model.learn_one({"in_1": 1.0}, 2.0)
    >>> model.cold, len(model.forecast({"in_1": 1.0, "in_2": 0.0}, steps=3))
    (False, 3)
    """

    def __init__(self, regressor: base.Regressor):
        self.regressor = regressor
        self.n_learned = 0

    @property
    def _wrapped_model(self):
        return self.regressor

    @classmethod
    def _unit_test_params(cls):
        from river import linear_model

        yield {"regressor": linear_model.LinearRegression()}

    @property
    def cold(self) -> bool:
        return not self.n_learned

    def learn_one(self, x: dict, y: float, **kwargs) -> None:
        self.regressor.learn_one(x, y, **kwargs)
        self.n_learned += 1

    def predict_one(self, x: dict, **kwargs) -> float:
        if not self.n_learned:
            return latest_lag(x)
        y = self.regressor.predict_one(x, **kwargs)
        if type(y) is float and -math.inf < y < math.inf:  # the usual answer: no fallback to make
            return y
        return finite_or(y, latest_lag(x))

    def forecast(self, x: dict, steps: int, **kwargs) -> list[float]:
        out = []
        for _ in range(steps):
            y = self.predict_one(x)
            out.append(y)
            x = advance(x, y)
        return out


class SeriesRegressor(base.Wrapper, base.Regressor):
    """A River forecaster fed the target only; the features are ignored.

    Cold while the forecaster says so (``libs.forecasting`` models, which answer their own
    fallback meanwhile) or for its first ``warmup`` values (River's own forecasters, which
    raise or answer junk before then); before any value, and for River's forecasters while
    cold or answering a non-finite number, it answers ``in_1`` (or the last value learned).

    Parameters
    ----------
    forecaster
        The River forecaster.
    warmup
        Values learned before its forecasts are used.

    Examples
    --------
    >>> from libs.forecasting import SeasonalNaive
    >>> model = SeriesRegressor(SeasonalNaive(season=2))
    >>> model.predict_one({"in_1": 7.0}), model.cold
    (7.0, True)
    >>> for y in (1.0, 2.0, 3.0):
    ...     model.learn_one({}, y)
    >>> model.predict_one({}), model.forecast({}, steps=3)
    (2.0, [2.0, 3.0, 2.0])
    """

    def __init__(self, forecaster: base.Estimator, warmup: int = 0):
        self.forecaster = forecaster
        self.warmup = warmup
        self.n_learned = 0
        self.last: float | None = None

    @property
    def _wrapped_model(self):
        return self.forecaster

    @classmethod
    def _unit_test_params(cls):
        from libs.forecasting import SeasonalNaive  # imports SciPy: only when checked

        yield {"forecaster": SeasonalNaive(season=2)}

    @property
    def cold(self) -> bool:
        return self.n_learned < self.warmup or getattr(self.forecaster, "cold", False)

    def learn_one(self, x: dict, y: float, **kwargs) -> None:
        self.forecaster.learn_one(y, **kwargs)
        self.n_learned += 1
        self.last = float(y)

    def predict_one(self, x: dict, **kwargs) -> float:
        return self.forecast(x, 1, **kwargs)[0]

    def forecast(self, x: dict, steps: int, **kwargs) -> list[float]:
        fallback = latest_lag(x) if self.last is None or LAST in x else self.last
        if self.n_learned < max(self.warmup, 1):
            return [fallback] * steps
        forecasts = self.forecaster.forecast(horizon=steps, **kwargs)
        return [finite_or(y, fallback) for y in forecasts]
