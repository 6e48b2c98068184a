"""The model service under extreme input, heavy work and too many series, as a real process."""

import os
import statistics
import threading
import time

import httpx
from prometheus_client.parser import text_string_to_metric_families

from libs.testkit import ServiceProcess

START_UP = float(os.environ.get("TEST_START_UP_SECONDS", "60"))
HEALTHZ_MEDIAN_BOUND = 0.1  # the bound: /healthz under 100 ms while a batch runs
WORST_PROBE_BOUND = 1.0  # one probe may meet a descheduled process on a loaded machine


def metric(url: str, name: str, **labels) -> float | None:
    text = httpx.get(f"{url}/metrics", timeout=30).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                return sample.value
    return None


def wait_until(condition, timeout: float = 120.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(f"{what} not reached in {timeout}s")


def extreme(n: int, start: int = 0) -> list[dict]:
    """Valid observations alternating 1e308 and 1.0: a Hoeffding tree grows too deep to pickle."""
    return [
        {"features": {"in_1": big}, "target": big, "observation_id": i}
        for i in range(start, start + n)
        for big in [1e308 if i % 2 else 1.0]
    ]


def test_a_model_too_deep_to_snapshot_is_reset_and_snapshots_keep_advancing(tmp_path):
    env = {
        "STATE_DIR": str(tmp_path / "state"),
        "MODEL_NAMES": "decision_tree,linear_regression",
        "SNAPSHOT_EVERY": "1",
    }
    snapshot = tmp_path / "state" / "snapshots" / "model.snapshot"
    with ServiceProcess("model", tmp_path, env) as service:
        stamps, mtimes = [], []
        for round_ in range(4):
            answer = httpx.post(
                f"{service.url}/predict_learn_batch",
                json={"items": extreme(300, 300 * round_)},
                timeout=120,
            )
            assert answer.status_code == 200
            wait_until(lambda: metric(service.url, "state_journal_records") == 0, what="snapshot")
            stamps.append(metric(service.url, "state_last_snapshot_timestamp_seconds"))
            mtimes.append(snapshot.stat().st_mtime_ns)
        assert stamps == sorted(stamps) and len(set(stamps)) == 4
        assert mtimes == sorted(mtimes) and len(set(mtimes)) == 4
        assert metric(service.url, "state_snapshot_failures_total") == 0
        assert metric(service.url, "ml_model_errors_total", model="decision_tree") >= 1
        assert metric(service.url, "ml_model_errors_total", model="linear_regression") is None
        assert "cannot be snapshotted and starts afresh" in service.log()
    with ServiceProcess("model", tmp_path, env) as restarted:
        metrics = httpx.get(f"{restarted.url}/model_metrics").json()
        assert metrics["count"] == 1200


def knn_batch(n: int) -> list[dict]:
    """Three lags per item: 10,000 items with 12 would pass the 1 MiB body limit."""
    return [
        {"features": {f"in_{k}": float((i * 7 + k) % 101) for k in range(1, 4)}, "target": i % 97}
        for i in range(n)
    ]


def probe(client: httpx.Client, path: str) -> float:
    start = time.perf_counter()
    assert client.get(path).status_code == 200
    return time.perf_counter() - start


def test_healthz_readyz_and_metrics_answer_at_once_while_a_10000_item_knn_batch_learns(tmp_path):
    env = {
        "STATE_DIR": str(tmp_path / "state"),
        "MODEL_NAME": "knn_regressor",
        "MAX_BATCH_COST": "1000000",
        "LEARNER_QUEUE_ITEMS": "10000",
    }
    with (
        ServiceProcess("model", tmp_path, env) as service,
        httpx.Client(base_url=service.url, timeout=30) as client,
    ):
        done = {}

        def post_batch():
            done["answer"] = httpx.post(
                f"{service.url}/predict_learn_batch",
                json={"items": knn_batch(10_000)},
                timeout=900,
            )

        batch = threading.Thread(target=post_batch)
        batch.start()
        # The batch is journalled before its first item is learned: from then on it runs.
        wait_until(lambda: metric(service.url, "state_journal_records") == 1, what="batch start")
        timings = {path: [] for path in ("/healthz", "/readyz", "/metrics")}
        for _ in range(15):
            for path, seen in timings.items():
                seen.append(probe(client, path))
        busy = httpx.post(
            f"{service.url}/predict_learn", json=knn_batch(1)[0], timeout=30
        )  # queued behind 10,000 items: refused at once
        forecast = httpx.post(
            f"{service.url}/predict_many",
            json={"features": {f"f{k}": 1.0 for k in range(1000)}, "steps": 1000},
        )
        still_running = batch.is_alive()
        batch.join()
    assert still_running, "the batch ended before the probes did: make it longer"
    assert done["answer"].status_code == 200 and len(done["answer"].json()["results"]) == 10_000
    for path, seen in timings.items():
        assert statistics.median(seen) < HEALTHZ_MEDIAN_BOUND, (path, seen)
        assert max(seen) < WORST_PROBE_BOUND, (path, seen)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    assert "LEARNER_QUEUE_ITEMS" in busy.json()["detail"]
    assert forecast.status_code == 413 and "MAX_FORECAST_COST" in forecast.json()["detail"]


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def series_batch(first: int, n: int) -> dict:
    return {
        "items": [
            {"features": {"in_1": 1.0}, "target": 2.0, "series_id": f"s{i}"}
            for i in range(first, first + n)
        ]
    }


def fill(url: str, first: int, n: int) -> None:
    assert httpx.post(f"{url}/predict_learn_batch", json=series_batch(first, n)).is_success


def test_one_series_past_max_series_is_refused_and_memory_stays_bounded(tmp_path):
    env = {"STATE_DIR": str(tmp_path / "state"), "MAX_SERIES": "2000"}
    with ServiceProcess("model", tmp_path, env) as service:
        url = service.url
        for first in range(0, 2000, 500):
            fill(url, first, 500)
        full = rss_bytes(service.pid)
        one_more = httpx.post(f"{url}/predict_learn", json=series_batch(2000, 1)["items"][0])
        assert one_more.status_code == 422
        assert "MAX_SERIES=2000" in one_more.json()["detail"][0]["msg"]
        for first in range(2000, 22_000, 1000):
            refused = httpx.post(f"{url}/predict_learn_batch", json=series_batch(first, 1000))
            assert refused.status_code == 422
        known = httpx.post(f"{url}/predict_learn", json=series_batch(1999, 1)["items"][0])
        assert known.status_code == 200
        metrics = httpx.get(f"{url}/model_metrics", params={"limit": 10}).json()
        assert metrics["series_total"] == 2000 and metrics["count"] == 2001
        assert len(metrics["series"]) == 10 and metrics["next_offset"] == 10
        assert rss_bytes(service.pid) - full < 32 * 1024 * 1024


def test_metrics_stay_small_with_thousands_of_series(tmp_path):
    env = {
        "STATE_DIR": str(tmp_path / "state"),
        "MODEL_NAMES": "linear_regression,naive",
        "MAX_SERIES": "5000",
    }
    with ServiceProcess("model", tmp_path, env) as service:
        url = service.url
        for first in range(0, 1000, 500):
            fill(url, first, 500)
        httpx.get(f"{url}/metrics")  # its own HTTP metrics appear at the first scrape
        few = len(httpx.get(f"{url}/metrics").content)
        for first in range(1000, 3000, 500):
            fill(url, first, 500)
        text = httpx.get(f"{url}/metrics").text
        one = httpx.get(f"{url}/model_metrics", params={"series_id": "s2345"}).json()
    series = {
        sample.labels["series"]
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if "series" in sample.labels
    }
    assert len(series) == 20
    assert len(text.encode()) < 128 * 1024
    assert len(text.encode()) - few < 1024  # the aggregates do not grow with the series
    assert "ml_model_series 3000.0" in text
    assert list(one["series"]) == ["s2345"] and one["series_total"] == 3000
