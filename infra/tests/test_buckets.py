"""The minio-buckets Job's script, from the rendered ConfigMap, against a real S3 server."""

import os
import subprocess
import sys

from infra.tests.render import env_of, find
from libs.testkit import S3Server


def _job(objects):
    job = find(objects, "Job", "minio-buckets", "feast")
    container = job["spec"]["template"]["spec"]["containers"][0]
    script = find(objects, "ConfigMap", "minio-buckets-", "feast")["data"]["create_buckets.py"]
    return container, script


def _run(script_path, env: dict) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], **env}
    return subprocess.run(
        [sys.executable, str(script_path)], env=env, capture_output=True, text=True, timeout=120
    )


def test_job_creates_the_buckets_the_manifests_use_and_is_safe_to_rerun(rendered, tmp_path):
    objects = rendered["dev"]
    container, script = _job(objects)
    assert container["command"] == ["python", "/scripts/create_buckets.py"]
    path = tmp_path / "create_buckets.py"
    path.write_text(script)
    buckets = env_of(container)["BUCKETS"].split(",")
    model = find(objects, "StatefulSet", "model", "ml-services")["spec"]["template"]["spec"]
    feast = find(objects, "ConfigMap", "feast-env", "feast")["data"]
    assert env_of(model["containers"][0])["S3_BUCKET"] in buckets
    assert feast["FEAST_S3_BUCKET"] in buckets
    assert feast["FEAST_REGISTRY_PATH"].startswith(f"s3://{feast['FEAST_S3_BUCKET']}/")
    with S3Server(tmp_path / "s3", bucket="existing") as s3:
        env = {
            **env_of(container),
            **s3.credentials,
            "S3_ENDPOINT_URL": s3.endpoint_url,
            "BUCKETS": ",".join([*buckets, "existing"]),
        }
        first = _run(path, env)
        assert first.returncode == 0, first.stderr
        assert first.stdout.splitlines() == [
            *(f"bucket {b}: created" for b in buckets),
            "bucket existing: exists",
        ]
        names = {b["Name"] for b in s3.client().list_buckets()["Buckets"]}
        assert set(buckets) <= names
        again = _run(path, env)
        assert again.returncode == 0, again.stderr
        assert all(line.endswith(": exists") for line in again.stdout.splitlines())


def test_job_fails_with_one_line_when_s3_never_answers(rendered, tmp_path):
    container, script = _job(rendered["dev"])
    path = tmp_path / "create_buckets.py"
    path.write_text(script)
    env = {
        **env_of(container),
        "S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "WAIT_SECONDS": "2",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
    }
    done = _run(path, env)
    assert done.returncode == 1
    assert done.stderr.strip().startswith("create_buckets: S3 not usable after 2.0s")
