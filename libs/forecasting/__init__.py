"""Online forecasters of univariate series, as River forecasters.

Every class is a ``river.time_series.base.Forecaster``: ``learn_one(y)`` learns the next value
and returns nothing, ``forecast(horizon)`` answers ``horizon`` finite floats from the first call
(the seasonal-naive value, the last value or 0.0 while the model is ``cold``). Every model is
valid for any real series: multiplicative and log forms turn additive on the first value <= 0.

- :class:`SeasonalNaive`: the baselines (``season=1``: naive);
- :class:`AirlineForecaster`: the Box-Jenkins airline model, on log(y) while y > 0;
- :class:`HoltWinters`: Holt-Winters, multiplicative or additive, damped or not;
- :class:`ExponentialSmoothing`: the best of a pool of simple, damped and Holt-Winters models,
  chosen online by discounted error;
- :class:`Theta`: the Theta method, with its smoothing constant chosen online;
- :class:`DifferencedAR`: ARIMA(p,1,0) with a seasonal AR term, fitted online by recursive
  least squares;
- :class:`MeanForecaster`: the mean of several; :func:`best_forecaster` the airline recipe;
- :class:`SeasonDetector`: a series' season length from the autocorrelation of its changes.

Prequential MAE on the monthly airline passengers series, observations 13..144:

============================================================  =====
``AirlineForecaster()`` (theta .4, Theta .6)                    8.11
``HoltWinters()`` (alpha .3, beta .05, gamma .6)                8.47
``best_forecaster()``: the mean of the two                      7.75
============================================================  =====

Examples
--------
>>> from river import datasets
>>> from river import metrics
>>> model, mae = best_forecaster(season=12), metrics.MAE()
>>> for t, (_, y) in enumerate(datasets.AirlinePassengers(), start=1):
...     if t >= 13:
...         mae.update(y, model.forecast(horizon=1)[0])
...     model.learn_one(y)
>>> round(mae.get(), 2)
7.75
"""

from libs.forecasting.airline import AirlineForecaster
from libs.forecasting.autoregressive import DifferencedAR
from libs.forecasting.base import SeriesForecaster
from libs.forecasting.ensemble import MeanForecaster, best_forecaster
from libs.forecasting.holt_winters import HoltWinters
from libs.forecasting.naive import SeasonalNaive
from libs.forecasting.season import SeasonDetector, detect_season
from libs.forecasting.smoothing import ExponentialSmoothing, smoothing_pool
from libs.forecasting.theta import Theta

__all__ = [
    "AirlineForecaster",
    "DifferencedAR",
    "ExponentialSmoothing",
    "HoltWinters",
    "MeanForecaster",
    "SeasonDetector",
    "SeasonalNaive",
    "SeriesForecaster",
    "Theta",
    "best_forecaster",
    "detect_season",
    "smoothing_pool",
]
