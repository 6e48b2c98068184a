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

    Labels stay bounded however many series there are: only the first ``series_limit`` series
    (in the order they appeared) are exported with a ``series`` label. Every series counts in
    the per-model aggregates, always exported: ``ml_model_all_series_predictions_total``,
    ``ml_model_all_series_mae`` and ``ml_model_all_series_rmse`` (cumulative, pooled over every
    scored observation), ``ml_model_all_series_errors_total``, and the gauges
    ``ml_model_series`` (series kept) and ``ml_model_series_exported``.

    Parameters
    ----------
    boards
        Returns the scoreboards by series id; called at every scrape, on the scraping thread.
        Reads are of numbers the learner replaces whole, so a scrape while it learns sees each
        score as of one observation or the next.
    errors
        Returns error counts by ``(model, series)``, read like ``boards``; none by default.
    series_limit
        Series exported with a ``series`` label; ``None`` for all.

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
    >>> failing = ModelMetricsCollector(lambda: boards, lambda: {("snarimax", "default"): 2})
    >>> [(s.name, s.labels, s.value) for s in list(failing.collect())[7].samples]
    [('ml_model_errors_total', {'model': 'snarimax', 'series': 'default'}, 2)]
    >>> boards["other"] = Scoreboard(["linear_regression"])
    >>> boards["other"].update({"linear_regression": 100.0}, 106.0)
    >>> bounded = CollectorRegistry()
    >>> ModelMetricsCollector(lambda: boards, series_limit=1).register(bounded)
    >>> text = generate_latest(bounded).decode()
    >>> 'series="other"' in text
    False
    >>> 'ml_model_all_series_mae{model="linear_regression"} 4.0' in text
    True
    """

    def __init__(
        self,
        boards: Callable[[], Mapping[str, Scoreboard]],
        errors: Callable[[], Mapping[tuple[str, str], int]] = dict,
        series_limit: int | None = None,
    ):
        self.boards = boards
        self.errors = errors
        self.series_limit = series_limit

    def register(self, registry: CollectorRegistry) -> None:
        registry.register(self)

    def describe(self) -> Iterator[Metric]:
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        errors, last, predictions, failures, drifts = self._families_by_kind()
        boards = list(self.boards().items())
        exported = boards[: self.series_limit] if self.series_limit is not None else boards
        for series, board in exported:
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
        named = {series for series, _ in exported}
        error_counts = list(self.errors().items())
        for (model, series), count in error_counts:
            if series in named:
                failures.add_metric([model, series], count)
        yield from (f for f, _ in errors)
        yield from (f for f, _ in last)
        yield predictions
        yield failures
        yield drifts
        yield from aggregates(boards, error_counts, len(exported))

    def _families(self) -> list[Metric]:
        errors, last, *counters = self._families_by_kind()
        return [*(f for f, _ in errors), *(f for f, _ in last), *counters, *aggregates([], [], 0)]

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


def aggregates(boards: list, error_counts: list, exported: int) -> Iterator[Metric]:
    """Per-model families over every series (see :class:`ModelMetricsCollector`)."""
    pooled: dict[str, list] = {}
    for _, board in boards:
        for model, score in board.all_scores():
            sums = pooled.setdefault(model, [0, 0, 0.0, 0.0])
            sums[0] += score.predictions
            sums[1] += score.n
            sums[2] += score.sum_abs
            sums[3] += score.sum_sq
    predictions = CounterMetricFamily(
        "ml_model_all_series_predictions", "Predictions checked, every series.", labels=["model"]
    )
    mae = GaugeMetricFamily(
        "ml_model_all_series_mae", "Cumulative MAE pooled over every series.", labels=["model"]
    )
    rmse = GaugeMetricFamily(
        "ml_model_all_series_rmse", "Cumulative RMSE pooled over every series.", labels=["model"]
    )
    for model, (count, n, sum_abs, sum_sq) in pooled.items():
        predictions.add_metric([model], count)
        if n:
            mae.add_metric([model], sum_abs / n)
            rmse.add_metric([model], (sum_sq / n) ** 0.5)
    failures = CounterMetricFamily(
        "ml_model_all_series_errors",
        "Calls in which the model raised, every series.",
        labels=["model"],
    )
    by_model: dict[str, int] = {}
    for (model, _), count in error_counts:
        by_model[model] = by_model.get(model, 0) + count
    for model, count in by_model.items():
        failures.add_metric([model], count)
    kept = GaugeMetricFamily("ml_model_series", "Series the service keeps.")
    kept.add_metric([], len(boards))
    shown = GaugeMetricFamily("ml_model_series_exported", "Series exported with a series label.")
    shown.add_metric([], exported)
    yield from (predictions, mae, rmse, failures, kept, shown)
