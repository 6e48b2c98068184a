"""Averages of forecasters, and the best recipe found on the airline series."""

from libs.forecasting.airline import LogAirlineForecaster
from libs.forecasting.holt_winters import HoltWintersForecaster


class MeanEnsembleForecaster:
    """Unweighted mean of several forecasters' one-step predictions (all learn every y)."""

    def __init__(self, models: list):
        self.models = models

    @property
    def cold(self) -> bool:
        return any(getattr(m, "cold", False) for m in self.models)

    def learn_one(self, x: dict | None, y: float) -> None:
        for m in self.models:
            m.learn_one(x, y)

    def predict_one(self, x: dict | None = None) -> float:
        preds = [m.predict_one(x) for m in self.models]
        return float(sum(preds) / len(preds))


def best_forecaster(period: int = 12) -> MeanEnsembleForecaster:
    """Best recipe found: mean of the log airline model and multiplicative Holt-Winters."""
    return MeanEnsembleForecaster(
        [
            LogAirlineForecaster(theta=0.4, seasonal_theta=0.6, period=period),
            HoltWintersForecaster(
                alpha=0.3, beta=0.05, gamma=0.6, seasonality=period, multiplicative=True
            ),
        ]
    )
