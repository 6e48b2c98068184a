"""The features service pushing to a real Feast feature server, read back online and offline.

One Feast stack for the module (redis-server, ``weed mini`` for S3, ``feast apply`` and
``feast serve`` over ``infra/feast/feature_repo``): Feast takes a minute to start on a loaded
machine (``FEAST_START_TIMEOUT``, default 300 s).
"""

import os
import re
import shutil
import signal
import statistics
import subprocess
import time

import httpx
import pyarrow.parquet as pq
import pytest

from libs.testkit import RedisServer, S3Server, ServiceProcess, python_command, python_path
from libs.testkit.feast import FEATURE_REPO, FeastServer, feast_command
from libs.testkit.servers import REPO_ROOT

pytestmark = pytest.mark.slow
N_LAGS = 12
WAIT = float(os.environ.get("FEAST_START_TIMEOUT", "300"))


@pytest.fixture(scope="module")
def feast(tmp_path_factory):
    work = tmp_path_factory.mktemp("feast")
    redis = RedisServer(work / "redis").start()
    s3 = S3Server(work / "s3", bucket="feast").start()
    server = FeastServer(work, redis.url, s3, n_lags=N_LAGS)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        s3.stop()
        redis.stop()


def features_service(tmp_path, feast, **env) -> ServiceProcess:
    env = {"STATE_DIR": str(tmp_path / "features"), "FEAST_URL": feast.url, **env}
    return ServiceProcess("features", tmp_path, env).start()


def metric(service: ServiceProcess, name: str) -> float:
    text = httpx.get(f"{service.url}/metrics").text
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def wait_until(condition, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(0.1)


def wait_pushed(service: ServiceProcess, windows: int) -> None:
    wait_until(
        lambda: (
            metric(service, "features_feast_pushes_total") >= windows
            and metric(service, "features_feast_queue_depth") == 0
        ),
        f"{windows} windows pushed",
    )


def windows(values: list[float]) -> list[dict]:
    """What /add answers for each value of one series: the expected Feast rows, in order."""
    rows = []
    for t, value in enumerate(values):
        lags = {f"in_{k}": values[t - k] if t >= k else 0.0 for k in range(1, N_LAGS + 1)}
        rows.append({**lags, "available_lags": min(t, N_LAGS), "value": value})
    return rows


def offline_rows(feast, series_id: str) -> list[dict]:
    """The series' rows in the offline store, by event time, once each."""
    frame = feast.offline_table().to_pandas()
    frame = frame[frame["series_id"] == series_id].drop_duplicates()
    frame = frame.sort_values("event_timestamp").drop(columns=["series_id", "event_timestamp"])
    return frame.to_dict("records")


def add_all(service: ServiceProcess, series_id: str, values: list[float]) -> list[float]:
    """POST every value; the latency of each answer, in seconds."""
    latencies = []
    with httpx.Client(base_url=service.url, timeout=30) as client:
        for value in values:
            start = time.perf_counter()
            response = client.post("/add", json={"series_id": series_id, "value": value})
            latencies.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
    return latencies


def test_feast_apply_registers_entity_view_push_source_and_feature_service(feast):
    store = feast.store()

    assert store.project == "online_learning"
    assert store.get_entity("series").join_key == "series_id"
    view = store.get_feature_view("lag_features")
    names = [f"in_{k}" for k in range(1, N_LAGS + 1)]
    assert [f.name for f in view.features] == [*names, "available_lags", "value"]
    assert view.stream_source.name == "lag_features_push"
    service = store.get_feature_service("model_features")
    assert [p.name for p in service.feature_view_projections] == ["lag_features"]


def test_feast_apply_with_nothing_set_uses_local_files(tmp_path):
    repo = tmp_path / "feature_repo"
    shutil.copytree(FEATURE_REPO, repo, ignore=shutil.ignore_patterns("data", "__py*"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEAST_", "AWS_"))}

    applied = subprocess.run(
        feast_command("-c", str(repo), "apply"),
        env={**env, **python_path()},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )

    assert applied.returncode == 0, applied.stderr
    offline = pq.read_table(repo / "data" / "lag_features.parquet")
    assert offline.num_rows == 0
    assert offline.column_names[:3] == ["series_id", "event_timestamp", "in_1"]
    assert (repo / "data" / "registry.db").stat().st_size > 0


def test_a_pipeline_run_lands_every_window_online_offline_and_in_the_training_set(feast, tmp_path):
    series = {"a": [100.0 + 3 * t for t in range(20)], "b": [50.0 - t * 0.5 for t in range(18)]}
    dataset = tmp_path / "two.csv"
    rows = [(t, vs[t], s) for t in range(20) for s, vs in series.items() if t < len(vs)]
    dataset.write_text("input,target,series_id\n" + "".join(f"{t},{v},{s}\n" for t, v, s in rows))
    ingestion = ServiceProcess(
        "ingestion", tmp_path, {"STATE_DIR": str(tmp_path / "i"), "DATASET_PATH": str(dataset)}
    ).start()
    model = ServiceProcess("model", tmp_path, {"STATE_DIR": str(tmp_path / "m")}).start()
    features = features_service(tmp_path, feast)
    try:
        job = subprocess.run(
            python_command("services.pipeline"),
            env={
                **os.environ,
                **python_path(),
                "INGESTION_URL": ingestion.url,
                "FEATURES_URL": features.url,
                "MODEL_URL": model.url,
            },
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert job.returncode == 0, job.stderr
        wait_pushed(features, 38)

        store = feast.store()
        online = store.get_online_features(
            features=store.get_feature_service("model_features"),
            entity_rows=[{"series_id": "a"}, {"series_id": "b"}],
        ).to_dict()
        for i, (series_id, values) in enumerate(series.items()):
            latest = windows(values)[-1]
            assert {name: online[name][i] for name in latest} == latest
            body = httpx.get(f"{features.url}/series/{series_id}?feast=true").json()
            assert body["feast"]["latest"] is True
            assert body["feast"]["features"] == latest
            assert offline_rows(feast, series_id) == windows(values)

        out = tmp_path / "training.parquet"
        built = subprocess.run(
            python_command("tools.dataset", "--out", str(out)),
            env={**os.environ, **feast.environment},
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
        assert built.returncode == 0, built.stderr
        import pandas as pd

        training = pd.read_parquet(out)
        for series_id, values in series.items():
            rows = training[training["series_id"] == series_id].sort_values("event_timestamp")
            rows = rows.drop(columns=["series_id", "event_timestamp"])
            assert rows.to_dict("records") == windows(values)
        assert len(training) == 38
    finally:
        for service in (features, model, ingestion):
            service.stop()


def test_feast_hung_never_slows_add_and_every_window_arrives_in_order_once_back(feast, tmp_path):
    values = [float(v) for v in range(1, 201)]
    plain = ServiceProcess("features", tmp_path, {"STATE_DIR": str(tmp_path / "plain")}).start()
    try:
        baseline = add_all(plain, "hung", values)
    finally:
        plain.stop()
    features = features_service(tmp_path, feast, FEAST_TIMEOUT_SECONDS="3")
    try:
        feast.pause()
        try:
            during, sent = [], 0
            # Keep adding until two pushes have hung to their 3 s timeout meanwhile.
            while metric(features, "features_feast_push_failures_total") < 2:
                during += add_all(features, "hung", [float(sent + v) for v in range(100)])
                sent += 100
        finally:
            feast.resume()
        wait_pushed(features, sent)

        print(
            f"/add median {statistics.median(baseline) * 1e3:.2f} ms without Feast, "
            f"{statistics.median(during) * 1e3:.2f} ms (max {max(during) * 1e3:.1f} ms) over "
            f"{sent} adds while Feast hung"
        )
        assert metric(features, "features_feast_push_failures_total") >= 2
        assert max(during) < 3.0, "an /add waited as long as a hung push"
        assert offline_rows(feast, "hung") == windows([float(v) for v in range(sent)])
        body = httpx.get(f"{features.url}/series/hung?feast=true").json()
        assert body["feast"]["latest"] is True
    finally:
        features.stop()


def test_feast_stopped_then_restarted_gets_every_window_and_shutdown_drains_the_queue(
    feast, tmp_path
):
    values = [float(v) for v in range(1, 61)]
    features = features_service(
        tmp_path, feast, FEAST_TIMEOUT_SECONDS="3", FEAST_DRAIN_SECONDS="120"
    )
    try:
        feast.stop()
        add_all(features, "down", values[:30])
        wait_until(
            lambda: metric(features, "features_feast_push_failures_total") >= 1, "a failed push"
        )
        feast.start()
        add_all(features, "down", values[30:])
        wait_pushed(features, 60)
        assert offline_rows(feast, "down") == windows(values)

        feast.pause()
        add_all(features, "drain", values[:10])
        os.kill(features.pid, signal.SIGTERM)
        feast.resume()
        features.proc.wait(WAIT)  # uvicorn exits by re-raising SIGTERM once shut down
        assert "Application shutdown complete" in features.log()
    finally:
        feast.resume()
        features.stop()
    assert offline_rows(feast, "drain") == windows(values[:10])


def test_a_push_feast_rejects_is_dropped_counted_and_logged_not_retried(feast, tmp_path):
    features = features_service(tmp_path, feast, FEAST_PUSH_SOURCE="no_such_source")
    try:
        add_all(features, "rejected", [1.0, 2.0, 3.0])
        dropped = 'features_feast_dropped_total{reason="rejected"}'
        wait_until(lambda: metric(features, dropped) == 3, "3 windows rejected")
        assert metric(features, "features_feast_queue_depth") == 0
        assert metric(features, "features_feast_pushes_total") == 0
        assert "feast rejected" in features.log()
        assert "no_such_source" in features.log()
    finally:
        features.stop()
