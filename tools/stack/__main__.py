"""``python -m tools.stack``: start the services, run the pipeline job over the stream, report.

Each run starts from empty state (``out/state``), so two runs give the same leaderboard.
``MODEL_NAMES`` picks the line-up (default: every model the service offers, baselines included).
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

DEFAULT_LINEUP = ",".join(CATALOG)


def start_services(out: Path, lineup: str) -> dict[str, ServiceProcess]:
    state = out / "state"
    shutil.rmtree(state, ignore_errors=True)
    logs = out / "logs"
    env = {"MODEL_NAMES": lineup, "CHAMPION": os.environ.get("CHAMPION", "best")}
    services = {
        name: ServiceProcess(name, logs, {"STATE_DIR": str(state / name), **extra})
        for name, extra in (("ingestion", {}), ("features", {}), ("model", env))
    }
    try:
        with ThreadPoolExecutor(len(services)) as pool:
            list(pool.map(lambda s: s.start(), services.values()))
    except RuntimeError:
        for service in services.values():
            service.stop()
        raise
    return services


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.stack", description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "out")
    parser.add_argument("--batch", type=int, default=None, help="use the batch endpoints")
    args = parser.parse_args(argv)
    lineup = os.environ.get("MODEL_NAMES", DEFAULT_LINEUP)
    started = time.perf_counter()
    try:
        services = start_services(args.out, lineup)
    except RuntimeError as exc:
        print(f"make run: {exc}", file=sys.stderr)
        return 1
    try:
        urls = {f"{n.upper()}_URL": s.url for n, s in services.items()}
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
