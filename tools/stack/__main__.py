"""``python -m tools.stack``: start the services, run the pipeline job over the stream, report.

Each run starts from empty state (``out/state``), so two runs give the same leaderboard.
``MODEL_NAMES`` picks the line-up (default: every model the service offers, baselines included),
``MODEL_SHARDS=N`` runs N model processes that share the series between them, and
``START_TIMEOUT_SECONDS`` (default 300) is how long a service may take to start: a slow machine
makes the run slower, not failed.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from libs.testkit.servers import REPO_ROOT, ServiceProcess
from services.model.models import CATALOG
from tools.stack.shards import shard_count, state_name

DEFAULT_LINEUP = ",".join(CATALOG)


def start_timeout(environ=os.environ) -> float:
    """``START_TIMEOUT_SECONDS``, default 300: the longest a service may take to start.

    Examples
    --------
    >>> start_timeout({}), start_timeout({"START_TIMEOUT_SECONDS": "12.5"})
    (300.0, 12.5)
    >>> start_timeout({"START_TIMEOUT_SECONDS": "soon"})
    Traceback (most recent call last):
    ...
    ValueError: START_TIMEOUT_SECONDS must be a positive number of seconds, got 'soon'
    """
    raw = environ.get("START_TIMEOUT_SECONDS", "300")
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise ValueError(f"START_TIMEOUT_SECONDS must be a positive number of seconds, got {raw!r}")
    return seconds


def start_services(
    out: Path, lineup: str, shards: int, timeout: float
) -> dict[str, ServiceProcess]:
    """Ingestion, features and ``shards`` model processes (``model``, or ``model-<k>``)."""
    state = out / "state"
    shutil.rmtree(state, ignore_errors=True)
    logs = out / "logs"
    env = {"MODEL_NAMES": lineup, "CHAMPION": os.environ.get("CHAMPION", "best")}
    services = {
        name: ServiceProcess(name, logs, {"STATE_DIR": str(state / name)})
        for name in ("ingestion", "features")
    }
    for k in range(shards):
        name = "model" if shards == 1 else f"model-{k}"
        state_dir = str(state / state_name(k, shards))
        services[name] = ServiceProcess("model", logs, {"STATE_DIR": state_dir, **env})
    try:
        with ThreadPoolExecutor(len(services)) as pool:
            list(pool.map(lambda s: s.start(timeout), services.values()))
    except RuntimeError:
        for service in services.values():
            service.stop()
        raise
    return services


def service_urls(services: dict[str, ServiceProcess]) -> dict[str, str]:
    """The pipeline's environment: one ``MODEL_URL``, or the shards in order."""
    urls = {n: s.url for n, s in services.items()}
    shards = [url for name, url in urls.items() if name.startswith("model-")]
    models = {"MODEL_SHARD_URLS": ",".join(shards)} if shards else {"MODEL_URL": urls["model"]}
    return {"INGESTION_URL": urls["ingestion"], "FEATURES_URL": urls["features"], **models}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.stack", description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "out")
    parser.add_argument("--batch", type=int, default=None, help="use the batch endpoints")
    args = parser.parse_args(argv)
    lineup = os.environ.get("MODEL_NAMES", DEFAULT_LINEUP)
    started = time.perf_counter()
    try:
        shards, timeout = shard_count(), start_timeout()
    except ValueError as exc:
        print(f"make run: {exc}", file=sys.stderr)
        return 2
    try:
        services = start_services(args.out, lineup, shards, timeout)
    except RuntimeError as exc:
        print(f"make run: {exc}", file=sys.stderr)
        return 1
    try:
        urls = service_urls(services)
        print("services: " + ", ".join(f"{n} {s.url}" for n, s in services.items()))
        job = [sys.executable, "-m", "services.pipeline", "--reset", "--report", str(args.out)]
        if args.batch:
            job += ["--batch", str(args.batch)]
        code = subprocess.call(job, env={**os.environ, **urls}, cwd=REPO_ROOT)
    finally:
        for service in services.values():
            service.stop()
    if code == 0:
        print(f"report: {args.out / 'report.json'}, {args.out / 'report.png'}")
        print(f"done in {time.perf_counter() - started:.1f}s")
    return code


if __name__ == "__main__":
    sys.exit(main())
