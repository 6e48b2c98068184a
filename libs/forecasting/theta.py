"""The Theta method, run online."""

from libs.forecasting.base import SeriesForecaster, discounted

ALPHAS = (0.1, 0.2, 0.3, 0.5, 0.7, 0.9)


class Theta(SeriesForecaster):
    """The Theta method (Assimakopoulos and Nikolopoulos, 2000) as simple exponential smoothing
    with half the linear trend as drift (Hyndman and Billah, 2003), fully online.

    The slope ``b`` of the least-squares line through the series so far comes from running sums;
    one simple exponential smoothing level per ``alpha`` in ``alphas`` learns every value, and the
    forecast uses the ``alpha`` with the smallest discounted one-step error:

        y_hat_{n+h} = level_n + b / 2 * ((h - 1) + 1 / alpha - (1 - alpha)^n / alpha)

    It beats naive on level and trend series alike (the M3 competition's winner on yearly data).
    It has no seasonal terms: on seasonal series the seasonal models do better.

    Parameters
    ----------
    alphas
        Candidate smoothing constants.
    forgetting
        Discount of past errors per step, in (0, 1].

    Examples
    --------
    >>> model = Theta()
    >>> for y in [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]:
    ...     model.learn_one(y)
    >>> [round(f, 2) for f in model.forecast(horizon=2)]
    [8.44, 8.94]
    """

    def __init__(self, alphas: tuple = ALPHAS, forgetting: float = 0.97):
        if not alphas or not all(0.0 < a <= 1.0 for a in alphas):
            raise ValueError("alphas must be in (0, 1]")
        self.alphas = alphas
        self.forgetting = forgetting
        self.season = 1
        super().__init__()
        self.sums = [0.0, 0.0, 0.0, 0.0]  # t, y, t*y, t*t
        self.levels = [0.0] * len(alphas)
        self.errors = [0.0] * len(alphas)

    @property
    def warmup(self) -> int:
        return 2

    def slope(self) -> float:
        """Least-squares slope of the series against time so far (0.0 with fewer than 2)."""
        n, (st, sy, sty, stt) = self.n, self.sums
        denominator = n * stt - st * st
        return (n * sty - st * sy) / denominator if n > 1 and denominator else 0.0

    def _theta(self, i: int, h: int) -> float:
        a = self.alphas[i]
        drift = (h - 1) + 1.0 / a - (1.0 - a) ** self.n / a
        return self.levels[i] + self.slope() / 2.0 * drift

    def _update(self, y: float) -> None:
        if self.n == 1:
            self.levels = [y] * len(self.alphas)
        else:
            self.n -= 1  # the forecast made before this value saw n - 1 values
            forecasts = [self._theta(i, 1) for i in range(len(self.alphas))]
            self.n += 1
            lam = self.forgetting
            for i, a in enumerate(self.alphas):
                self.errors[i] = discounted(self.errors[i], y - forecasts[i], lam)
                self.levels[i] = a * y + (1 - a) * self.levels[i]
        t, sums = float(self.n), self.sums
        sums[0] += t
        sums[1] += y
        sums[2] += t * y
        sums[3] += t * t

    def _predict(self, horizon: int) -> list[float]:
        best = min(range(len(self.alphas)), key=self.errors.__getitem__)
        return [self._theta(best, h) for h in range(1, horizon + 1)]
