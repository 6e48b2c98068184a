"""A keep-alive JSON client with retries: connection errors and 5xx are retried, 4xx is not.

A request that is not idempotent (taking the next observation moves a cursor) is retried only
when it cannot have been applied: the connection was refused, or the service answered 503
(unavailable before doing anything). A lost answer to such a request fails the step instead of
silently skipping what the first attempt took.

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

    def get(self, path: str, step: str) -> tuple[int, dict | None]:
        return self.request("GET", path, None, step)

    def post(
        self, path: str, body: dict | None, step: str, idempotent: bool = True
    ) -> tuple[int, dict | None]:
        return self.request("POST", path, body, step, idempotent)

    def request(
        self, method: str, path: str, body, step: str, idempotent: bool = True
    ) -> tuple[int, dict | None]:
        """Status and decoded body; raises :class:`StepError` on 4xx or when retries run out."""
        payload = b"" if body is None else orjson.dumps(body)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in range(self.retries + 1):
            try:
                status, data = self._send(method, self.prefix + path, payload, headers)
            except RETRYABLE_ERRORS as exc:
                self.close()
                reason = f"{self.base_url} unreachable ({exc.__class__.__name__}: {exc})"
                if not idempotent and not isinstance(exc, ConnectionRefusedError):
                    raise StepError(step, f"{reason}; the answer to {path} may be lost") from None
            else:
                if status < 300:
                    return status, _decode(data, path, step)
                reason = f"HTTP {status} from {path}: {_detail(data)}"
                if status < 500 or (not idempotent and status != 503):
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
        return self._conn.request(method, path, payload if headers else None, self.auth)

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
