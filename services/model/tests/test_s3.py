"""Snapshots in S3-compatible storage: a real ``weed mini`` server."""

import httpx
import pytest

from libs.journal import unseal
from libs.journal.s3 import S3Snapshots
from libs.testkit import S3Server, ServiceProcess


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
