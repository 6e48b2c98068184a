"""Every server the bench drives, started once (in parallel) and stopped by PID at the end.

Ours: ingestion, features, a ``linear_regression`` model, and the shard comparison's three
``bagging_regressor`` models (one alone, two as shards). The baselines: the minimal FastAPI app
and the straightforward seed services, under uvicorn's defaults.
"""

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from libs.testkit.process import ManagedProcess, free_port, wait_port
from libs.testkit.servers import REPO_ROOT, ServiceProcess


class UvicornProcess(ManagedProcess):
    """``python -m uvicorn <target>`` on a free port, uvicorn's defaults otherwise."""

    def __init__(self, target: str, workdir: Path, env: dict | None = None, factory=False):
        self.port = free_port()
        argv = [sys.executable, "-m", "uvicorn", target, "--port", str(self.port)]
        log = workdir / f"{target.rsplit(':', 1)[-1]}-{self.port}.log"
        super().__init__(argv + ["--factory"] * factory, log, env=env, cwd=REPO_ROOT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float | None = None) -> "UvicornProcess":
        super().start()
        try:
            wait_port(self.port, timeout=timeout or 300, proc=self.proc)
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            reason = f"{self.argv[3]} did not start: {exc}\n{self.log()[-2000:]}"
            raise RuntimeError(reason) from exc
        return self


@dataclass
class Fleet:
    workdir: Path
    dataset: Path
    shard_model: str
    timeout: float
    servers: dict = field(default_factory=dict)

    def __enter__(self) -> "Fleet":
        state, seed_env = self.workdir / "state", {"SEED_DATASET": str(self.dataset)}

        def seed(name: str) -> UvicornProcess:
            return UvicornProcess(f"tools.bench.seed:{name}", self.workdir, seed_env, True)

        def model(key: str, name: str) -> ServiceProcess:
            env = {"STATE_DIR": str(state / key), "MODEL_NAME": name}
            return ServiceProcess("model", self.workdir, env)

        self.servers = {
            "ingestion": ServiceProcess("ingestion", self.workdir, {"STATE_DIR": str(state / "i")}),
            "features": ServiceProcess("features", self.workdir, {"STATE_DIR": str(state / "f")}),
            "model": model("m", "linear_regression"),
            "alone": model("alone", self.shard_model),
            "shard0": model("shard0", self.shard_model),
            "shard1": model("shard1", self.shard_model),
            "ceiling": UvicornProcess("tools.bench.ceiling:create_app", self.workdir, factory=True),
            **{f"seed_{name}": seed(name) for name in ("ingestion", "features", "model")},
        }
        try:
            with ThreadPoolExecutor(len(self.servers)) as pool:
                list(pool.map(lambda s: s.start(self.timeout), self.servers.values()))
        except RuntimeError:
            self.__exit__()
            raise
        return self

    def url(self, name: str) -> str:
        return self.servers[name].url

    def __exit__(self, *exc) -> None:
        for server in self.servers.values():
            server.stop()
