"""``python -m tools.feast_bench``: the pipeline one observation at a time, with and without Feast.

Starts redis-server, ``weed mini`` (S3) and ``feast serve`` over ``infra/feast/feature_repo``
on loopback (``libs/testkit``), then runs the pipeline over the same synthetic series on fresh
services, alternating runs with ``FEAST_URL`` set and unset, and keeps the best of each. After
each run with Feast it waits until every window is in Feast, and reports how long that took.
"""

import argparse
import math
import os
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from libs.serving import tune_gc
from libs.testkit import RedisServer, S3Server, ServiceProcess
from libs.testkit.feast import FeastServer
from services.pipeline.job import Pipeline
from services.pipeline.settings import PipelineSettings


def series(n: int) -> list[float]:
    """A deterministic monthly-like series: trend, yearly season, a little pseudo-noise."""
    return [
        200 + 0.5 * t + 40 * math.sin(2 * math.pi * t / 12) + 7 * math.sin(t * 1.7)
        for t in range(n)
    ]


def queue_empty(features: ServiceProcess, windows: int) -> bool:
    text = httpx.get(f"{features.url}/metrics").text
    pushed = depth = 0.0
    for line in text.splitlines():
        if line.startswith("features_feast_pushes_total "):
            pushed = float(line.split()[1])
        elif line.startswith("features_feast_queue_depth "):
            depth = float(line.split()[1])
    return pushed >= windows and depth == 0


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the processes ``pids`` have used so far."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    rate: float  # observations per second through the pipeline
    drain: float  # seconds from the last /add until Feast acknowledged every window
    features_cpu: float  # CPU µs per observation of the features service, drain included
    feast_cpu: float  # CPU µs per observation of the feature server, drain included


def run(workdir: Path, dataset: Path, n: int, feast: FeastServer | None) -> Run:
    """One pipeline run over the stream on fresh services, with ``FEAST_URL`` if ``feast``."""
    state = Path(tempfile.mkdtemp(dir=workdir))
    env = {"FEAST_URL": feast.url} if feast else {}
    with ExitStack() as stack:
        services = [
            ServiceProcess(
                "ingestion", state, {"STATE_DIR": str(state / "i"), "DATASET_PATH": str(dataset)}
            ),
            ServiceProcess("features", state, {"STATE_DIR": str(state / "f"), **env}),
            ServiceProcess("model", state, {"STATE_DIR": str(state / "m")}),
        ]
        for service in services:
            stack.callback(service.stop)
            service.start()
        # The first model a model service builds imports River: keep that out of the timing.
        warmup = {"series_id": "warmup", "features": {"in_1": 0.0}, "target": 0.0}
        httpx.post(f"{services[2].url}/predict_learn", json=warmup, timeout=300).raise_for_status()
        names = ("ingestion_url", "features_url", "model_url")
        pipeline = Pipeline(
            PipelineSettings(**dict(zip(names, (s.url for s in services), strict=True)))
        )
        stack.callback(pipeline.close)
        watched = [services[1].pid], feast.pids() if feast else []
        before = [cpu_seconds(pids) for pids in watched]
        result = pipeline.run()
        start = time.perf_counter()
        while feast and not queue_empty(services[1], n):
            time.sleep(0.01)
        drain = time.perf_counter() - start
        used = [(cpu_seconds(pids) - b) / n * 1e6 for pids, b in zip(watched, before, strict=True)]
        return Run(len(result.records) / result.seconds, drain, *used)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.feast_bench", description=__doc__)
    parser.add_argument("--n", type=int, default=3000, help="observations per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind, best kept")
    parser.add_argument(
        "--feast-nice",
        type=int,
        default=0,
        help="niceness of the feature server's processes: 19 approximates a feature server on "
        "its own cores (as in a cluster) on a machine the pipeline shares with it",
    )
    args = parser.parse_args(argv)
    tune_gc()
    workdir = Path(tempfile.mkdtemp(prefix="feast-bench-"))
    try:
        dataset = workdir / "series.csv"
        dataset.write_text(
            "input,target\n" + "".join(f"t{i},{v!r}\n" for i, v in enumerate(series(args.n)))
        )
        with ExitStack() as stack:
            redis = stack.enter_context(RedisServer(workdir / "redis"))
            s3 = stack.enter_context(S3Server(workdir / "s3", bucket="feast"))
            feast = stack.enter_context(FeastServer(workdir, redis.url, s3))
            for pid in feast.pids():
                os.setpriority(os.PRIO_PROCESS, pid, args.feast_nice)
            plain, pushed = [], []
            for _ in range(args.repeat):
                plain.append(run(workdir, dataset, args.n, None))
                pushed.append(run(workdir, dataset, args.n, feast))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    without = max(plain, key=lambda r: r.rate)
    with_feast = max(pushed, key=lambda r: r.rate)
    drains = [r.drain for r in pushed]
    print(
        f"$ python -m tools.feast_bench --n {args.n} --repeat {args.repeat} "
        f"--feast-nice {args.feast_nice}   (best of each)"
    )
    print(
        "| pipeline, one observation per request | obs/s | features CPU µs/obs | "
        "feature server CPU µs/obs |"
    )
    print("|---|---|---|---|")
    for name, r in (("without FEAST_URL", without), ("with FEAST_URL", with_feast)):
        print(f"| {name} | {r.rate:,.0f} | {r.features_cpu:.0f} | {r.feast_cpu:.0f} |")
    print(
        f"cost of pushing: {(1 - with_feast.rate / without.rate) * 100:.1f}% of the throughput; "
        f"every window in Feast {min(drains):.2f}-{max(drains):.2f} s after the last /add"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
