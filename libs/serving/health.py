"""Liveness and readiness for Kubernetes, and answers for a state directory that fails.

``GET /healthz`` says the process answers (liveness: restart it if not); ``GET /readyz`` says
it can serve (readiness: send it traffic): its state is loaded, its backends answer and its
state directory takes a write. Each service lists its readiness checks; each check is an
``async`` callable of the app that returns ``None`` when fine, else the reason.
"""

import asyncio
import contextlib
import errno
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request

from libs.serving.responses import JSON

Check = Callable[[FastAPI], Awaitable[str | None]]
FULL = {errno.ENOSPC, errno.EDQUOT}
READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
FAILED = {errno.EIO, errno.ENOENT, errno.EBADF}


def add_health(app: FastAPI, *checks: Check) -> None:
    """Register ``GET /healthz`` and ``GET /readyz`` (200, or 503 with every failing reason).

    Examples
    --------
    >>> from fastapi.testclient import TestClient
    >>> async def no_disk(app): return "state directory /x is full"
    >>> app = FastAPI()
    >>> add_health(app, no_disk)
    >>> with TestClient(app) as client:
    ...     client.get("/healthz").json(), client.get("/readyz").status_code
    ({'status': 'alive'}, 503)
    >>> client.get("/readyz").json()["reasons"]
    ['state directory /x is full']
    """

    async def healthz() -> JSON:
        """Liveness: the process answers."""
        return JSON({"status": "alive"})

    async def readyz(request: Request) -> JSON:
        """Readiness: state loaded, backends reachable, state writable; 503 with the reasons."""
        results = await asyncio.gather(*(check(request.app) for check in checks))
        reasons = [r for r in results if r is not None]
        if reasons:
            return JSON({"status": "not ready", "reasons": reasons}, status_code=503)
        return JSON({"status": "ready"})

    not_ready = {503: {"description": "Not ready: `reasons` lists why"}}
    app.add_api_route("/healthz", healthz, methods=["GET"], summary="Liveness")
    app.add_api_route("/readyz", readyz, methods=["GET"], summary="Readiness", responses=not_ready)


def state_loaded(attribute: str) -> Check:
    """Ready once the lifespan put ``attribute`` on ``app.state``."""

    async def check(app: FastAPI) -> str | None:
        loaded = getattr(app.state, attribute, None) is not None
        return None if loaded else "state not loaded yet"

    return check


def redis_reachable(client: Callable[[FastAPI], object]) -> Check:
    """Ready while the Redis client ``client(app)`` returns (``None``: no Redis) answers PING."""

    async def check(app: FastAPI) -> str | None:
        redis = client(app)
        if redis is None:
            return None
        try:
            await redis.ping()
        except Exception as exc:  # any failure means not ready; the reason says which
            return f"redis unreachable: {type(exc).__name__}: {exc}"
        return None

    return check


def reachable(what: str, probe: Callable[[], object], timeout: float, keep: float) -> Check:
    """Ready while the blocking call ``probe()`` returns within ``timeout`` seconds; else the
    reason names ``what`` and the error.

    ``probe`` runs in a thread, off the event loop. Its outcome is kept for ``keep`` seconds
    and concurrent readiness probes wait for the one call in flight, so a storm of probes costs
    one call per ``keep`` seconds.

    Examples
    --------
    >>> def refused(): raise ConnectionRefusedError("connection refused")
    >>> asyncio.run(reachable("bucket 'b'", refused, timeout=5, keep=0)(None))
    "bucket 'b' unreachable: ConnectionRefusedError: connection refused"
    >>> asyncio.run(reachable("bucket 'b'", lambda: None, timeout=5, keep=0)(None)) is None
    True
    """

    async def call(app: FastAPI) -> str | None:
        try:
            await asyncio.wait_for(asyncio.to_thread(probe), timeout)
        except TimeoutError:
            return f"{what} unreachable: no answer within {timeout:g} s"
        except Exception as exc:  # any failure means not ready; the reason says which
            return " ".join(f"{what} unreachable: {type(exc).__name__}: {exc}".split())
        return None

    return kept(call, keep)


def kept(check: Check, seconds: float) -> Check:
    """``check`` whose outcome is reused for ``seconds`` after it was found; callers that come
    while it runs wait for that run rather than start another."""
    lock = asyncio.Lock()
    last: list = []  # [(when found, reason)] once a run finished

    async def check_kept(app: FastAPI) -> str | None:
        async with lock:
            if not last or time.monotonic() - last[0][0] >= seconds:
                last[:] = [(time.monotonic(), await check(app))]
            return last[0][1]

    return check_kept


def writable(path: Path) -> Check:
    """Ready while ``path`` takes a small write (a full or read-only disk is not)."""

    async def check(app: FastAPI) -> str | None:
        return await asyncio.to_thread(probe_write, path)

    return check


def probe_write(path: Path) -> str | None:
    """Write and remove a small file in ``path``; the reason when that fails.

    Examples
    --------
    >>> import tempfile
    >>> probe_write(Path(tempfile.mkdtemp())) is None
    True
    >>> probe_write(Path("/no/such/dir"))
    "state directory /no/such/dir failed: [Errno 2] No such file or directory: ..."
    """
    probe = path / ".ready-probe"
    try:
        with open(probe, "wb") as f:
            f.write(b"x" * 4096)
    except OSError as exc:
        return disk_reason(path, exc)
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    return None


def disk_reason(path: Path, exc: OSError) -> str:
    """One line naming what is wrong with the state directory."""
    if exc.errno in FULL:
        return f"state directory {path} is full: {exc.strerror}"
    if exc.errno in READ_ONLY:
        return f"state directory {path} is read-only or not writable: {exc.strerror}"
    return f"state directory {path} failed: {exc}"


def answer_507_when_disk_fails(app: FastAPI, path: Path) -> None:
    """A write that failed on the state directory (the journal first, so nothing changed)
    answers 507 when the disk is full and 503 otherwise, naming the cause, not a bare 500."""

    async def disk_failed(request: Request, exc: OSError) -> JSON:
        if exc.errno not in FULL | READ_ONLY | FAILED:
            raise exc  # not the disk: a plain 500, logged with its traceback
        status = 507 if exc.errno in FULL else 503
        detail = disk_reason(path, exc) + "; nothing was changed"
        return JSON({"detail": detail}, status_code=status)

    app.add_exception_handler(OSError, disk_failed)
