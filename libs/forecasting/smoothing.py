"""Exponential smoothing whose form and parameters are chosen online, from a pool."""

from libs.forecasting.base import SeriesForecaster, discounted
from libs.forecasting.holt_winters import HoltWinters


def smoothing_pool(season: int) -> list[HoltWinters]:
    """Simple, damped-trend and (for ``season > 1``) Holt-Winters variants to choose from.

    Examples
    --------
    >>> len(smoothing_pool(1)), len(smoothing_pool(12))
    (17, 33)
    """
    pool = [HoltWinters(alpha=a, beta=0.0, season=1) for a in (0.1, 0.2, 0.4, 0.7, 1.0)]
    pool += [
        HoltWinters(alpha=a, beta=b, season=1, phi=phi)
        for a in (0.2, 0.5, 0.8)
        for b in (0.05, 0.2)
        for phi in (0.9, 0.98)
    ]
    if season > 1:
        pool += [
            HoltWinters(alpha=a, beta=b, gamma=g, season=season, multiplicative=mult)
            for mult in (True, False)
            for a in (0.2, 0.5)
            for b in (0.0, 0.05)
            for g in (0.1, 0.4)
        ]
    return pool


class ExponentialSmoothing(SeriesForecaster):
    """Online model selection over exponential smoothing: simple, damped trend, Holt-Winters.

    Every member of :func:`smoothing_pool` learns every value; each keeps an exponentially
    discounted sum of its absolute one-step errors, and the forecast is the mean of the ``top``
    members with the smallest one. This replaces fixed smoothing constants (fit to one series)
    by the ones that have been forecasting this series best lately, in the spirit of ETS model
    selection, at the cost of about 30 small models per series. Multiplicative members turn
    additive on the first value <= 0 (see :class:`HoltWinters`).

    Parameters
    ----------
    season
        Season length; 1 keeps the non-seasonal members only.
    forgetting
        Discount of past errors per step, in (0, 1].
    top
        How many of the best members are averaged.

    Examples
    --------
    >>> model = ExponentialSmoothing(season=1)
    >>> for y in [5.0, 5.0, 5.0, 5.0, 5.0, 5.0]:
    ...     model.learn_one(y)
    >>> model.forecast(horizon=2)
    [5.0, 5.0]
    >>> trend = ExponentialSmoothing(season=1, top=1)
    >>> for y in range(1, 40):
    ...     trend.learn_one(float(y))
    >>> 39.5 < trend.forecast(horizon=1)[0] < 40.5
    True
    """

    def __init__(self, season: int = 12, forgetting: float = 0.97, top: int = 3):
        if season < 1:
            raise ValueError("season must be at least 1")
        if top < 1:
            raise ValueError("top must be at least 1")
        self.season = season
        self.forgetting = forgetting
        self.top = top
        super().__init__()
        self.pool = smoothing_pool(season)
        self.errors = [0.0] * len(self.pool)

    @property
    def warmup(self) -> int:
        return 2

    def ranking(self) -> list[int]:
        """Members, best first (ties: pool order)."""
        return sorted(range(len(self.pool)), key=self.errors.__getitem__)

    def _update(self, y: float) -> None:
        lam = self.forgetting
        for i, member in enumerate(self.pool):
            if self.n > 1:
                self.errors[i] = discounted(self.errors[i], y - member.forecast(1)[0], lam)
            member.learn_one(y)

    def _predict(self, horizon: int) -> list[float]:
        best = [self.pool[i].forecast(horizon) for i in self.ranking()[: self.top]]
        return [sum(step) / len(step) for step in zip(*best, strict=True)]
