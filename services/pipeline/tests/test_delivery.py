"""Delivery across failures: the job killed, services restarted after long pauses, consumers
killed while holding leases. Every observation is learned exactly once, in order where one job
runs."""

import json
import math
import os
import signal
import subprocess
import time

import httpx
import pytest

from libs.testkit import REPO_ROOT, ServiceProcess, python_command, python_path
from services.pipeline.tests.conftest import HTTP_TIMEOUT, JOB_ENV, start_stack

MODELS = "linear_regression,holt_winters,naive"
STREAM = "sensor"


def values(n: int) -> list[dict]:
    return [
        {"input": f"t{t}", "target": round(200 + 0.5 * t + 40 * math.sin(t / 1.9), 3)}
        for t in range(n)
    ]


def append(ingestion_url: str, n: int) -> None:
    answer = httpx.post(
        f"{ingestion_url}/streams/{STREAM}/observations",
        json={"observations": values(n)},
        timeout=HTTP_TIMEOUT,
    )
    assert answer.status_code == 201, answer.text


def wait_until(condition, timeout: float = 300.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not met after {timeout}s")
        time.sleep(0.01)


def status(ingestion_url: str) -> dict:
    return httpx.get(
        f"{ingestion_url}/status", params={"stream": STREAM}, timeout=HTTP_TIMEOUT
    ).json()


def job(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        python_command("services.pipeline", "--json", *args),
        env={**os.environ, **python_path(), **JOB_ENV, **env},
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return json.loads(out)


def test_a_job_killed_mid_batch_run_and_run_again_learns_every_observation_once(tmp_path):
    total = 1000
    reference = start_stack(tmp_path / "reference", MODELS)
    try:
        append(reference.ingestion.url, total)
        finish(job({**reference.env, "STREAM": STREAM}, "--batch", "10"))
        expected = reference.learned(STREAM)
    finally:
        reference.stop()

    stack = start_stack(tmp_path / "killed", MODELS)
    try:
        append(stack.ingestion.url, total)
        env = {**stack.env, "STREAM": STREAM}
        first = job(env, "--batch", "10")
        wait_until(lambda: stack.model_count(STREAM) >= 100, what="100 observations learned")
        first.send_signal(signal.SIGKILL)
        first.communicate()
        left = status(stack.ingestion.url)
        rerun = finish(job(env, "--batch", "10"))
        learned = stack.learned(STREAM)
        done = status(stack.ingestion.url)
    finally:
        stack.stop()

    assert first.returncode == -signal.SIGKILL
    assert left["consumers"].get("pipeline", 0) > 0  # it died holding leases
    assert rerun["observations"] == total - left["acked"]  # exactly what it had not finished
    assert learned == expected  # same count, scores, predictions and lag window
    assert learned["metrics"]["count"] == total
    assert (done["acked"], done["exhausted"]) == (total, True)


def holds_leases(ingestion_url: str, consumer: str, stream: str | None = None) -> bool:
    query = {"stream": stream} if stream else {}
    answer = httpx.get(f"{ingestion_url}/status", params=query, timeout=HTTP_TIMEOUT).json()
    return answer["consumers"].get(consumer, 0) > 0


@pytest.mark.parametrize("service", ["ingestion", "model"])
def test_a_service_restarted_after_a_pause_longer_than_keep_alive_costs_the_job_nothing(
    stack, service
):
    """uvicorn drops connections idle for 5 s: the job's other connections are closed under it
    while it waits for the restarted service."""
    target = getattr(stack, service)
    env = {"RETRIES": "12", "BACKOFF_SECONDS": "0.05"}
    running = job({**stack.env, **env})
    # Mid-run for sure: a job holds a lease from its first take until it has acknowledged all.
    wait_until(
        lambda: stack.model_count() > 0 and holds_leases(stack.ingestion.url, "pipeline"),
        what="the job mid-run",
    )
    running.send_signal(signal.SIGSTOP)
    target.kill()
    running.send_signal(signal.SIGCONT)
    time.sleep(8)  # the outage itself: longer than the keep-alive timeout
    target.start()
    result = finish(running)
    done = httpx.get(f"{stack.ingestion.url}/status", timeout=HTTP_TIMEOUT).json()

    assert result["exhausted"] is True and result["observations"] == 144
    assert stack.model_count() == 144
    assert (done["acked"], done["exhausted"]) == (144, True)


@pytest.mark.slow
def test_four_consumers_on_two_replicas_one_killed_holding_leases_learn_everything_once(
    tmp_path, redis_url
):
    total = 400
    shared = {"REDIS_URL": redis_url, "LEASE_SECONDS": "2"}
    stack = start_stack(tmp_path, MODELS, **shared)
    replicas = [
        stack.ingestion,
        ServiceProcess("ingestion", tmp_path, shared).start(),
    ]
    jobs = []
    try:
        append(replicas[0].url, total)

        def start(k: int) -> subprocess.Popen:
            env = {
                **stack.env,
                "INGESTION_URL": replicas[k % 2].url,
                "STREAM": STREAM,
                "CONSUMER": f"c{k}",
                "POLL_SECONDS": "0.1",
            }
            return job(env, "--batch", "5")

        # c0 is frozen while it holds leases, the others run, then c0 is killed.
        jobs.append(start(0))
        wait_until(lambda: holds_leases(replicas[1].url, "c0", STREAM), what="c0 leases")
        jobs[0].send_signal(signal.SIGSTOP)
        held = status(replicas[1].url)["consumers"]["c0"]
        jobs.extend(start(k) for k in (1, 2, 3))
        wait_until(lambda: stack.model_count(STREAM) >= 100, what="100 observations learned")
        jobs[0].send_signal(signal.SIGKILL)
        jobs[0].communicate()
        results = [finish(j) for j in jobs[1:]]
        done = status(replicas[1].url)
        count = stack.model_count(STREAM)
    finally:
        for j in jobs:
            if j.poll() is None:
                j.kill()
                j.communicate()
        stack.stop()
        replicas[1].stop()

    assert jobs[0].returncode == -signal.SIGKILL and held > 0
    assert all(r["exhausted"] for r in results)
    assert count == total  # every observation learned, none twice
    assert (done["acked"], done["leased"], done["exhausted"]) == (total, 0, True)
