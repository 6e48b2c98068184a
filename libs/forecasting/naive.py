"""The baselines every forecaster must beat."""

from libs.forecasting.base import SeriesForecaster


class SeasonalNaive(SeriesForecaster):
    """Repeat the value ``season`` steps back; ``season=1`` repeats the last value (naive).

    Parameters
    ----------
    season
        Season length.

    Examples
    --------
    >>> model = SeasonalNaive(season=2)
    >>> model.forecast(horizon=2)
    [0.0, 0.0]
    >>> for y in (1.0, 2.0, 3.0):
    ...     model.learn_one(y)
    >>> model.forecast(horizon=3)
    [2.0, 3.0, 2.0]
    """

    def __init__(self, season: int = 1):
        if season < 1:
            raise ValueError("season must be at least 1")
        self.season = season
        super().__init__()

    @property
    def warmup(self) -> int:
        return self.season

    def _update(self, y: float) -> None:
        """The window of recent values is the whole state."""

    def _predict(self, horizon: int) -> list[float]:
        return self.fallback(horizon)
