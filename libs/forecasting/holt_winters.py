"""Holt-Winters exponential smoothing, multiplicative or additive, with a damped trend."""

from collections import deque
from itertools import pairwise

from libs.forecasting.base import SeriesForecaster


class HoltWinters(SeriesForecaster):
    """Holt-Winters on the target, valid for any real series.

    The recurrences and the initialisation (level: mean of the first ``max(2, season)`` values,
    trend: their mean difference, seasonal factors: each value against that level) are River's
    ``time_series.HoltWinters``, so a multiplicative model on positive data forecasts exactly as
    River's does. Two differences make it safe on other data:

    - additive seasonal terms start as differences ``y_i - level`` (River 0.26 starts them as
      ratios ``y_i / level``, which is wrong for the additive model and divides by zero on a
      zero-mean start);
    - a multiplicative model that meets a value <= 0 (or a level + trend <= 0) becomes additive
      and re-learns the last ``3 * season`` values, rather than dividing by a near-zero factor.

    Parameters
    ----------
    alpha, beta, gamma
        Smoothing of the level, trend and seasonal terms; ``beta=0.0`` means no trend, ``gamma``
        is unused when ``season == 1``.
    season
        Season length (1: no seasonal terms, Holt's linear method or, with ``beta=0``, simple
        exponential smoothing).
    multiplicative
        Multiplicative seasonality while the series stays positive.
    phi
        Trend damping in (0, 1]; 1 is an undamped trend.

    Examples
    --------
    >>> model = HoltWinters(alpha=0.5, beta=0.1, season=1)
    >>> for y in (10.0, 12.0, 14.0):
    ...     model.learn_one(y)
    >>> [round(f, 3) for f in model.forecast(horizon=2)]
    [15.55, 17.6]
    >>> seasonal = HoltWinters(season=2)
    >>> for y in (1.0, 3.0, 1.0, 3.0, 0.0, 2.0):
    ...     seasonal.learn_one(y)
    >>> seasonal.multiplicative, seasonal.additive
    (True, True)
    """

    def __init__(
        self,
        alpha: float = 0.3,
        beta: float = 0.05,
        gamma: float = 0.6,
        season: int = 12,
        multiplicative: bool = True,
        phi: float = 1.0,
    ):
        if season < 1:
            raise ValueError("season must be at least 1")
        if not 0.0 < phi <= 1.0:
            raise ValueError("phi must be in (0, 1]")
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.season = season
        self.multiplicative = multiplicative
        self.phi = phi
        super().__init__()
        self.additive = not multiplicative or season == 1
        self.kept: deque[float] = deque(maxlen=3 * max(season, 2))
        self._restart()

    def _restart(self) -> None:
        self.first: list[float] = []
        self.level = self.trend = 0.0
        self.seasonal: deque[float] = deque(maxlen=self.season + 1)

    @property
    def warmup(self) -> int:
        return max(2, self.season)

    @property
    def cold(self) -> bool:
        return not self.seasonal

    def _update(self, y: float) -> None:
        self.kept.append(y)
        if not self.additive and (y <= 0.0 or (self.level + self.trend <= 0.0 and not self.cold)):
            self._become_additive()
            return
        self._learn(y)

    def _become_additive(self) -> None:
        self.additive = True
        self._restart()
        for y in self.kept:
            self._learn(y)

    def _learn(self, y: float) -> None:
        if self.cold:
            self._initialise(y)
            return
        m, level, trend = self.season, self.level, self.trend
        damped = self.phi * trend
        s = self.seasonal[-m] if m > 1 else (0.0 if self.additive else 1.0)
        target = y - s if self.additive else y / s
        self.level = self.alpha * target + (1 - self.alpha) * (level + damped)
        self.trend = self.beta * (self.level - level) + (1 - self.beta) * damped
        if m > 1:
            base = level + trend
            new = y - base if self.additive else y / base
            self.seasonal.append(self.gamma * new + (1 - self.gamma) * s)

    def _initialise(self, y: float) -> None:
        self.first.append(y)
        if len(self.first) < self.warmup:
            return
        first = self.first
        self.level = sum(first) / len(first)
        self.trend = sum(b - a for a, b in pairwise(first)) / (len(first) - 1)
        if self.beta == 0.0:
            self.trend = 0.0
        if self.season > 1:
            lv = self.level
            self.seasonal.extend(v - lv if self.additive else v / lv for v in first)
        else:
            self.seasonal.append(0.0)  # marks the model warm

    def _predict(self, horizon: int) -> list[float]:
        m, out, step, damping = self.season, [], 0.0, 1.0
        for h in range(horizon):
            damping *= self.phi
            step += damping
            base = self.level + step * self.trend
            if m == 1:
                out.append(base)
                continue
            s = self.seasonal[-m + h % m]
            out.append(base + s if self.additive else base * s)
        return out
