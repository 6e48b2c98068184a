"""``python -m tools.bench.startup``: the model service's start-up against a minimal FastAPI app.

Each round starts, in turn, ``python -m uvicorn --factory tools.bench.ceiling:create_app`` (a
minimal FastAPI app, uvicorn's defaults) and ``python -m services.model`` (embedded defaults,
empty state) and times process start to the first 2xx of ``/openapi.json`` and ``/health``; for
the model also to ``/readyz`` 200 (its warm-up built the models, importing River) and to its
first ``/predict_learn`` answer, sent once ``/readyz`` is 200, and that answer's own latency.
Prints each round and the medians.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from libs.testkit import ManagedProcess, free_port
from libs.testkit.servers import REPO_ROOT

LEARN = {"features": {f"in_{k}": 1.0 for k in range(1, 13)}, "target": 1.0}


def until_ok(call, proc: ManagedProcess, limit: float = 300.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.proc.poll() is not None:
            raise RuntimeError(f"{proc.argv} exited: {proc.log()[-2000:]}")
        try:
            if call().is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.01)
    raise TimeoutError(f"{proc.argv} not ready after {limit}s")


def start(argv: list[str], env: dict, log: Path) -> tuple[ManagedProcess, float]:
    began = time.perf_counter()
    return ManagedProcess(argv, log, env=env, cwd=REPO_ROOT).start(), began


def minimal(tmp: Path) -> float:
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "--factory", "tools.bench.ceiling:create_app"]
    proc, began = start([*argv, "--port", str(port)], {}, tmp / "minimal.log")
    try:
        until_ok(lambda: httpx.get(f"http://127.0.0.1:{port}/openapi.json"), proc)
        return time.perf_counter() - began
    finally:
        proc.stop()


def model(tmp: Path, round_: int) -> tuple[float, float, float, float]:
    port = free_port()
    env = {"PORT": str(port), "STATE_DIR": str(tmp / f"state-{round_}")}
    proc, began = start([sys.executable, "-m", "services.model"], env, tmp / "model.log")
    url = f"http://127.0.0.1:{port}"
    try:
        until_ok(lambda: httpx.get(f"{url}/health"), proc)
        health = time.perf_counter() - began
        until_ok(lambda: httpx.get(f"{url}/readyz"), proc)
        ready = time.perf_counter() - began
        until_ok(lambda: httpx.post(f"{url}/predict_learn", json=LEARN, timeout=60), proc)
        first = time.perf_counter() - began
        return health, ready, first, first - ready
    finally:
        proc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.startup", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    bare, health, ready, learn, latency = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            bare.append(minimal(Path(tmp)))
            h, r_, first, took = model(Path(tmp), r)
            for values, value in zip(
                (health, ready, learn, latency), (h, r_, first, took), strict=True
            ):
                values.append(value)
            print(
                f"round {r + 1}: minimal FastAPI {bare[-1]:.2f}s  model /health {h:.2f}s "
                f"({h / bare[-1]:.2f}x)  /readyz {r_:.2f}s  first /predict_learn {first:.2f}s "
                f"(its latency {took:.2f}s)",
                flush=True,
            )
    m = statistics.median
    print(
        f"median: minimal FastAPI {m(bare):.2f}s, model /health {m(health):.2f}s "
        f"({m(h / b for h, b in zip(health, bare, strict=True)):.2f}x), "
        f"/readyz {m(ready):.2f}s, first /predict_learn {m(learn):.2f}s "
        f"(its latency {m(latency):.2f}s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
