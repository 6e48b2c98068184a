"""The Box-Jenkins airline model, ARIMA(0,1,1)(0,1,1)_m, run online on log(y) or y."""

import copy
import math
from collections import deque

from libs.forecasting.base import SeriesForecaster, safe_exp


class AirlineForecaster(SeriesForecaster):
    """Box-Jenkins "airline model", ARIMA(0,1,1)(0,1,1)_m, on log(y) while y > 0, else on y.

    With l_t the (log) series and residuals e_t, the model is
    ``(1 - B)(1 - B^m) l_t = (1 - theta B)(1 - Theta B^m) e_t``, so the one-step forecast is

        l_hat_t = l_{t-1} + l_{t-m} - l_{t-m-1}
                  - theta e_{t-1} - Theta e_{t-m} + theta Theta e_{t-m-1}

    and y_hat_t = exp(l_hat_t): seasonal naive times last year's growth, with moving-average
    terms smoothing the noise, O(1) per observation. The first value <= 0 switches the model to
    y itself for good (the additive airline model; its residual history restarts at zero), so
    series with zeros or negative values get a valid model instead of log(1e-9).

    Parameters
    ----------
    theta
        Non-seasonal MA coefficient (Box and Jenkins' value for the airline series: 0.4).
    seasonal_theta
        Seasonal MA coefficient (their value: 0.6).
    season
        Season length m.
    log
        Model log(y) while the series is positive.

    Examples
    --------
    >>> model = AirlineForecaster(season=2)
    >>> for y in (10.0, 20.0, 20.0, 40.0):
    ...     model.learn_one(y)
    >>> model.cold, [round(y, 6) for y in model.forecast(horizon=2)]
    (False, [40.0, 80.0])
    >>> model.learn_one(-5.0)
    >>> model.logged, model.forecast(horizon=1)
    (False, [33.0])
    """

    def __init__(
        self,
        theta: float = 0.4,
        seasonal_theta: float = 0.6,
        season: int = 12,
        log: bool = True,
    ):
        if season < 1:
            raise ValueError("season must be at least 1")
        self.theta = theta
        self.seasonal_theta = seasonal_theta
        self.season = season
        self.log = log
        super().__init__()
        self.logged = log
        keep = season + 1
        self.y: deque[float] = deque(maxlen=keep)
        self.levels: deque[float] = deque(maxlen=keep)
        self.errors: deque[float] = deque(maxlen=keep)

    @property
    def warmup(self) -> int:
        return self.season + 1

    def _coefficients(self) -> tuple[float, float, float]:
        t, s = self.theta, self.seasonal_theta
        return -t, -s, t * s

    def _one_step(self) -> float:
        m, lv, e = self.season, self.levels, self.errors
        a, b, c = self._coefficients()
        return lv[-1] + lv[-m] - lv[-m - 1] + a * e[-1] + b * e[-m] + c * e[-m - 1]

    def _update(self, y: float) -> None:
        if self.logged and y <= 0.0:
            self.logged = False
            self.levels = deque(self.y, maxlen=self.levels.maxlen)
            self.errors = deque([0.0] * len(self.y), maxlen=self.errors.maxlen)
        level = math.log(y) if self.logged else y
        error = 0.0 if self.n <= self.warmup else level - self._one_step()
        self.y.append(y)
        self.levels.append(level)
        self.errors.append(error)

    def _predict(self, horizon: int) -> list[float]:
        if horizon == 1:
            level = self._one_step()
            return [safe_exp(level) if self.logged else level]
        ahead = copy.deepcopy(self)
        out = []
        for _ in range(horizon):
            y = ahead.forecast(1)[0]
            out.append(y)
            ahead.learn_one(y)
        return out
