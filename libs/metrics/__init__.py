"""Prequential (predict-then-learn) regression metrics and their Prometheus exposition.

A model that learns online is judged on each observation *before* it learns it. This library
keeps those judgements:

- :class:`RegressionScore`: cumulative and rolling (5/10/20 by default) MAE, MSE, RMSE and MAPE
  of one model on one series, from one update per prediction;
- :class:`Scoreboard`: the scores of every model serving a series, with naive (last value) and
  seasonal-naive baselines computed from the same targets, a warm-up, and a leaderboard;
- :class:`DriftWatch`: a River drift detector (``ADWIN`` or ``PageHinkley``) on one model's
  absolute errors, counting its detections and where in the series they happened; a
  scoreboard given a ``detector`` keeps one per model and baseline;
- :class:`ModelMetricsCollector`: the scoreboards as Prometheus metrics named
  ``ml_model_mae``, ``ml_model_mse``, ``ml_model_rmse``, ``ml_model_predictions_total``,
  ``ml_model_last_prediction``, ``ml_model_last_actual`` and ``ml_model_last_error``, labelled
  ``model``, ``series`` and ``window``, ``ml_model_errors_total`` (a model that raised) and
  ``ml_model_drift_detected_total``, registered in the app's own registry.
"""

from libs.metrics.drift import DETECTORS, DriftWatch
from libs.metrics.exposition import CUMULATIVE, ModelMetricsCollector
from libs.metrics.scoreboard import NAIVE, SEASONAL_NAIVE, Scoreboard
from libs.metrics.scores import WINDOWS, RegressionScore

__all__ = [
    "CUMULATIVE",
    "DETECTORS",
    "NAIVE",
    "SEASONAL_NAIVE",
    "WINDOWS",
    "DriftWatch",
    "ModelMetricsCollector",
    "RegressionScore",
    "Scoreboard",
]
