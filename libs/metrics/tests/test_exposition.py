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
