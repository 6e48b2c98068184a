"""An autoregressive model of a series' changes, its coefficients learned online."""

from collections import deque

from libs.forecasting.base import SeriesForecaster


class DifferencedAR(SeriesForecaster):
    """ARIMA(p,1,0) with an optional seasonal AR term, fitted by recursive least squares.

    The change ``d_t = y_t - y_{t-1}`` is regressed on an intercept, ``d_{t-1} .. d_{t-p}`` and,
    when ``season > 1``, ``d_{t-season}``; the coefficients follow the data through recursive
    least squares with a forgetting factor (no step size to tune, exact least squares on the
    discounted past at every step), and the forecast is ``y_t + d_hat``. Momentum in the changes
    (unemployment, GDP) is what it captures and naive misses.

    Parameters
    ----------
    p
        Autoregressive order on the changes.
    season
        Season length; above 1 the change one season back is a regressor too.
    forgetting
        RLS forgetting factor in (0, 1]; 1 weighs the whole past equally.
    delta
        Initial scale of the RLS covariance (large: a weak prior on zero coefficients).

    Examples
    --------
    >>> model = DifferencedAR(p=1, season=1)
    >>> for t in range(30):
    ...     model.learn_one(2.0 * t)
    >>> round(model.forecast(horizon=2)[0], 3), round(model.forecast(horizon=2)[1], 3)
    (60.0, 62.0)
    """

    def __init__(
        self, p: int = 2, season: int = 1, forgetting: float = 0.995, delta: float = 100.0
    ):
        if p < 1 or season < 1:
            raise ValueError("p and season must be at least 1")
        self.p = p
        self.season = season
        self.forgetting = forgetting
        self.delta = delta
        super().__init__()
        self.lags = p if season == 1 else max(p, season)
        self.changes: deque[float] = deque(maxlen=self.lags)
        self.previous: float | None = None
        k = self._width()
        self.weights = [0.0] * k
        self.cov = [[delta if i == j else 0.0 for j in range(k)] for i in range(k)]

    def _width(self) -> int:
        return 1 + self.p + (self.season > 1)

    @property
    def warmup(self) -> int:
        return self.lags + 2

    def _regressors(self, changes) -> list[float]:
        row = [1.0] + [changes[-k] for k in range(1, self.p + 1)]
        if self.season > 1:
            row.append(changes[-self.season])
        return row

    def _update(self, y: float) -> None:
        if self.previous is not None:
            change = y - self.previous
            if len(self.changes) == self.lags:
                self._rls(self._regressors(self.changes), change)
            self.changes.append(change)
        self.previous = y

    def _rls(self, phi: list[float], target: float) -> None:
        P, w, lam, k = self.cov, self.weights, self.forgetting, len(phi)
        Pphi = [sum(P[i][j] * phi[j] for j in range(k)) for i in range(k)]
        gain_denominator = lam + sum(phi[i] * Pphi[i] for i in range(k))
        gain = [v / gain_denominator for v in Pphi]
        error = target - sum(w[i] * phi[i] for i in range(k))
        self.weights = [w[i] + gain[i] * error for i in range(k)]
        self.cov = [[(P[i][j] - gain[i] * Pphi[j]) / lam for j in range(k)] for i in range(k)]

    def _predict(self, horizon: int) -> list[float]:
        changes, level, out = deque(self.changes, maxlen=self.lags), self.previous, []
        for _ in range(horizon):
            change = sum(
                w * f for w, f in zip(self.weights, self._regressors(changes), strict=True)
            )
            level += change
            changes.append(change)
            out.append(level)
        return out
