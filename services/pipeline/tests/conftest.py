import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from libs.testkit import REPO_ROOT, ServiceProcess, free_port, python_command, python_path


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
            env={**os.environ, **python_path(), **self.env, **env},
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def model_count(self) -> int:
        return httpx.get(f"{self.model.url}/model_metrics").json()["count"]


def start_stack(workdir: Path, models: str) -> Stack:
    state = workdir / "state"
    model_env = {"STATE_DIR": str(state / "model"), "MODEL_NAMES": models}
    stack = Stack(
        ServiceProcess("ingestion", workdir, {"STATE_DIR": str(state / "ingestion")}),
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
