import json

import pytest
from river import datasets

from services.model.champion import Guard
from services.model.models import build_model
from services.pipeline.tests.conftest import start_stack

MODELS = ["linear_regression", "knn_regressor", "hw_airline_mean", "snarimax", "seasonal_naive"]


def river_replay(name: str, values: list[float], n_lags: int = 12) -> list[float]:
    """The same model fed the same stream directly, with no service in between.

    A forecast the service's plausibility guard rejects is replaced by the latest lag, as the
    service documents.
    """
    model, guard, history, predictions = build_model(name), Guard(season=12), [], []
    for y in values:
        x = {f"in_{k}": history[-k] if k <= len(history) else 0.0 for k in range(1, n_lags + 1)}
        prediction = model.predict_one(x)
        predictions.append(prediction if guard.plausible(prediction) else x["in_1"])
        model.learn_one(x, y)
        guard.learn_one(y)
        history.append(y)
    return predictions


def test_predictions_collected_by_the_job_equal_a_direct_river_replay(tmp_path):
    stack = start_stack(tmp_path, ",".join(MODELS))
    try:
        completed = stack.job("--report", str(tmp_path / "out"))
    finally:
        for service in (stack.ingestion, stack.features, stack.model):
            service.stop()
    assert completed.returncode == 0, completed.stderr
    records = json.loads((tmp_path / "out" / "report.json").read_text())["records"]
    values = [float(y) for _, y in datasets.AirlinePassengers()]

    assert [r["target"] for r in records] == values
    for name in MODELS:
        served = [r["predictions"][name] for r in records]
        assert served == pytest.approx(river_replay(name, values), abs=1e-9), name
