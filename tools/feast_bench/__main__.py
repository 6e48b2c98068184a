"""``python -m tools.feast_bench``: the pipeline one observation at a time, with and without Feast.

Starts redis-server, ``weed mini`` (S3) and ``feast serve`` over ``infra/feast/feature_repo``
on loopback (``libs/testkit``), then runs the pipeline over the same synthetic series on fresh
services, alternating runs with ``FEAST_URL`` set and unset, and keeps the best of each. After
each run with Feast it waits until every window is in Feast, and reports how long that took.
"""

import argparse
import math
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
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


def run(workdir: Path, dataset: Path, n: int, feast_url: str | None) -> tuple[float, float]:
    """Observations/s of one pipeline run on fresh services; seconds until Feast had them all."""
    state = Path(tempfile.mkdtemp(dir=workdir))
    feast = {"FEAST_URL": feast_url} if feast_url else {}
    with ExitStack() as stack:
        services = [
            ServiceProcess(
                "ingestion", state, {"STATE_DIR": str(state / "i"), "DATASET_PATH": str(dataset)}
            ),
            ServiceProcess("features", state, {"STATE_DIR": str(state / "f"), **feast}),
            ServiceProcess("model", state, {"STATE_DIR": str(state / "m")}),
        ]
        for service in services:
            stack.callback(service.stop)
            service.start()
        urls = dict(
            zip(
                ("ingestion_url", "features_url", "model_url"),
                (s.url for s in services),
                strict=True,
            )
        )
        pipeline = Pipeline(PipelineSettings(**urls))
        stack.callback(pipeline.close)
        result = pipeline.run()
        start = time.perf_counter()
        while feast_url and not queue_empty(services[1], n):
            time.sleep(0.01)
        return len(result.records) / result.seconds, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.feast_bench", description=__doc__)
    parser.add_argument("--n", type=int, default=3000, help="observations per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind, best kept")
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
            plain, pushed, lag = [], [], []
            for _ in range(args.repeat):
                plain.append(run(workdir, dataset, args.n, None)[0])
                rate, drained = run(workdir, dataset, args.n, feast.url)
                pushed.append(rate)
                lag.append(drained)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    without, with_feast = max(plain), max(pushed)
    print(f"$ python -m tools.feast_bench --n {args.n} --repeat {args.repeat}   (best of each)")
    print(f"pipeline, one observation per request, without FEAST_URL: {without:,.0f} obs/s")
    print(f"pipeline, one observation per request, with FEAST_URL:    {with_feast:,.0f} obs/s")
    print(f"cost of pushing: {(1 - with_feast / without) * 100:+.1f}% throughput")
    print(f"every window in Feast {min(lag):.2f}-{max(lag):.2f} s after the run's last /add")
    return 0


if __name__ == "__main__":
    sys.exit(main())
