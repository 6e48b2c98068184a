"""A keep-alive JSON client with retries: connection errors and 5xx are retried, 4xx is not.

Every request the job makes is safe to retry: learning requests carry an ``observation_id``
the services deduplicate, and takes from ingestion carry an ``Idempotency-Key`` (a retry whose
first answer was lost gets the same observations). A connection the server closed while it was
idle is noticed before sending and replaced, so a pause longer than the server's keep-alive
timeout costs a reconnect, not a failed step.

One persistent :class:`~services.pipeline.connection.Connection` per service and no
per-request allocations beyond the JSON itself, because the pipeline makes three requests per
observation and the client's cost adds directly to every observation.
"""

import time
from urllib.parse import urlsplit

import orjson

from services.pipeline.connection import Connection

RETRYABLE_ERRORS = (ConnectionError, TimeoutError, OSError)


class StepError(RuntimeError):
    """A pipeline step failed for good (a 4xx, or retries exhausted)."""

    def __init__(self, step: str, reason: str):
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


class JsonClient:
    """``get``/``post`` JSON to one service, reconnecting and retrying with exponential backoff."""

    def __init__(
        self,
        base_url: str,
        retries: int = 5,
        backoff: float = 0.1,
        timeout: float = 10,
        token: str = "",
    ):
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"unsupported service URL {base_url!r}: expected http://host:port")
        self.base_url = base_url
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.retried = 0
        self.auth = b"Authorization: Bearer %s\r\n" % token.encode() if token else b""
        self._conn: Connection | None = None

    def get(self, path: str, step: str, headers: bytes = b"") -> tuple[int, dict | None]:
        return self.request("GET", path, None, step, headers)

    def post(
        self, path: str, body: dict | None, step: str, headers: bytes = b""
    ) -> tuple[int, dict | None]:
        return self.request("POST", path, body, step, headers)

    def request(
        self, method: str, path: str, body, step: str, headers: bytes = b""
    ) -> tuple[int, dict | None]:
        """Status and decoded body; raises :class:`StepError` on 4xx or when retries run out."""
        payload = None if body is None else orjson.dumps(body)
        for attempt in range(self.retries + 1):
            try:
                status, data = self._send(method, self.prefix + path, payload, headers)
            except RETRYABLE_ERRORS as exc:
                self.close()
                reason = f"{self.base_url} unreachable ({exc.__class__.__name__}: {exc})"
            else:
                if status < 300:
                    return status, _decode(data, path, step)
                reason = f"HTTP {status} from {path}: {_detail(data)}"
                if status < 500:
                    raise StepError(step, reason)
            if attempt < self.retries:
                self.retried += 1
                time.sleep(self.backoff * 2**attempt)
        raise StepError(step, f"{reason} after {self.retries} retries")

    def _send(self, method, path, payload, headers) -> tuple[int, bytes]:
        if self._conn is not None and not self._conn.closed and self._conn.stale():
            self._conn.close()
        if self._conn is None or self._conn.closed:
            self._conn = Connection(self.host, self.port, self.timeout)
        return self._conn.request(method, path, payload, self.auth + headers)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _decode(data: bytes, path: str, step: str) -> dict | None:
    if not data:
        return None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        raise StepError(step, f"{path} answered non-JSON: {data[:80]!r}") from None


def _detail(data: bytes) -> str:
    try:
        detail = orjson.loads(data).get("detail", data.decode(errors="replace"))
    except (orjson.JSONDecodeError, AttributeError):
        detail = data.decode(errors="replace")
    return str(detail)[:300]
