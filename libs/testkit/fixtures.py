"""pytest fixtures every test package shares, loaded as a plugin (``-p libs.testkit.fixtures``)."""

import pytest
import redis

from libs.testkit.servers import RedisServer


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """One real ``redis-server`` per test module, on a free loopback port, stopped by PID."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """The module's Redis, running again if a test stopped it, and emptied for each test."""
    if redis_server.proc.poll() is not None:
        redis_server.start()
    redis.Redis.from_url(redis_server.url).flushdb()
    return redis_server.url
