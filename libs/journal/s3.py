"""Snapshots in S3-compatible object storage (MinIO, SeaweedFS, AWS S3)."""

import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

_MISSING = {"NoSuchKey", "404", "NotFound"}


def s3_client(
    endpoint_url: str | None,
    connect_timeout: float = 5,
    read_timeout: float = 30,
    attempts: int = 3,
):
    """A boto3 S3 client with path-style addressing (what S3-compatible servers expect), the
    region from ``AWS_DEFAULT_REGION`` or ``us-east-1``, and ``attempts`` tries per call."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        config=Config(
            retries={"max_attempts": attempts, "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            s3={"addressing_style": "path"},
        ),
    )


class S3Snapshots:
    """A :class:`~libs.journal.SnapshotStore` keeping ``<prefix>/<name>.snapshot`` in ``bucket``.

    A ``PUT`` replaces an object whole, so readers see the previous snapshot or the new one,
    never a mix. Credentials come from the standard AWS variables (``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ...); the region defaults to ``us-east-1``, which S3-compatible
    servers accept. Calls block: run them off the event loop.

    Parameters
    ----------
    bucket
        An existing bucket.
    prefix
        Key prefix, so several services can share a bucket.
    endpoint_url
        The server, e.g. ``http://minio:9000``; ``None`` for AWS itself.
    client
        A ready boto3 S3 client, instead of :func:`s3_client` for ``endpoint_url``.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        client=None,
    ):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.client = client or s3_client(endpoint_url)

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}.snapshot" if self.prefix else f"{name}.snapshot"

    def save(self, name: str, payload: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.key(name), Body=payload)

    def load(self, name: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        return response["Body"].read()

    def check(self) -> None:
        """Raise unless the bucket exists and these credentials can reach it."""
        self.client.head_bucket(Bucket=self.bucket)
