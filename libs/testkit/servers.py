"""The servers tests start: redis-server and the platform's own services."""

import os
import subprocess
import time
from pathlib import Path

from libs.testkit.interpreter import REPO_ROOT, python_command, python_path
from libs.testkit.process import (
    ManagedProcess,
    free_port,
    require_binary,
    start_timeout,
    wait_http,
    wait_port,
)

__all__ = ["REPO_ROOT", "RedisServer", "ServiceProcess", "run_service"]


class RedisServer(ManagedProcess):
    """A throw-away ``redis-server`` on a free port, persisting nothing unless asked.

    ``stop()`` then ``start()`` keeps the port, so clients configured with :attr:`url` reconnect.
    """

    def __init__(self, workdir: Path, port: int | None = None, appendonly: bool = False):
        self.port = port or free_port()
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        argv = [
            require_binary("redis-server"),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.workdir),
            "--save", "",
            "--appendonly", "yes" if appendonly else "no",
        ]  # fmt: skip
        super().__init__(argv, self.workdir / f"redis-{self.port}.log")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        super().start()
        wait_port(self.port, proc=self.proc)
        return self


class ServiceProcess(ManagedProcess):
    """``python -m services.<name>`` on a free port, started from the repository root.

    The child runs on this interpreter and module path (:mod:`libs.testkit.interpreter`).
    ``env`` adds variables (``REDIS_URL``, ``STATE_DIR``, ...); ``PORT`` and ``HOST`` are set here.
    ``start()`` returns once ``GET /health`` answers 2xx and then ``GET /readyz`` 200 (a
    service without ``/readyz``: its 404 will do), so tests start on a warmed-up service, all
    within :func:`start_timeout` (``TESTKIT_START_TIMEOUT``) unless given; ``ready=False``
    skips the readiness wait (a service meant to start unready). After ``kill()``, ``start()``
    brings it back on the same port and env, where clients expect it.
    """

    def __init__(self, name: str, workdir: Path, env: dict | None = None, port: int | None = None):
        self.name = name
        self.port = port or free_port()
        env = {"HOST": "127.0.0.1", "PORT": str(self.port), **python_path(), **(env or {})}
        log = Path(workdir) / f"{name}-{self.port}.log"
        super().__init__(python_command(f"services.{name}"), log, env=env, cwd=REPO_ROOT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float | None = None, ready: bool = True) -> "ServiceProcess":
        super().start()
        deadline = time.monotonic() + (start_timeout() if timeout is None else timeout)
        try:
            wait_http(f"{self.url}/health", timeout=deadline - time.monotonic(), proc=self.proc)
            if ready:
                left = deadline - time.monotonic()
                wait_http(f"{self.url}/readyz", timeout=left, proc=self.proc, accept=(404,))
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{self.name} did not start: {exc}\n{self.log()[-3000:]}") from exc
        return self


def run_service(name: str, env: dict, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m services.<name>`` to its exit (a start-up that must fail), on a free port.

    The environment is ``PATH``, the module path and ``env`` only, so no variable of the
    caller's leaks in.
    """
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **python_path()}
    return subprocess.run(
        python_command(f"services.{name}"),
        env={**base, "PORT": str(free_port()), **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=start_timeout() if timeout is None else timeout,
    )
