"""Create the platform's buckets in MinIO, once it answers; existing buckets are left alone.

Runs in the ``minio-buckets`` Job (the feature server's image, which has boto3). Reads
``S3_ENDPOINT_URL``, ``BUCKETS`` (comma-separated), ``WAIT_SECONDS`` and the standard AWS
credential variables. Exits 0 when every bucket exists, 1 with one line naming the failure.
"""

import os
import sys
import time

import boto3
from botocore.exceptions import BotoCoreError, ClientError


def wait_for(client, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            client.list_buckets()
            return
        except (BotoCoreError, ClientError) as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"create_buckets: S3 not usable after {seconds}s: {exc}") from None
            time.sleep(1)


def ensure(client, bucket: str) -> str:
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if bucket in existing:
        return "exists"
    client.create_bucket(Bucket=bucket)
    return "created"


def main() -> int:
    endpoint = os.environ["S3_ENDPOINT_URL"]
    buckets = [b.strip() for b in os.environ["BUCKETS"].split(",") if b.strip()]
    client = boto3.client("s3", endpoint_url=endpoint)
    wait_for(client, float(os.environ.get("WAIT_SECONDS", "120")))
    for bucket in buckets:
        try:
            print(f"bucket {bucket}: {ensure(client, bucket)}", flush=True)
        except ClientError as exc:
            print(f"create_buckets: bucket {bucket}: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
