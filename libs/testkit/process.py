"""Processes on free loopback ports, started and stopped by PID."""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

DEFAULT_START_TIMEOUT = 120.0


def start_timeout(environ=os.environ) -> float:
    """Seconds a server may take to become ready: ``TESTKIT_START_TIMEOUT``, default 120.

    Generous because the machines running tests are often loaded (a service importing SciPy
    on a busy 2-core box can take tens of seconds); readiness is polled, so a fast start
    returns at once.

    Examples
    --------
    >>> start_timeout({})
    120.0
    >>> start_timeout({"TESTKIT_START_TIMEOUT": "300"})
    300.0
    >>> start_timeout({"TESTKIT_START_TIMEOUT": "soon"})
    Traceback (most recent call last):
    ...
    ValueError: TESTKIT_START_TIMEOUT must be a positive number of seconds, got 'soon'
    """
    raw = environ.get("TESTKIT_START_TIMEOUT")
    if raw is None:
        return DEFAULT_START_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise ValueError(f"TESTKIT_START_TIMEOUT must be a positive number of seconds, got {raw!r}")
    return value


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    Examples
    --------
    >>> 1024 < free_port() < 65536
    True
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_binary(name: str) -> str:
    """Path of ``name`` on PATH; skip the test when missing, or fail it when ``CI`` is set."""
    path = shutil.which(name)
    if path:
        return path
    import pytest  # only tests reach here; make run uses this module without pytest

    reason = f"{name} is not installed (.ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def wait_http(
    url: str,
    timeout: float | None = None,
    proc: subprocess.Popen | None = None,
    accept: tuple[int, ...] = (),
) -> None:
    """Poll ``url`` until it answers 2xx or a status in ``accept`` (within :func:`start_timeout`
    by default); fail early if ``proc`` exits."""
    timeout = start_timeout() if timeout is None else timeout
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} was ready")
        try:
            response = httpx.get(url, timeout=1.0)
            if response.is_success or response.status_code in accept:
                return
            last = f"status {response.status_code}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.05)
    raise TimeoutError(f"{url} not ready after {timeout}s: {last}")


def wait_until(condition, what: str, timeout: float | None = None, every: float = 0.05):
    """Poll ``condition()`` until it returns something truthy, and return that; after
    ``timeout`` seconds (:func:`start_timeout` by default) raise ``TimeoutError`` naming
    ``what`` was awaited.

    Examples
    --------
    >>> calls = iter([None, 0, "done"])
    >>> wait_until(lambda: next(calls), "a result")
    'done'
    >>> wait_until(lambda: False, "nothing", timeout=0.01)
    Traceback (most recent call last):
    ...
    TimeoutError: nothing not reached after 0.01s
    """
    timeout = start_timeout() if timeout is None else timeout
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached after {timeout}s")
        time.sleep(every)


def wait_port(
    port: int, timeout: float | None = None, proc: subprocess.Popen | None = None
) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:``port``."""
    timeout = start_timeout() if timeout is None else timeout
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before port {port} opened")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} not open after {timeout}s")


class ManagedProcess:
    """A child process with its output in ``log_path``, stopped by PID.

    ``stop()`` sends SIGTERM and waits (a graceful shutdown, snapshots taken); ``kill()`` sends
    SIGKILL (a crash). Both are safe to call twice.
    """

    def __init__(self, argv: list[str], log_path: Path, env: dict | None = None, cwd=None):
        self.argv = argv
        self.log_path = Path(log_path)
        self.env = env
        self.cwd = cwd
        self.proc: subprocess.Popen | None = None

    def start(self) -> "ManagedProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **(self.env or {})}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.cwd
            )
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 15.0) -> int | None:
        return self._signal(signal.SIGTERM, timeout)

    def kill(self) -> int | None:
        return self._signal(signal.SIGKILL, 10.0)

    def _signal(self, sig: int, timeout: float) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        os.kill(self.proc.pid, sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            return self.proc.wait(timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
