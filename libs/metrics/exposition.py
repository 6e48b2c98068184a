"""Prometheus exposition of scoreboards under the platform's metric names."""

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from libs.metrics.scoreboard import Scoreboard

CUMULATIVE = "cumulative"

_ERRORS = (
    ("ml_model_mae", "Mean absolute error of the model's predictions.", "mae"),
    ("ml_model_mse", "Mean squared error of the model's predictions.", "mse"),
    ("ml_model_rmse", "Root mean squared error of the model's predictions.", "rmse"),
)
_LAST = (
    ("ml_model_last_prediction", "Latest prediction checked against an actual.", "last_prediction"),
    ("ml_model_last_actual", "Latest actual value.", "last_actual"),
    ("ml_model_last_error", "Latest actual minus prediction.", "last_error"),
)


class ModelMetricsCollector:
    """A Prometheus collector that reads scoreboards when scraped.

    Nothing is done per prediction: the scoreboards are the state and exposition reads them, so
    the hot path pays no gauge updates. Error metrics carry labels ``model``, ``series`` and
    ``window`` (``cumulative`` or a rolling size such as ``20``); the ``last_*`` gauges and
    ``ml_model_predictions_total`` carry ``model`` and ``series``. Baselines appear as models named
    ``baseline_naive`` and ``baseline_seasonal_naive``. Before any prediction the families are
    exposed with their ``HELP`` and ``TYPE`` lines and no samples, which is valid text.

    ``ml_model_errors_total`` counts, by ``model`` and ``series``, the calls in which a model
    raised (it answered a fallback, or learned nothing, while the others went on), and
    ``ml_model_drift_detected_total`` the concept drifts its detector reported (boards without a
    detector give no samples).

    Parameters
    ----------
    boards
        Returns the scoreboards by series id; called at every scrape, on the scraping thread, so
        serve ``/metrics`` from the thread that updates the boards.
    errors
        Returns error counts by ``(model, series)``, read like ``boards``; none by default.

    Examples
    --------
    >>> from prometheus_client import generate_latest
    >>> boards = {}
    >>> registry = CollectorRegistry()
    >>> ModelMetricsCollector(lambda: boards).register(registry)
    >>> b"# TYPE ml_model_mae gauge" in generate_latest(registry)
    True
    >>> boards["default"] = Scoreboard(["linear_regression"])
    >>> boards["default"].update({"linear_regression": 110.0}, 112.0)
    >>> text = generate_latest(registry).decode()
    >>> 'ml_model_mae{model="linear_regression",series="default",window="cumulative"} 2.0' in text
    True
    >>> 'ml_model_predictions_total{model="linear_regression",series="default"} 1.0' in text
    True
    >>> failing = ModelMetricsCollector(lambda: {}, lambda: {("snarimax", "default"): 2})
    >>> [(s.name, s.labels, s.value) for s in list(failing.collect())[-2].samples]
    [('ml_model_errors_total', {'model': 'snarimax', 'series': 'default'}, 2)]
    """

    def __init__(
        self,
        boards: Callable[[], Mapping[str, Scoreboard]],
        errors: Callable[[], Mapping[tuple[str, str], int]] = dict,
    ):
        self.boards = boards
        self.errors = errors

    def register(self, registry: CollectorRegistry) -> None:
        registry.register(self)

    def describe(self) -> Iterator[Metric]:
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        errors, last, predictions, failures, drifts = self._families_by_kind()
        for series, board in self.boards().items():
            for model, watch in board.drift.items():
                drifts.add_metric([model, series], watch.detected)
            for model, score in board.all_scores():
                predictions.add_metric([model, series], score.predictions)
                for family, attr in last:
                    value = getattr(score, attr)
                    if value is not None:
                        family.add_metric([model, series], value)
                horizons = [(CUMULATIVE, None), *((str(w), w) for w in board.windows)]
                for family, attr in errors:
                    for label, window in horizons:
                        value = getattr(score, attr)(window)
                        if value is not None:
                            family.add_metric([model, series, label], value)
        for (model, series), count in self.errors().items():
            failures.add_metric([model, series], count)
        yield from (f for f, _ in errors)
        yield from (f for f, _ in last)
        yield predictions
        yield failures
        yield drifts

    def _families(self) -> list[Metric]:
        errors, last, *counters = self._families_by_kind()
        return [*(f for f, _ in errors), *(f for f, _ in last), *counters]

    @staticmethod
    def _families_by_kind():
        errors = [
            (GaugeMetricFamily(name, doc, labels=["model", "series", "window"]), attr)
            for name, doc, attr in _ERRORS
        ]
        last = [
            (GaugeMetricFamily(name, doc, labels=["model", "series"]), attr)
            for name, doc, attr in _LAST
        ]
        predictions = CounterMetricFamily(
            "ml_model_predictions",
            "Predictions checked against an actual (predict-then-learn).",
            labels=["model", "series"],
        )
        failures = CounterMetricFamily(
            "ml_model_errors",
            "Calls in which the model raised (it answered a fallback or learned nothing).",
            labels=["model", "series"],
        )
        drifts = CounterMetricFamily(
            "ml_model_drift_detected",
            "Concept drifts the detector found in the model's absolute errors.",
            labels=["model", "series"],
        )
        return errors, last, predictions, failures, drifts
