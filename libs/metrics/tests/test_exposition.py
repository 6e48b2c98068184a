from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from libs.metrics import ModelMetricsCollector, Scoreboard

NAMES = {
    "ml_model_mae",
    "ml_model_mse",
    "ml_model_rmse",
    "ml_model_predictions",
    "ml_model_last_prediction",
    "ml_model_last_actual",
    "ml_model_last_error",
    "ml_model_errors",
    "ml_model_drift_detected",
    "ml_model_all_series_predictions",
    "ml_model_all_series_mae",
    "ml_model_all_series_rmse",
    "ml_model_all_series_errors",
    "ml_model_series",
    "ml_model_series_exported",
}


def exposition(boards) -> str:
    registry = CollectorRegistry()
    ModelMetricsCollector(lambda: boards).register(registry)
    return generate_latest(registry).decode()


def test_exposition_is_valid_text_with_every_family_before_any_prediction():
    text = exposition({})
    families = {f.name for f in text_string_to_metric_families(text)}
    assert families == NAMES
    assert "# TYPE ml_model_predictions_total counter" in text


def test_exposition_labels_errors_by_model_series_and_window():
    board = Scoreboard(["ridge_regression"], season=12)
    for y in (100.0, 110.0, 120.0):
        board.update({"ridge_regression": y - 4.0}, y)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(exposition({"shop-1": board}))
        for s in f.samples
    }
    labels = (("model", "ridge_regression"), ("series", "shop-1"))
    assert samples[("ml_model_mae", (*labels, ("window", "cumulative")))] == 4.0
    assert samples[("ml_model_rmse", (*labels, ("window", "5")))] == 4.0
    assert samples[("ml_model_predictions_total", labels)] == 3.0
    assert samples[("ml_model_last_error", labels)] == 4.0
    naive = (("model", "baseline_naive"), ("series", "shop-1"), ("window", "20"))
    assert samples[("ml_model_mae", naive)] == 10.0


def test_only_the_first_series_are_labelled_and_every_series_counts_in_the_aggregates():
    boards = {}
    for n in range(50):
        boards[f"s{n}"] = Scoreboard(["linear_regression"], season=12)
        boards[f"s{n}"].update({"linear_regression": 100.0}, 100.0 + n)
    registry = CollectorRegistry()
    ModelMetricsCollector(lambda: boards, series_limit=3).register(registry)
    families = {
        f.name: f for f in text_string_to_metric_families(generate_latest(registry).decode())
    }
    labelled = {s.labels["series"] for s in families["ml_model_mae"].samples}
    assert labelled == {"s0", "s1", "s2"}
    pooled = {s.labels["model"]: s.value for s in families["ml_model_all_series_mae"].samples}
    assert pooled["linear_regression"] == sum(range(50)) / 50
    assert families["ml_model_series"].samples[0].value == 50
    assert families["ml_model_series_exported"].samples[0].value == 3
