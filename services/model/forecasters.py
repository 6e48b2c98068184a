"""One interface over River regressors and forecasters: predict, learn and forecast a series.

A regressor reads the lag features ``in_1..in_N`` and forecasts several steps by feeding its own
predictions back as lags (:func:`libs.lag_features.advance`, which moves the feature service's
extras too). A forecaster (Holt-Winters, SNARIMAX, the naive baselines,
``libs.forecasting``'s recipes) learns from the target history alone and ignores the features.
Each answers ``None`` while it cannot predict at all; the learner substitutes a finite fallback
and says the model is cold. A model with a ``cold`` attribute that is true answers its own
fallback (seasonal naive, say) and is reported cold too.
"""

import copy
import math
from collections import deque

from libs.lag_features.contract import advance, lag_name

LAST = lag_name(1)


def finite(y) -> float | None:
    return float(y) if y is not None and math.isfinite(y) else None


class Regressor:
    """A River regressor (or pipeline) on lag features; cold until it has learned once.

    Examples
    --------
    >>> from river import linear_model
    >>> model = Regressor(linear_model.LinearRegression(intercept_lr=0.5))
    >>> model.predict_one({"in_1": 1.0}) is None
    True
    >>> model.learn_one({"in_1": 1.0}, 2.0)
    >>> len(model.forecast({"in_1": 1.0, "in_2": 0.0}, steps=3))
    3
    """

    def __init__(self, model):
        self.model = model
        self.n_learned = 0

    def predict_one(self, x: dict) -> float | None:
        if not self.n_learned:
            return None
        return finite(self.model.predict_one(x))

    def learn_one(self, x: dict, y: float) -> None:
        self.model.learn_one(x, y)
        self.n_learned += 1

    def forecast(self, x: dict, steps: int) -> list[float | None]:
        out = []
        for _ in range(steps):
            y = self.predict_one(x)
            out.append(y)
            x = advance(x, x.get(LAST, 0.0) if y is None else y)
        return out


class Forecaster:
    """A River time-series forecaster fed the target only; cold for its first ``warmup`` values.

    Examples
    --------
    >>> from river import time_series
    >>> model = Forecaster(time_series.HoltWinters(alpha=0.5, beta=0.1), warmup=2)
    >>> model.learn_one({}, 10.0)
    >>> model.predict_one({}) is None
    True
    >>> model.learn_one({}, 12.0)
    >>> model.predict_one({}), model.forecast({}, steps=2)
    (13.0, [13.0, 15.0])
    """

    def __init__(self, model, warmup: int = 1):
        self.model = model
        self.warmup = warmup
        self.n_learned = 0

    def predict_one(self, x: dict) -> float | None:
        return self.forecast(x, 1)[0]

    def learn_one(self, x: dict, y: float) -> None:
        self.model.learn_one(y)
        self.n_learned += 1

    def forecast(self, x: dict, steps: int) -> list[float | None]:
        if self.n_learned < self.warmup:
            return [None] * steps
        return [finite(y) for y in self.model.forecast(horizon=steps)]


class SeasonalNaive:
    """Repeat the value ``season`` steps back (``season=1``: the last value).

    Examples
    --------
    >>> model = SeasonalNaive(season=2)
    >>> for y in (1.0, 2.0, 3.0):
    ...     model.learn_one({}, y)
    >>> model.forecast({}, steps=3)
    [2.0, 3.0, 2.0]
    """

    def __init__(self, season: int = 1):
        self.season = season
        self.history: deque[float] = deque(maxlen=season)
        self.n_learned = 0

    def predict_one(self, x: dict) -> float | None:
        return self.forecast(x, 1)[0]

    def learn_one(self, x: dict, y: float) -> None:
        self.history.append(y)
        self.n_learned += 1

    def forecast(self, x: dict, steps: int) -> list[float | None]:
        if len(self.history) < self.season:
            return [None] * steps
        return [self.history[i % self.season] for i in range(steps)]


class Recursive:
    """A ``libs.forecasting`` forecaster (``learn_one(x, y)``, ``predict_one(x)``, ``cold``).

    Several steps ahead are forecast on a copy that learns its own predictions as if they had
    been observed, with the lags shifted, which is the usual recursive strategy.

    Examples
    --------
    >>> from libs.forecasting import LogAirlineForecaster
    >>> model = Recursive(LogAirlineForecaster(period=2))
    >>> for y in (10.0, 20.0, 20.0, 40.0):
    ...     model.learn_one({}, y)
    >>> model.cold, [round(y, 6) for y in model.forecast({}, steps=2)]
    (False, [40.0, 80.0])
    >>> model.n_learned
    4
    """

    def __init__(self, model):
        self.model = model
        self.n_learned = 0

    @property
    def cold(self) -> bool:
        return self.model.cold

    def predict_one(self, x: dict) -> float | None:
        return finite(self.model.predict_one(x))

    def learn_one(self, x: dict, y: float) -> None:
        self.model.learn_one(x, y)
        self.n_learned += 1

    def forecast(self, x: dict, steps: int) -> list[float | None]:
        model, out = copy.deepcopy(self.model), []
        for _ in range(steps):
            y = finite(model.predict_one(x))
            out.append(y)
            if y is None:
                return out + [None] * (steps - len(out))
            model.learn_one(x, y)
            x = advance(x, y)
        return out
