"""Online one-step-ahead forecasters for seasonal series, River-style.

Every class has ``learn_one(x, y)`` and ``predict_one(x) -> float`` on the lag dict
``{"in_1": y_{t-1}, ...}`` the feature service produces, keeps its own target history, is
deterministic, always answers a finite float, and says when it is ``cold`` (still answering a
fallback: the seasonal-naive or last value).

Prequential MAE on the monthly airline passengers series, observations 13..144:

=========================================================  =====
``LogAirlineForecaster()`` (theta .4, Theta .6)             8.11
``HoltWintersForecaster()`` (alpha .3, beta .05, gamma .6)  8.47
``best_forecaster()``: the mean of the two                  7.75
=========================================================  =====

Examples
--------
>>> from river import datasets
>>> from river import metrics
>>> model, mae, history = best_forecaster(), metrics.MAE(), []
>>> for t, (_, y) in enumerate(datasets.AirlinePassengers(), start=1):
...     x = {f"in_{k}": history[-k] if k <= len(history) else 0.0 for k in range(1, 13)}
...     if t >= 13:
...         mae.update(y, model.predict_one(x))
...     model.learn_one(x, y)
...     history.append(y)
>>> round(mae.get(), 2)
7.75
"""

from libs.forecasting.airline import LogAirlineForecaster
from libs.forecasting.ensemble import MeanEnsembleForecaster, best_forecaster
from libs.forecasting.holt_winters import HoltWintersForecaster

__all__ = [
    "HoltWintersForecaster",
    "LogAirlineForecaster",
    "MeanEnsembleForecaster",
    "best_forecaster",
]
