"""Averages of forecasters, and the best recipe found on the airline series."""

from libs.forecasting.airline import AirlineForecaster
from libs.forecasting.base import SeriesForecaster
from libs.forecasting.holt_winters import HoltWinters
from libs.forecasting.naive import SeasonalNaive


class MeanForecaster(SeriesForecaster):
    """Unweighted mean of several forecasters' forecasts; every member learns every value.

    Cold while any member is (each cold member answers its own fallback meanwhile).

    Parameters
    ----------
    models
        The member forecasters (each a :class:`SeriesForecaster`).

    Examples
    --------
    >>> model = MeanForecaster([SeasonalNaive(1), SeasonalNaive(2)])
    >>> for y in (1.0, 2.0, 3.0):
    ...     model.learn_one(y)
    >>> model.forecast(horizon=2)
    [2.5, 3.0]
    """

    def __init__(self, models: list[SeriesForecaster]):
        if not models:
            raise ValueError("models must not be empty")
        self.models = models
        self.season = max(m.season for m in models)
        super().__init__()

    @classmethod
    def _unit_test_params(cls):
        yield {"models": [SeasonalNaive(1), HoltWinters(season=2)]}

    @property
    def cold(self) -> bool:
        return any(m.cold for m in self.models)

    def _update(self, y: float) -> None:
        for m in self.models:
            m.learn_one(y)

    def forecast(self, horizon: int, xs: list[dict] | None = None) -> list[float]:
        each = [m.forecast(horizon) for m in self.models]
        return [sum(step) / len(step) for step in zip(*each, strict=True)]


def best_forecaster(season: int = 12) -> MeanForecaster:
    """The best recipe found on the airline series: the mean of the log airline model and
    multiplicative Holt-Winters (alpha .3, beta .05, gamma .6)."""
    return MeanForecaster(
        [
            AirlineForecaster(theta=0.4, seasonal_theta=0.6, season=season),
            HoltWinters(alpha=0.3, beta=0.05, gamma=0.6, season=season, multiplicative=True),
        ]
    )
