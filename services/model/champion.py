"""Which model's forecast a series is served, and the guard every served forecast passes.

- **Champion**: with ``CHAMPION=best``, the served model of a series is the one with the lowest
  exponentially discounted MAE (:class:`ChampionSelector`). Until models are scored, the series
  is answered the naive baseline (its last value, reported as ``baseline_naive``) rather than
  whichever model is listed first.
- **Guard**: a forecast is implausible when it is further from the series' recent range
  (its last ``RECENT`` values, at least two seasons) than ``WIDE`` times that range (a constant
  series: than ``WIDE`` times its magnitude, or 1). Every model's implausible forecast is
  replaced by the naive value, the model is listed in the answer's ``rejected`` for that step
  (``failed`` lists models that raised), and counted in its leaderboard row's ``rejected``.
"""

from collections import deque
from collections.abc import Sequence

from libs.metrics import Scoreboard

BASELINE = "baseline_naive"
SERVED = "champion"
"""The scoreboard's name for what the series was served, whichever model it came from."""
MIN_SCORED = 1
FORGETTING = 0.97
RECENT = 24
WIDE = 2.0


class Guard:
    """The plausibility band of one series' forecasts, from its recent values.

    Examples
    --------
    >>> guard = Guard(season=1)
    >>> for y in (10.0, 14.0, 12.0):
    ...     guard.learn_one(y)
    >>> guard.plausible(20.0), guard.plausible(22.1), guard.plausible(1e9), guard.plausible(1.9)
    (True, False, False, False)
    """

    def __init__(self, season: int = 1):
        self.recent: deque[float] = deque(maxlen=max(RECENT, 2 * season))
        self.rejected: dict[str, int] = {}

    def learn_one(self, y: float) -> None:
        self.recent.append(y)

    def use_season(self, season: int) -> None:
        """Keep at least two seasons of values."""
        self.recent = deque(self.recent, maxlen=max(RECENT, 2 * season))

    def band(self) -> tuple[float, float] | None:
        """The plausible range, ``None`` (anything goes) before two values."""
        recent = self.recent
        if len(recent) < 2:
            return None
        lo, hi = min(recent), max(recent)
        spread = hi - lo or max(abs(hi), 1.0)
        return lo - WIDE * spread, hi + WIDE * spread

    def plausible(self, y: float) -> bool:
        band = self.band()
        return band is None or band[0] <= y <= band[1]

    def screen(self, predictions: dict[str, float], fallback: float) -> list[str]:
        """Replace implausible predictions by ``fallback``; count and return their models."""
        band = self.band()
        if band is None:
            return []
        low, high = band
        rejected = []
        for name, y in predictions.items():
            if not low <= y <= high:
                predictions[name] = fallback
                self.rejected[name] = self.rejected.get(name, 0) + 1
                rejected.append(name)
        return rejected

    def screen_paths(self, paths: dict[str, list[float]], fallback: float) -> list[str]:
        """Replace each multi-step forecast with an implausible step by ``fallback`` repeated;
        count and return their models."""
        band = self.band()
        if band is None:
            return []
        low, high = band
        rejected = []
        for name, path in paths.items():
            if not all(low <= y <= high for y in path):
                paths[name] = [fallback] * len(path)
                self.rejected[name] = self.rejected.get(name, 0) + 1
                rejected.append(name)
        return rejected


class ChampionSelector:
    """Which model one series is served: the lowest exponentially discounted MAE.

    Each model's absolute errors are summed with weight ``FORGETTING`` per step (a memory of
    about 30 observations: recent enough to follow a change, long enough not to chase noise).
    The first ``warmup`` observations are not scored; until ``MIN_SCORED`` have been,
    :meth:`best` is ``None`` and the series is served the naive baseline.

    Examples
    --------
    >>> selector = ChampionSelector(["a", "b"], warmup=1)
    >>> selector.update({"a": 0.0, "b": 9.0}, 1.0) is None
    True
    >>> selector.update({"a": 5.0, "b": 2.0}, 2.0)
    'b'
    """

    def __init__(self, names: Sequence[str], warmup: int = 0):
        self.errors = dict.fromkeys(names, 0.0)
        self.warmup = warmup
        self.seen = 0

    def use(self, names: Sequence[str]) -> None:
        """Score ``names`` from now on (new ones start from no error)."""
        self.errors = {name: self.errors.get(name, 0.0) for name in names}

    def update(self, predictions: dict[str, float], y: float) -> str | None:
        """Score one observation's predictions; the best model after it."""
        self.seen += 1
        if self.seen > self.warmup:
            errors = self.errors
            for name in errors:
                errors[name] = FORGETTING * errors[name] + abs(y - predictions[name])
        return self.best()

    def best(self) -> str | None:
        if self.seen - self.warmup < MIN_SCORED:
            return None
        return min(self.errors, key=self.errors.__getitem__)


def leaderboard(board: Scoreboard, guard: Guard, window: int | None) -> list[dict]:
    """The board's leaderboard, each row with how many forecasts the guard ``rejected``."""
    rows = board.leaderboard(window)
    for row in rows:
        row["rejected"] = guard.rejected.get(row["model"], 0)
    return rows
