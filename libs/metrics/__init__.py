"""Prequential (predict-then-learn) regression metrics and their Prometheus exposition.

A model that learns online is judged on each observation *before* it learns it. This library
keeps those judgements:

- :class:`RegressionScore`: cumulative and rolling (5/10/20 by default) MAE, MSE, RMSE and MAPE
  of one model on one series, from one update per prediction;
- :class:`Scoreboard`: the scores of every model serving a series, with naive (last value) and
  seasonal-naive baselines computed from the same targets, a warm-up, and a leaderboard;
- :class:`ModelMetricsCollector`: the scoreboards as Prometheus metrics named
  ``ml_model_mae``, ``ml_model_mse``, ``ml_model_rmse``, ``ml_model_predictions_total``,
  ``ml_model_last_prediction``, ``ml_model_last_actual`` and ``ml_model_last_error``, labelled
  ``model``, ``series`` and ``window``, and ``ml_model_errors_total`` (a model that raised),
  registered in the app's own registry.
"""

from libs.metrics.exposition import CUMULATIVE, ModelMetricsCollector
from libs.metrics.scoreboard import NAIVE, SEASONAL_NAIVE, Scoreboard
from libs.metrics.scores import WINDOWS, RegressionScore

__all__ = [
    "CUMULATIVE",
    "NAIVE",
    "SEASONAL_NAIVE",
    "WINDOWS",
    "ModelMetricsCollector",
    "RegressionScore",
    "Scoreboard",
]
