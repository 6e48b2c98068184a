"""What the bench measures: each function runs one phase once and returns its rate.

The plain loop runs in this process; every other phase drives services running as processes on
loopback, on series nothing has seen before (a live stream per phase and round), so no phase
inherits another's state.
"""

import math
import statistics
import time
from collections import deque

import httpx
import orjson

from libs.lag_features.contract import lag_names
from services.model.models import build_model
from services.pipeline.connection import Connection
from services.pipeline.job import Pipeline
from services.pipeline.settings import PipelineSettings

N_LAGS = 12
NAMES = lag_names(N_LAGS)
APPEND_CHUNK = 10_000  # the most observations one append request takes


def synthetic_series(n: int, phase: float = 0.0) -> list[float]:
    """A deterministic monthly-like series: trend, yearly season, a little pseudo-noise."""
    season = [40 * math.sin(2 * math.pi * m / 12 + phase) for m in range(12)]
    return [200 + 0.5 * t + season[t % 12] + 7 * math.sin(t * 1.7 + phase) for t in range(n)]


def lags(window: deque) -> dict[str, float]:
    return {name: window[-k] if k <= len(window) else 0.0 for k, name in enumerate(NAMES, 1)}


def river_loop(model_name: str, values: list[float]) -> float:
    """Observations per second of lags + predict_one + learn_one + MAE in a plain loop."""
    from river import metrics

    model, mae, window = build_model(model_name), metrics.MAE(), deque(maxlen=N_LAGS)
    start = time.perf_counter()
    for y in values:
        x = lags(window)
        prediction = model.predict_one(x)
        mae.update(y, prediction if prediction is not None else 0.0)
        model.learn_one(x, y)
        window.append(y)
    return len(values) / (time.perf_counter() - start)


def parallel_capacity(pool, model_name: str, values: list[float]) -> float:
    """How much more two processes get done than one on this machine right now: the same
    plain loop once alone, then twice at once in ``pool``'s two worker processes. About 2 on an
    idle two-core machine; near 1 when neighbours take the second core (the shard comparison's
    ceiling at that moment)."""
    start = time.perf_counter()
    pool.submit(river_loop, model_name, values).result()
    alone = time.perf_counter() - start
    start = time.perf_counter()
    both = [pool.submit(river_loop, model_name, values) for _ in range(2)]
    for future in both:
        future.result()
    return 2 * alone / (time.perf_counter() - start)


def append_stream(ingestion_url: str, stream: str, observations: list[dict]) -> None:
    """Give the ingestion service a live stream to hand out (not timed)."""
    for i in range(0, len(observations), APPEND_CHUNK):
        chunk = {"observations": observations[i : i + APPEND_CHUNK]}
        answer = httpx.post(f"{ingestion_url}/streams/{stream}/observations", json=chunk)
        answer.raise_for_status()


def pipeline_rate(settings: PipelineSettings, batch: int | None) -> float:
    """Observations per second of the job over its whole stream."""
    pipeline = Pipeline(settings)
    try:
        result = pipeline.run(batch_size=batch)
    finally:
        pipeline.close()
    if result.retries:
        raise RuntimeError(f"{result.retries} retries: the figure would measure the retries")
    return len(result.records) / result.seconds


def post_rate(url: str, path: str, bodies: list[dict]) -> tuple[float, list[float]]:
    """Requests per second of one keep-alive client posting ``bodies`` in sequence, and each
    request's time in milliseconds (JSON encoding included, as in the job)."""
    host, port = url.removeprefix("http://").split(":")
    conn, times = Connection(host, int(port), timeout=30), []
    try:
        start = time.perf_counter()
        for body in bodies:
            sent = time.perf_counter()
            status, _ = conn.request("POST", path, orjson.dumps(body))
            times.append((time.perf_counter() - sent) * 1000)
            if status != 200:
                raise RuntimeError(f"{url}{path} answered {status}")
        return len(bodies) / (time.perf_counter() - start), times
    finally:
        conn.close()


def learn_bodies(values: list[float], series_id: str) -> list[dict]:
    """``/predict_learn`` bodies of a series, with its lags and observation ids."""
    window, bodies = deque(maxlen=N_LAGS), []
    for oid, y in enumerate(values, start=1):
        bodies.append({"features": lags(window), "target": y, "series_id": series_id,
                       "observation_id": oid})  # fmt: skip
        window.append(y)
    return bodies


def percentiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[98]


def seed_pipeline_rate(ingestion: str, features: str, model: str) -> float:
    """The straightforward job against the straightforward services: httpx, one request per
    hop, over the whole data set after resetting every service (the reset is not timed)."""
    with httpx.Client(timeout=30) as client:
        for url in (ingestion, features, model):
            client.post(f"{url}/reset").raise_for_status()
        done, start = 0, time.perf_counter()
        while (obs := client.get(f"{ingestion}/next")).status_code == 200:
            target = obs.json()["target"]
            add = client.post(f"{features}/add", json={"series_id": "default", "value": target})
            body = {"features": add.json()["features"], "target": target}
            client.post(f"{model}/predict_learn", json=body).raise_for_status()
            done += 1
        return done / (time.perf_counter() - start)
