"""A throw-away Feast feature server: the repo's ``infra/feast/feature_repo`` on Redis and S3.

Feast imports pandas, pyarrow and dask at start-up: on a loaded machine ``feast apply`` and
``feast serve`` take tens of seconds. ``FEAST_START_TIMEOUT`` (seconds, default 300) bounds both.
"""

import os
import shutil
import signal
import subprocess
from pathlib import Path

from libs.testkit.interpreter import REPO_ROOT, python_command, python_path
from libs.testkit.process import ManagedProcess, free_port, wait_http
from libs.testkit.s3 import S3Server

FEATURE_REPO = REPO_ROOT / "infra" / "feast" / "feature_repo"


def start_timeout() -> float:
    return float(os.environ.get("FEAST_START_TIMEOUT", "300"))


def feast_command(*args: str) -> list[str]:
    """``feast args`` as Feast's CLI module on this interpreter and module path (the virtualenv
    under pytest, the test's runfiles under Bazel, where no ``feast`` script exists)."""
    return python_command("feast.cli.cli", *args)


class FeastServer(ManagedProcess):
    """``feast serve`` on a free port over a copy of the feature repo, after ``feast apply``.

    The copy lives under ``workdir`` (nothing is written into the source tree); the registry
    and the offline store go to ``s3``'s bucket and the online store to ``redis_url``, through
    the same environment variables the cluster sets (``feature_store.s3.yaml``).
    ``stop()`` then ``start()`` keeps port and stores. :meth:`store` opens the same repository
    with the Feast SDK, for tests and tools that read back.

    Examples
    --------
    In a test::

        with S3Server(tmp_path, bucket="feast") as s3:
            with FeastServer(tmp_path, redis_server.url, s3, n_lags=3) as feast:
                httpx.post(f"{feast.url}/push", json={...})
    """

    def __init__(self, workdir: Path, redis_url: str, s3: S3Server, n_lags: int = 12):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.repo = self.workdir / "feature_repo"
        shutil.copytree(FEATURE_REPO, self.repo, ignore=shutil.ignore_patterns("data", "__py*"))
        host_port = redis_url.removeprefix("redis://").split("/")[0]
        self.environment = {
            **python_path(),
            **s3.credentials,
            "FEAST_FS_YAML_FILE_PATH": str(self.repo / "feature_store.s3.yaml"),
            "FEAST_REDIS_CONNECTION_STRING": host_port,
            "FEAST_REGISTRY_PATH": f"s3://{s3.bucket}/registry.db",
            "FEAST_S3_BUCKET": s3.bucket,
            "FEAST_S3_ENDPOINT_URL": s3.endpoint_url,
            "N_LAGS": str(n_lags),
        }
        argv = feast_command("-c", str(self.repo), "serve", "--host", "127.0.0.1")
        argv += ["--port", str(self.port), "--no-access-log"]
        super().__init__(argv, self.workdir / f"feast-{self.port}.log", env=self.environment)
        self.applied = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def apply(self) -> subprocess.CompletedProcess:
        """``feast apply`` over the repo copy; raises with its output when it fails."""
        result = subprocess.run(
            feast_command("-c", str(self.repo), "apply"),
            env={**os.environ, **self.environment},
            capture_output=True,
            text=True,
            timeout=start_timeout(),
        )
        if result.returncode != 0:
            raise RuntimeError(f"feast apply failed:\n{result.stdout}\n{result.stderr}")
        self.applied = True
        return result

    def start(self) -> "FeastServer":
        if not self.applied:
            self.apply()
        super().start()
        try:
            wait_http(f"{self.url}/health", timeout=start_timeout(), proc=self.proc)
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            raise RuntimeError(f"feast serve did not start: {exc}\n{self.log()[-3000:]}") from exc
        return self

    def store(self):
        """The Feast SDK's ``FeatureStore`` on this server's registry and stores.

        Feast and pyarrow read endpoints and credentials from the environment, so this sets the
        server's variables in the calling process's ``os.environ``.
        """
        from feast import FeatureStore  # seconds to import: only Feast tests pay it

        os.environ.update(self.environment)
        return FeatureStore(repo_path=str(self.repo))

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGCONT first (a paused server cannot shut down), then SIGTERM and wait."""
        if self.proc is not None and self.proc.poll() is None:
            self.resume()
        return super().stop(timeout)

    def offline_table(self):
        """The offline store's Parquet file, read straight from S3 (not through Feast)."""
        import pyarrow.parquet as pq
        from pyarrow import fs

        s3 = fs.S3FileSystem(
            endpoint_override=self.environment["FEAST_S3_ENDPOINT_URL"],
            access_key=self.environment["AWS_ACCESS_KEY_ID"],
            secret_key=self.environment["AWS_SECRET_ACCESS_KEY"],
            region=self.environment["AWS_DEFAULT_REGION"],
        )
        path = f"{self.environment['FEAST_S3_BUCKET']}/offline/lag_features.parquet"
        return pq.read_table(path, filesystem=s3)

    def pids(self) -> list[int]:
        """``feast serve`` is gunicorn: the master and its worker processes."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        return [self.pid, *map(int, children)]

    def pause(self) -> None:
        """SIGSTOP master and workers: a hung server that accepts connections and never answers."""
        for pid in self.pids():
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in self.pids():
            os.kill(pid, signal.SIGCONT)
