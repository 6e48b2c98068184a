import subprocess
import sys

import pytest
import yaml

from infra.tests import stack
from infra.tests.render import OVERLAYS, render
from libs.testkit import RedisServer
from libs.testkit.servers import REPO_ROOT


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, list[dict]]:
    """Every overlay rendered once: ``{"dev": [objects], "prod": [objects]}``."""
    return {o: render(o, tmp_path_factory.mktemp(f"render-{o}")) for o in OVERLAYS}


@pytest.fixture(scope="session")
def cluster_secrets(tmp_path_factory) -> list[dict]:
    """The Secrets (and namespaces) ``make secrets`` applies, as its ``--print`` writes them."""
    folder = tmp_path_factory.mktemp("credentials")
    done = subprocess.run(
        [sys.executable, "-m", "tools.cluster.credentials", "--print", "--folder", str(folder)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="session")
def cluster_redis(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("cluster-redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def services(rendered, cluster_redis, tmp_path_factory):
    """Ingestion, features and model as the dev overlay configures them, shared by the
    scheduled-job, Promtail and live Prometheus tests (the airline stream has 144 observations,
    more than they take together)."""
    started = stack.start(rendered["dev"], tmp_path_factory.mktemp("services"), cluster_redis.url)
    yield started
    stack.stop(started)
