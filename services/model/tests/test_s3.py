"""Snapshots in S3-compatible storage: a real ``weed mini`` server."""

import os
import signal

import httpx
import pytest

from libs.journal import unseal
from libs.journal.s3 import S3Snapshots
from libs.testkit import S3Server, ServiceProcess, wait_until


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    with S3Server(tmp_path_factory.mktemp("s3"), bucket="snapshots") as server:
        yield server


def test_s3_snapshots_round_trip_and_missing_names_load_as_none(s3):
    store = S3Snapshots("snapshots", "unit", client=s3.client())
    assert store.load("model") is None
    store.save("model", b"v1")
    store.save("model", b"v2")
    assert store.load("model") == b"v2"
    store.check()


def test_a_new_instance_with_an_empty_disk_restores_from_the_s3_snapshot(tmp_path, s3, bodies):
    env = {
        **s3.credentials,
        "S3_ENDPOINT_URL": s3.endpoint_url,
        "S3_BUCKET": "snapshots",
        "S3_PREFIX": "model-test",
        "MODEL_NAMES": "linear_regression,hw_airline_mean",
    }
    first = ServiceProcess("model", tmp_path, {**env, "STATE_DIR": str(tmp_path / "disk-1")})
    with first:
        # the first request builds the models (River imported then): generous on a busy machine
        httpx.post(f"{first.url}/predict_learn_batch", json={"items": bodies[:100]}, timeout=120)
    raw = s3.client().get_object(Bucket="snapshots", Key="model-test/model.snapshot")["Body"]
    header, _ = unseal(raw.read(), "model")
    assert header["covered"] == 1

    second = ServiceProcess("model", tmp_path, {**env, "STATE_DIR": str(tmp_path / "disk-2")})
    with second:
        assert httpx.get(f"{second.url}/model_metrics").json()["count"] == 100
        retry = httpx.post(f"{second.url}/predict_learn", json=bodies[99]).json()
        assert retry["duplicate"] is True
        fresh = httpx.post(f"{second.url}/predict_learn", json=bodies[100])
        assert fresh.json()["duplicate"] is False
        assert httpx.get(f"{second.url}/model_metrics").json()["count"] == 101


def readiness(url: str) -> tuple[int, dict]:
    answer = httpx.get(f"{url}/readyz", timeout=60)
    return answer.status_code, answer.json()


def reasons_while_not_ready(url: str) -> list[str] | None:
    status, body = readiness(url)
    return body["reasons"] if status == 503 else None


def test_readyz_is_503_naming_the_bucket_while_s3_does_not_answer(tmp_path):
    with S3Server(tmp_path / "s3", bucket="probed") as s3:
        env = {
            **s3.credentials,
            "S3_ENDPOINT_URL": s3.endpoint_url,
            "S3_BUCKET": "probed",
            "STATE_DIR": str(tmp_path / "state"),
            # generous for a loaded machine; a frozen server never answers within it anyway
            "S3_CHECK_TIMEOUT_SECONDS": "10",
            "S3_CHECK_CACHE_SECONDS": "0.5",
        }
        with ServiceProcess("model", tmp_path, env) as model:
            ready = readiness(model.url)
            os.kill(s3.pid, signal.SIGSTOP)  # frozen: connections open, nothing answers
            try:
                reasons = wait_until(lambda: reasons_while_not_ready(model.url), "a 503")
            finally:
                os.kill(s3.pid, signal.SIGCONT)
            wait_until(lambda: readiness(model.url)[0] == 200, "ready again")
    assert ready == (200, {"status": "ready"})
    assert len(reasons) == 1
    assert reasons[0].startswith(f"S3 bucket 'probed' at {s3.endpoint_url} unreachable: ")
