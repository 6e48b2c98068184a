"""Real servers for tests and local runs: free loopback ports, processes started and stopped by PID.

Tests use real redis-server, prometheus and the services themselves rather than mocks. A server
binary that is not installed makes the test skip with the reason on a developer machine and fail
under CI (``CI`` set), where ``.ci/run`` must have installed it. Servers get
``TESTKIT_START_TIMEOUT`` seconds (default 120) to become ready.
"""

from libs.testkit.interpreter import REPO_ROOT, python_command, python_path
from libs.testkit.process import (
    ManagedProcess,
    free_port,
    require_binary,
    start_timeout,
    wait_http,
    wait_until,
)
from libs.testkit.prometheus import PrometheusServer
from libs.testkit.s3 import S3Server
from libs.testkit.servers import RedisServer, ServiceProcess, run_service

__all__ = [
    "REPO_ROOT",
    "ManagedProcess",
    "PrometheusServer",
    "RedisServer",
    "S3Server",
    "ServiceProcess",
    "free_port",
    "python_command",
    "python_path",
    "require_binary",
    "run_service",
    "start_timeout",
    "wait_http",
    "wait_until",
]
