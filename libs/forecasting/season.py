"""Season length detected online from the autocorrelation of a series' changes."""

import math
from itertools import pairwise


class SeasonDetector:
    """Decides a series' season length once ``2 * max_season`` values have been seen.

    The candidate seasons are 2..``max_season``; the autocorrelation of the first differences
    (which removes a trend that would make every lag look alike) is computed at each, and the
    highest wins among those above ``threshold`` and above three standard errors of white noise
    (``3 / sqrt(pairs)``, strict because long lags of a short series have few pairs); a
    divisor of the winner whose autocorrelation is at least 0.9 of it is preferred (a season of
    4 also correlates at 8 and 12). Otherwise the season is 1: no seasonality.

    Parameters
    ----------
    max_season
        The longest season considered; the decision comes after twice as many values.
    threshold
        Autocorrelation a season needs.

    Examples
    --------
    >>> detector = SeasonDetector(max_season=12)
    >>> for t in range(24):
    ...     season = detector.learn_one([0.0, 3.0, 1.0, 8.0][t % 4] + 0.1 * t)
    >>> season
    4
    >>> flat = SeasonDetector(max_season=12)
    >>> for t in range(24):
    ...     season = flat.learn_one(float(t))
    >>> season
    1
    """

    def __init__(self, max_season: int = 12, threshold: float = 0.3):
        if max_season < 2:
            raise ValueError("max_season must be at least 2")
        self.max_season = max_season
        self.threshold = threshold
        self.values: list[float] = []
        self.season: int | None = None

    def learn_one(self, y: float) -> int | None:
        """Remember ``y``; the season once decided (``None`` before)."""
        if self.season is None:
            self.values.append(float(y))
            if len(self.values) >= 2 * self.max_season:
                self.season = detect_season(self.values, self.max_season, self.threshold)
                self.values = []
        return self.season


def autocorrelation(x: list[float], lag: int) -> float:
    """Autocorrelation of ``x`` at ``lag``, each lag's sum averaged over its own pairs (so
    long lags of a short series are not shrunk towards 0); 0.0 for a constant series."""
    n = len(x)
    mean = sum(x) / n
    var = sum((v - mean) ** 2 for v in x)
    if var == 0.0 or lag >= n:
        return 0.0
    pairs = sum((x[t] - mean) * (x[t - lag] - mean) for t in range(lag, n))
    return pairs / (n - lag) / (var / n)


def detect_season(values: list[float], max_season: int = 12, threshold: float = 0.3) -> int:
    """The season length of ``values`` (1: none), as :class:`SeasonDetector` decides it."""
    changes = [b - a for a, b in pairwise(values)]
    top = min(max_season, len(changes) - 2)
    acf = {lag: autocorrelation(changes, lag) for lag in range(2, top + 1)}
    if not acf:
        return 1
    n = len(changes)
    acf = {lag: r for lag, r in acf.items() if r >= max(threshold, 3.0 / math.sqrt(n - lag))}
    if not acf:
        return 1
    best = max(acf, key=acf.__getitem__)
    for lag in sorted(acf):
        if best % lag == 0 and acf[lag] >= 0.9 * acf[best]:
            return lag
    return best
