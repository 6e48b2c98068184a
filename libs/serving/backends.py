"""Start-up checks and clients for the state backends the services share: Redis, STATE_DIR.

The redis client is imported only where Redis is used: it is a fifth of a service's import
time, and the embedded default needs none of it.
"""

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from fastapi import FastAPI
from starlette.requests import Request

from libs.serving.responses import JSON
from libs.serving.settings import StartupError

if TYPE_CHECKING:
    import redis.asyncio as aioredis

T = TypeVar("T")


def redis_client(url: str) -> "aioredis.Redis":
    """An asyncio client that never retries: a command whose reply was lost may have run (a Lua
    script that appended a value, say), and must not run twice."""
    import redis.asyncio as aioredis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return aioredis.Redis.from_url(
        url, socket_connect_timeout=1, socket_timeout=2, retry=Retry(NoBackoff(), 0)
    )


def check_redis(url: str) -> None:
    """Raise :class:`StartupError` unless the Redis at ``url`` answers a PING."""
    import redis

    try:
        with redis.Redis.from_url(url, socket_connect_timeout=2) as client:
            client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise StartupError(f"REDIS_URL {url} unreachable: {exc}") from None


def check_state_dir(path: Path) -> None:
    """Raise :class:`StartupError` unless ``path`` exists (or can be created) and is writable.

    Examples
    --------
    >>> check_state_dir(Path("/proc/no-such-dir"))
    Traceback (most recent call last):
    ...
    libs.serving.settings.StartupError: STATE_DIR /proc/no-such-dir unusable: ...
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StartupError(f"STATE_DIR {path} unusable: {exc}") from None
    if not os.access(path, os.W_OK):
        raise StartupError(f"STATE_DIR {path} is not writable")


def open_state(state_dir: Path, opener: Callable[[], T]) -> T:
    """``opener()``, the service opening and restoring its state under ``state_dir``; any
    failure (the directory locked by another process, unwritable, a corrupt snapshot) becomes
    a one-line :class:`StartupError`.

    Examples
    --------
    >>> open_state(Path("/state"), lambda: {}["snapshot"])
    Traceback (most recent call last):
    ...
    libs.serving.settings.StartupError: STATE_DIR /state unusable: KeyError: 'snapshot'
    """
    try:
        return opener()
    except Exception as exc:
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise StartupError(f"STATE_DIR {state_dir} unusable: {reason}") from None


def check_backend(redis_url: str | None, state_dir: Path) -> None:
    """The configured backend: Redis when ``redis_url`` is set, else files in ``state_dir``."""
    if redis_url:
        check_redis(redis_url)
    else:
        check_state_dir(state_dir)


async def redis_unavailable(request: Request, exc: Exception) -> JSON:
    """503 while Redis is down; the request changed nothing that was acknowledged."""
    return JSON({"detail": f"redis unavailable: {exc}"}, status_code=503)


def answer_503_when_redis_is_down(app: FastAPI) -> None:
    """Map Redis connection errors and timeouts to :func:`redis_unavailable`, when the app's
    settings configure a ``REDIS_URL``."""
    if not getattr(app.state.settings, "redis_url", None):
        return
    import redis

    app.add_exception_handler(redis.ConnectionError, redis_unavailable)
    app.add_exception_handler(redis.TimeoutError, redis_unavailable)
