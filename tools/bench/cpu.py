"""``python -m tools.bench.cpu``: the pipeline's rate and each process's CPU per observation.

Starts ingestion, features and a ``linear_regression`` model (processes on loopback), then
runs the job over live streams of ``--n`` observations, one observation per request and in
batches, in alternating rounds, and prints per round the rate and the CPU microseconds each
service and the job spent per observation (``/proc/<pid>/stat``), then the medians.

It uses only what every version of the project has had since live streams (the test kit's
``ServiceProcess``, ``Pipeline(settings).run``, ``POST /streams/{stream}/observations``), so
the same file measures an older checkout too, with that checkout's interpreter and code::

    git worktree add ../before <commit> && (cd ../before && make venv)
    (cd ../before && PYTHONPATH=. .venv/bin/python "$OLDPWD/tools/bench/cpu.py")
"""

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from libs.testkit.servers import ServiceProcess
from services.pipeline.job import Pipeline
from services.pipeline.settings import PipelineSettings

SERVICES = ("ingestion", "features", "model")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def series(n: int) -> list[float]:
    season = [40 * math.sin(2 * math.pi * m / 12) for m in range(12)]
    return [200 + 0.5 * t + season[t % 12] + 7 * math.sin(t * 1.7) for t in range(n)]


def measure(servers: dict, stream: str, values: list[float], batch: int | None) -> dict:
    """One run of the job over a fresh live stream: its rate and CPU per observation."""
    observations = [{"input": f"t{i}", "target": y} for i, y in enumerate(values)]
    url = servers["ingestion"].url
    httpx.post(f"{url}/streams/{stream}/observations", json={"observations": observations})
    settings = PipelineSettings(
        ingestion_url=url,
        features_url=servers["features"].url,
        model_url=servers["model"].url,
        stream=stream,
        timeout_seconds=300,
    )
    before = {name: cpu_seconds(s.proc.pid) for name, s in servers.items()}
    job_before = time.process_time()
    pipeline = Pipeline(settings)
    try:
        result = pipeline.run(batch_size=batch)
    finally:
        pipeline.close()
    n = len(result.records)
    figures = {
        name: (cpu_seconds(s.proc.pid) - before[name]) / n * 1e6 for name, s in servers.items()
    }
    figures["job"] = (time.process_time() - job_before) / n * 1e6
    figures["rate"] = n / result.seconds
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.cpu", description=__doc__)
    parser.add_argument("--n", type=int, default=6000, help="observations per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-cpu-"))
    servers = {
        name: ServiceProcess(
            name,
            workdir,
            {"STATE_DIR": str(workdir / name), "MODEL_NAME": "linear_regression"},
        )
        for name in SERVICES
    }
    values, runs = series(args.n), {"one by one": [], f"batches of {args.batch}": []}
    try:
        for server in servers.values():
            server.start()
        measure(servers, "warm-up", values[:500], args.batch)
        for r in range(args.rounds):
            for kind, batch in (("one by one", None), (f"batches of {args.batch}", args.batch)):
                figures = measure(servers, f"r{r}-{batch}", values, batch)
                runs[kind].append(figures)
                cpu = "  ".join(f"{k} {v:.0f}" for k, v in figures.items() if k != "rate")
                print(f"round {r + 1} {kind}: {figures['rate']:,.0f} obs/s; CPU us/obs: {cpu}")
    finally:
        for server in servers.values():
            server.stop()
    for kind, figures in runs.items():
        median = {k: statistics.median(f[k] for f in figures) for k in figures[0]}
        cpu = "  ".join(f"{k} {v:.0f}" for k, v in median.items() if k != "rate")
        print(f"median {kind}: {median['rate']:,.0f} obs/s; CPU us/obs: {cpu}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
