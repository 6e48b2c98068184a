"""The scheduled job: both CronWorkflows' containers, taken from the rendered manifests, run
against the services (configured as the cluster configures them) and exit 0."""

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

import httpx
import pytest

from infra.tests import stack
from infra.tests.render import env_of, find
from libs.testkit.servers import REPO_ROOT

URL_VARIABLES = ("INGESTION_URL", "FEATURES_URL", "MODEL_URL")


def template(objects: list[dict], version: str) -> dict:
    cron = find(objects, "CronWorkflow", f"online-learning-cron-{version}", "argo")
    return cron["spec"]["workflowSpec"]["templates"][0]


def run(argv: list[str], container: dict, services) -> subprocess.CompletedProcess:
    """``argv`` with the container's env, its service URLs pointed at the local services."""
    env = {**env_of(container), **stack.urls(services), "PATH": os.environ["PATH"]}
    return subprocess.run(argv, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)


def remaining(services) -> int:
    return httpx.get(f"{services['ingestion'].url}/status", timeout=10).json()["remaining"]


@pytest.mark.parametrize("version,key", [("v0", "script"), ("v1", "container")])
def test_job_urls_name_the_cluster_services_and_their_ports(rendered, version, key):
    objects = rendered["dev"]
    env = env_of(template(objects, version)[key])
    for variable in URL_VARIABLES:
        url = urlsplit(env[variable])
        name, namespace, *_ = url.hostname.split(".")
        service = find(objects, "Service", name, namespace)
        assert url.port in {p["port"] for p in service["spec"]["ports"]}, variable


def test_v1_pipeline_image_command_processes_its_batch_and_exits_0(rendered, services):
    container = template(rendered["dev"], "v1")["container"]
    argv = container["command"] + container.get("args", [])
    assert argv[:3] == ["python", "-m", "services.pipeline"]
    batch = int(argv[argv.index("--max") + 1])
    before = remaining(services)
    assert before >= batch
    done = run([sys.executable, *argv[1:]], container, services)
    assert done.returncode == 0, done.stderr
    assert remaining(services) == before - batch


def test_v0_inline_script_processes_its_batch_and_exits_0(rendered, services, tmp_path):
    script = template(rendered["dev"], "v0")["script"]
    assert script["command"] == ["python"]
    source = tmp_path / "v0.py"
    source.write_text(script["source"])
    batch = int(env_of(script)["MAX_OBSERVATIONS"])
    before = remaining(services)
    done = run([sys.executable, str(source)], script, services)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary == {"processed": batch, "exhausted": False}
    assert remaining(services) == before - batch
    predictions = [json.loads(line)["prediction"] for line in done.stdout.splitlines()[:-1]]
    assert len(predictions) == batch and all(isinstance(p, float) for p in predictions)


def test_v0_inline_script_fails_with_one_line_naming_the_step(rendered, services, tmp_path):
    script = template(rendered["dev"], "v0")["script"]
    source = tmp_path / "v0.py"
    source.write_text(script["source"])
    broken = {**services, "model": services["ingestion"]}  # /predict_learn does not exist there
    done = run([sys.executable, str(source)], {**script, "env": []}, broken)
    assert done.returncode == 1
    assert "/predict_learn: HTTP 404" in done.stderr.strip().splitlines()[-1]


def test_v0_inline_script_is_lint_clean(rendered):
    source = template(rendered["dev"], "v0")["script"]["source"]
    for command in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--stdin-filename", "v0.py", "-"],
            input=source,
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
        )
        assert done.returncode == 0, done.stdout + done.stderr
