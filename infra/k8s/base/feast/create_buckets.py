"""Create the platform's buckets in MinIO once it answers; existing buckets are left alone.

Runs in the ``minio-buckets`` Job on a plain Python image: the standard library only, requests
signed with AWS Signature Version 4 (path-style, as MinIO serves them). Reads
``S3_ENDPOINT_URL``, ``BUCKETS`` (comma-separated), ``WAIT_SECONDS``, ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY`` and ``AWS_DEFAULT_REGION``. Exits 0 when every bucket exists, else 1
with one line naming the failure.
"""

import hashlib
import hmac
import os
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signed_headers(method: str, url: str, key: str, secret: str, region: str) -> dict:
    """The headers of a bodiless S3 request signed with Signature Version 4."""
    parts = urlsplit(url)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {"host": parts.netloc, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": stamp}
    names = ";".join(sorted(headers))
    canonical_headers = "".join(f"{name}:{headers[name]}\n" for name in sorted(headers))
    path = quote(parts.path or "/")
    canonical = f"{method}\n{path}\n\n{canonical_headers}\n{names}\n{EMPTY_SHA256}"
    scope = f"{stamp[:8]}/{region}/s3/aws4_request"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{digest}"
    signing_key = _hmac(f"AWS4{secret}".encode(), stamp[:8])
    for part in (region, "s3", "aws4_request"):
        signing_key = _hmac(signing_key, part)
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={names}, Signature={signature}"
    )
    return headers


def request(method: str, url: str) -> int:
    """The status of a signed request (4xx and 5xx included); OSError when unreachable."""
    env = os.environ
    headers = signed_headers(
        method,
        url,
        env["AWS_ACCESS_KEY_ID"],
        env["AWS_SECRET_ACCESS_KEY"],
        env.get("AWS_DEFAULT_REGION", "us-east-1"),
    )
    req = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def wait_for(endpoint: str, seconds: float) -> None:
    deadline, last = time.monotonic() + seconds, "no answer"
    while time.monotonic() < deadline:
        try:
            status = request("GET", f"{endpoint}/")
            if status == 200:
                return
            last = f"HTTP {status}"
        except OSError as exc:
            last = str(exc)
        time.sleep(1)
    raise SystemExit(f"create_buckets: S3 not usable after {seconds}s: {last}")


def ensure(endpoint: str, bucket: str) -> str:
    status = request("HEAD", f"{endpoint}/{bucket}")
    if status == 200:
        return "exists"
    if status != 404:
        raise SystemExit(f"create_buckets: bucket {bucket}: HEAD answered HTTP {status}")
    status = request("PUT", f"{endpoint}/{bucket}")
    if status != 200:
        raise SystemExit(f"create_buckets: bucket {bucket}: PUT answered HTTP {status}")
    return "created"


def main() -> int:
    endpoint = os.environ["S3_ENDPOINT_URL"].rstrip("/")
    buckets = [b.strip() for b in os.environ["BUCKETS"].split(",") if b.strip()]
    wait_for(endpoint, float(os.environ.get("WAIT_SECONDS", "120")))
    for bucket in buckets:
        print(f"bucket {bucket}: {ensure(endpoint, bucket)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
