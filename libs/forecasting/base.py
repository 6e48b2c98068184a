"""What every forecaster here shares: River's forecaster contract, always a finite answer."""

import math
from collections import deque

from river import time_series


class SeriesForecaster(time_series.base.Forecaster):
    """A univariate River forecaster that answers a finite forecast from its first call.

    Subclasses implement ``_update(y)`` (learn one value, after :attr:`recent` holds it) and
    ``_predict(horizon)`` (the model's own forecasts once it is warm); this class keeps the last
    ``season`` values, answers the seasonal-naive forecast (else the last value, else 0.0) while
    the model is cold, and replaces any non-finite or overflowing forecast by that fallback.
    ``xs`` (exogenous features) are accepted for River's interface and not used.
    """

    season: int

    def __init__(self):
        self.recent: deque[float] = deque(maxlen=max(self.season, 1))
        self.n = 0

    @property
    def cold(self) -> bool:
        """True while :meth:`forecast` answers the seasonal-naive fallback."""
        return self.n < self.warmup

    @property
    def warmup(self) -> int:
        """Values needed before the model's own forecasts."""
        return 1

    def learn_one(self, y: float, x: dict | None = None) -> None:
        y = float(y)
        if not math.isfinite(y):
            raise ValueError(f"cannot learn a non-finite value {y!r}")
        self.recent.append(y)
        self.n += 1
        self._update(y)

    def forecast(self, horizon: int, xs: list[dict] | None = None) -> list[float]:
        fallback = self.fallback(horizon)
        if self.cold:
            return fallback
        try:
            forecasts = self._predict(horizon)
        except (ArithmeticError, ValueError):
            return fallback
        return [f if math.isfinite(f) else b for f, b in zip(forecasts, fallback, strict=True)]

    def fallback(self, horizon: int) -> list[float]:
        """Seasonal naive once a season is known, else the last value, else 0.0."""
        recent = self.recent
        if not recent:
            return [0.0] * horizon
        if len(recent) < self.season:
            return [recent[-1]] * horizon
        return [recent[h % self.season] for h in range(horizon)]

    def _update(self, y: float) -> None:
        raise NotImplementedError

    def _predict(self, horizon: int) -> list[float]:
        raise NotImplementedError


def safe_exp(value: float) -> float:
    """``exp`` that answers ``inf`` instead of raising; the caller falls back on it."""
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def discounted(previous: float, error: float, forgetting: float) -> float:
    """One step of an exponentially discounted sum of absolute errors.

    Examples
    --------
    >>> discounted(10.0, 2.0, 0.9)
    11.0
    """
    return forgetting * previous + abs(error)
