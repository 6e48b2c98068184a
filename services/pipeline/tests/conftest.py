import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from libs.testkit import REPO_ROOT, ServiceProcess, free_port, python_command, python_path

JOB_ENV = {"TIMEOUT_SECONDS": "120"}
"""A model's first request imports River (SciPy): tens of seconds on a loaded machine."""
HTTP_TIMEOUT = 120


@dataclass
class Stack:
    ingestion: ServiceProcess
    features: ServiceProcess
    model: ServiceProcess

    @property
    def env(self) -> dict[str, str]:
        return {
            "INGESTION_URL": self.ingestion.url,
            "FEATURES_URL": self.features.url,
            "MODEL_URL": self.model.url,
        }

    def job(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        """``python -m services.pipeline`` against this stack, as the CronWorkflow runs it."""
        return subprocess.run(
            python_command("services.pipeline", *args),
            env={**os.environ, **python_path(), **JOB_ENV, **self.env, **env},
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def model_count(self, series: str | None = None) -> int:
        metrics = httpx.get(f"{self.model.url}/model_metrics", timeout=HTTP_TIMEOUT).json()
        if series is None:
            return metrics["count"]
        return metrics["series"].get(series, {"count": 0})["count"]

    def stop(self) -> None:
        for service in (self.ingestion, self.features, self.model):
            service.stop()

    def learned(self, series: str = "default") -> dict:
        """What the model and the feature service hold: metrics, a prediction, the lag window."""
        metrics = httpx.get(f"{self.model.url}/model_metrics", timeout=HTTP_TIMEOUT).json()
        features = {f"in_{k}": 100.0 + k for k in range(1, 13)}
        body = {"features": features, "series_id": series}
        prediction = httpx.post(f"{self.model.url}/predict", json=body, timeout=HTTP_TIMEOUT).json()
        window = httpx.get(f"{self.features.url}/series/{series}", timeout=HTTP_TIMEOUT).json()
        return {"metrics": metrics, "predictions": prediction["predictions"], "window": window}


def start_stack(workdir: Path, models: str, **ingestion_env: str) -> Stack:
    state = workdir / "state"
    model_env = {"STATE_DIR": str(state / "model"), "MODEL_NAMES": models}
    ingestion_env = {"STATE_DIR": str(state / "ingestion"), **ingestion_env}
    stack = Stack(
        ServiceProcess("ingestion", workdir, ingestion_env),
        ServiceProcess("features", workdir, {"STATE_DIR": str(state / "features")}),
        ServiceProcess("model", workdir, model_env),
    )
    for service in (stack.ingestion, stack.features, stack.model):
        service.start()
    return stack


@pytest.fixture
def stack(tmp_path):
    stack = start_stack(tmp_path, "linear_regression,holt_winters,naive")
    yield stack
    for service in (stack.ingestion, stack.features, stack.model):
        service.stop()


@pytest.fixture
def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def busy_cores():
    """Two busy-loop processes, one per core of a two-core machine; stopped by PID."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    yield [p.pid for p in loops]
    for loop in loops:
        loop.kill()
        loop.wait()
