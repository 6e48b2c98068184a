"""``python -m tools.bench``: pipeline throughput and latency against River in a plain loop.

Every figure comes from the same run on the same machine: the services run as real processes
on loopback, each phase on fresh state, and the plain loop runs the same model over the same
stream in this process. Ratios are what to compare across machines, not absolute times.
"""

import argparse
import math
import shutil
import statistics
import sys
import tempfile
import time
from collections import deque
from contextlib import contextmanager
from pathlib import Path

from libs.serving import tune_gc
from libs.testkit.servers import ServiceProcess
from services.model.models import build_model
from services.pipeline.client import JsonClient
from services.pipeline.job import Pipeline
from services.pipeline.settings import PipelineSettings

N_LAGS = 12


def synthetic_series(n: int) -> list[float]:
    """A deterministic monthly-like series: trend, yearly season, a little pseudo-noise."""
    season = [40 * math.sin(2 * math.pi * m / 12) for m in range(12)]
    return [200 + 0.5 * t + season[t % 12] + 7 * math.sin(t * 1.7) for t in range(n)]


def river_loop(model_name: str, values: list[float]) -> float:
    """Observations per second of lags + predict_one + learn_one + MAE in a plain loop."""
    from river import metrics

    model, mae, window = build_model(model_name), metrics.MAE(), deque(maxlen=N_LAGS)
    start = time.perf_counter()
    for y in values:
        x = {f"in_{k}": window[-k] if k <= len(window) else 0.0 for k in range(1, N_LAGS + 1)}
        prediction = model.predict_one(x)
        mae.update(y, prediction if prediction is not None else 0.0)
        model.learn_one(x, y)
        window.append(y)
    return len(values) / (time.perf_counter() - start)


@contextmanager
def stack(workdir: Path, dataset: Path, model_name: str):
    """The three services on fresh state; yields pipeline settings pointing at them."""
    state = Path(tempfile.mkdtemp(dir=workdir))
    env = {"DATASET_PATH": str(dataset)}
    services = [
        ServiceProcess("ingestion", state, {"STATE_DIR": str(state / "i"), **env}),
        ServiceProcess("features", state, {"STATE_DIR": str(state / "f")}),
        ServiceProcess("model", state, {"STATE_DIR": str(state / "m"), "MODEL_NAME": model_name}),
    ]
    try:
        for service in services:
            service.start()
        ingestion, features, model = (s.url for s in services)
        yield PipelineSettings(ingestion_url=ingestion, features_url=features, model_url=model)
    finally:
        for service in services:
            service.stop()


def pipeline_rate(settings: PipelineSettings, batch: int | None) -> float:
    pipeline = Pipeline(settings)
    try:
        result = pipeline.run(batch_size=batch)
    finally:
        pipeline.close()
    return len(result.records) / result.seconds


def best_pipeline_rate(workdir: Path, dataset: Path, args, batch: int | None) -> float:
    """The best of ``args.repeat`` runs, each over the whole stream on freshly started services."""
    rates = []
    for _ in range(args.repeat):
        with stack(workdir, dataset, args.model) as settings:
            rates.append(pipeline_rate(settings, batch))
    return max(rates)


def predict_learn_latency(settings: PipelineSettings, values: list[float]) -> tuple[float, float]:
    """p50 and p99 of ``/predict_learn`` in milliseconds, one keep-alive client, in sequence."""
    client, window, times = JsonClient(settings.model_url), deque(maxlen=N_LAGS), []
    for oid, y in enumerate(values, start=1):
        x = {f"in_{k}": window[-k] if k <= len(window) else 0.0 for k in range(1, N_LAGS + 1)}
        body = {"features": x, "target": y, "observation_id": oid}
        start = time.perf_counter()
        client.post("/predict_learn", body, "model")
        times.append((time.perf_counter() - start) * 1000)
        window.append(y)
    client.close()
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[98]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__)
    parser.add_argument("--n", type=int, default=3000, help="observations per phase")
    parser.add_argument("--batch", type=int, default=500, help="batch size of the batch phase")
    parser.add_argument("--model", default="linear_regression")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per throughput measure, the best kept: the River loop and each pipeline "
        "phase alike (a pipeline run on fresh services each time)",
    )
    args = parser.parse_args(argv)
    # The GC settings of the services and of ``python -m services.pipeline``, for both sides of
    # the comparison (the plain loop measured the same with Python's defaults).
    tune_gc()

    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        values = synthetic_series(args.n)
        dataset = workdir / "series.csv"
        dataset.write_text(
            "input,target\n" + "".join(f"t{i},{v!r}\n" for i, v in enumerate(values))
        )
        loop = max(river_loop(args.model, values) for _ in range(args.repeat))
        single = best_pipeline_rate(workdir, dataset, args, None)
        batched = best_pipeline_rate(workdir, dataset, args, args.batch)
        with stack(workdir, dataset, args.model) as settings:
            p50, p99 = predict_learn_latency(settings, values)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    command = "python -m tools.bench " + " ".join(argv if argv is not None else sys.argv[1:])
    rows = [
        ("River plain loop (lags, predict, learn, MAE)", f"{loop:,.0f} obs/s", "1.00"),
        ("pipeline, one observation per request (3 hops)", f"{single:,.0f} obs/s",
         f"{single / loop:.3f}"),
        (f"pipeline, batch endpoints ({args.batch} per request)", f"{batched:,.0f} obs/s",
         f"{batched / loop:.3f}"),
        ("/predict_learn latency, one client", f"p50 {p50:.2f} ms, p99 {p99:.2f} ms", ""),
    ]  # fmt: skip
    print(
        f"$ {command.strip()}   (model {args.model}, {args.n} observations per phase, "
        f"throughput: best of {args.repeat} runs)"
    )
    print(f"| {'measure':<50} | {'result':<28} | vs River loop |")
    print(f"|{'-' * 52}|{'-' * 30}|---------------|")
    for name, value, ratio in rows:
        print(f"| {name:<50} | {value:<28} | {ratio:<13} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
