"""A real Prometheus server scrapes the service and answers queries about its model metrics."""

import httpx

from libs.testkit import PrometheusServer, ServiceProcess


def test_prometheus_scrapes_model_mae_per_model_series_and_window(tmp_path, bodies):
    env = {"STATE_DIR": str(tmp_path / "state"), "MODEL_NAMES": "linear_regression,naive"}
    with (
        ServiceProcess("model", tmp_path, env) as service,
        PrometheusServer(tmp_path / "prometheus", [f"127.0.0.1:{service.port}"]) as prometheus,
    ):
        # the first request builds the models (River imported then): generous on a busy machine
        first = httpx.post(
            f"{service.url}/predict_learn_batch", json={"items": bodies}, timeout=120
        )
        first.raise_for_status()
        expected = httpx.get(f"{service.url}/model_metrics").json()["series"]["default"]["models"]

        samples = prometheus.wait_for('ml_model_mae{window="cumulative"}')
        by_model = {s["metric"]["model"]: float(s["value"][1]) for s in samples}
        rolling = prometheus.query('ml_model_mae{model="naive",series="default",window="20"}')
        total = prometheus.query('ml_model_predictions_total{model="linear_regression"}')
        requests = prometheus.query('http_requests_total{route="/predict_learn_batch"}')

    assert by_model["linear_regression"] == expected["linear_regression"]["mae"]
    assert by_model["naive"] == expected["naive"]["mae"]
    assert {"baseline_naive", "baseline_seasonal_naive"} <= by_model.keys()
    assert float(rolling[0]["value"][1]) == expected["naive"]["rolling"]["20"]["mae"]
    assert float(total[0]["value"][1]) == len(bodies)
    assert float(requests[0]["value"][1]) == 1.0
