"""The pipeline: pull observations, turn them into lag features, predict-then-learn on models.

``series_id`` and ``observation_id`` travel end to end, so a retried step is answered from the
service's idempotency record instead of being applied twice.
"""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from services.pipeline.client import JsonClient, StepError
from services.pipeline.settings import PipelineSettings
from services.pipeline.sharding import shard_of


@dataclass
class Record:
    """What the pipeline saw and got back for one observation."""

    observation_id: int
    series_id: str
    input: str
    target: float
    available_lags: int
    prediction: float
    predictions: dict[str, float]


@dataclass
class Batch:
    """Observations taken from ingestion, their features, and the model requests they make."""

    observations: list[dict]
    features: list[dict]
    items: list[dict]


@dataclass
class RunResult:
    records: list[Record] = field(default_factory=list)
    exhausted: bool = False
    seconds: float = 0.0
    retries: int = 0


class Pipeline:
    """Drives one ingestion, one feature and one or more model services.

    With several model services (``MODEL_URLS``) every observation goes to each: the first
    one's answer gives the record's ``prediction`` (its champion); every model's own prediction
    is kept in ``predictions``, keyed by model name (``name@url`` when two services serve the
    same name). With shards (``MODEL_SHARD_URLS``) each observation goes to the shard owning its
    series only, and in batch mode the shards learn their parts of a batch in parallel.
    """

    def __init__(self, settings: PipelineSettings):
        self.settings = settings

        def client(url: str) -> JsonClient:
            return JsonClient(
                url,
                settings.retries,
                settings.backoff_seconds,
                settings.timeout_seconds,
                settings.admin_token,
            )

        self.ingestion = client(settings.ingestion_url)
        self.features = client(settings.features_url)
        self.models = [client(url) for url in settings.models]
        self.sharded = bool(settings.shards)
        self._shard_pool = ThreadPoolExecutor(len(self.models)) if self.sharded else None
        self.stream_query = f"?stream={settings.stream}" if settings.stream else ""

    def n_lags(self) -> int:
        """The feature service's window size (observations before lags are complete)."""
        return int(self.features.get("/info", "features")[1]["n_lags"])

    def reset(self) -> None:
        """Rewind the ingestion stream to its first observation."""
        self.ingestion.post(f"/reset{self.stream_query}", None, "ingestion")

    def remaining(self) -> int:
        """Observations the ingestion stream has not handed out yet."""
        return int(self.ingestion.get(f"/status{self.stream_query}", "ingestion")[1]["remaining"])

    def step(self) -> Record | None:
        """Process the next observation; ``None`` once the stream is exhausted."""
        path = f"/next{self.stream_query}"
        status, obs = self.ingestion.request("GET", path, None, "ingestion", idempotent=False)
        if status == 204 or obs is None:
            return None
        series = obs.get("series_id") or "default"
        oid = obs["observation_id"]
        add = {"series_id": series, "value": obs["target"], "observation_id": oid}
        feats = self.features.post("/add", add, "features")[1]
        learn = {
            "features": feats["features"],
            "target": feats["target"],
            "series_id": series,
            "observation_id": oid,
        }
        models = self.owners(series)
        answers = [m.post("/predict_learn", learn, f"model {m.base_url}")[1] for m in models]
        return self._record(obs, feats, models, answers)

    def owners(self, series_id: str) -> list[JsonClient]:
        """The model services an observation of ``series_id`` goes to."""
        if self.sharded:
            return [self.models[shard_of(series_id, len(self.models))]]
        return self.models

    def prepare_batch(self, size: int) -> Batch:
        """Take up to ``size`` observations and their lag features; empty when exhausted."""
        body = {"n": size, **({"stream": self.settings.stream} if self.settings.stream else {})}
        taken = self.ingestion.post("/next_batch", body, "ingestion", idempotent=False)[1]
        observations = taken["observations"]
        if not observations:
            return Batch([], [], [])
        adds = [
            {
                "series_id": o.get("series_id") or "default",
                "value": o["target"],
                "observation_id": o["observation_id"],
            }
            for o in observations
        ]
        feats = self.features.post("/add_batch", {"items": adds}, "features")[1]["results"]
        items = [
            {
                "features": f["features"],
                "target": f["target"],
                "series_id": a["series_id"],
                "observation_id": a["observation_id"],
            }
            for f, a in zip(feats, adds, strict=True)
        ]
        return Batch(observations, feats, items)

    def learn_batch(self, batch: Batch) -> list[Record]:
        """Predict-then-learn a prepared batch on every model, in order."""
        if self.sharded:
            return self._learn_sharded(batch)
        per_model = [_learn_items(m, batch.items) for m in self.models]
        return [
            self._record(o, f, self.models, list(answers))
            for o, f, *answers in zip(batch.observations, batch.features, *per_model, strict=True)
        ]

    def _learn_sharded(self, batch: Batch) -> list[Record]:
        """Each shard learns its series' items (in stream order), the shards in parallel."""
        owner = [shard_of(item["series_id"], len(self.models)) for item in batch.items]
        positions: dict[int, list[int]] = {}
        for i, shard in enumerate(owner):
            positions.setdefault(shard, []).append(i)
        futures = {
            shard: self._shard_pool.submit(
                _learn_items, self.models[shard], [batch.items[i] for i in where]
            )
            for shard, where in positions.items()
        }
        wait(futures.values())  # every shard done (or failed) before the batch counts as either
        answers: list[dict] = [{}] * len(owner)
        for shard, where in positions.items():
            for i, answer in zip(where, futures[shard].result(), strict=True):
                answers[i] = answer
        return [
            self._record(o, f, [self.models[s]], [a])
            for o, f, s, a in zip(batch.observations, batch.features, owner, answers, strict=True)
        ]

    def run(
        self,
        limit: int | None = None,
        batch_size: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> RunResult:
        """Process at most ``limit`` observations (all when ``None``) or until exhausted."""
        result = RunResult()
        start = time.perf_counter()
        if batch_size:
            self._run_batches(result, limit, batch_size, progress)
        else:
            while limit is None or len(result.records) < limit:
                record = self.step()
                if record is None:
                    result.exhausted = True
                    break
                result.records.append(record)
                if progress:
                    progress(len(result.records))
        result.seconds = time.perf_counter() - start
        result.retries = sum(c.retried for c in (self.ingestion, self.features, *self.models))
        return result

    def _run_batches(self, result: RunResult, limit, size: int, progress) -> None:
        """Batches in a two-stage pipeline: while the models learn batch k, a worker thread takes
        batch k+1 and computes its features, so the ingestion and feature services work on the
        other core. Each service still sees its batches in order."""

        def want(done: int) -> int:
            return size if limit is None else min(size, limit - done)

        with ThreadPoolExecutor(1, thread_name_prefix="prepare") as pool:
            pending = pool.submit(self.prepare_batch, want(0))
            while pending is not None:
                batch = pending.result()
                if not batch.observations:
                    result.exhausted = True
                    return
                taken = len(result.records) + len(batch.observations)
                more = limit is None or taken < limit
                pending = pool.submit(self.prepare_batch, want(taken)) if more else None
                result.records.extend(self.learn_batch(batch))
                if progress:
                    progress(len(result.records))

    def close(self) -> None:
        for c in (self.ingestion, self.features, *self.models):
            c.close()
        if self._shard_pool is not None:
            self._shard_pool.shutdown()

    def _record(
        self, obs: dict, feats: dict, models: list[JsonClient], answers: list[dict]
    ) -> Record:
        predictions: dict[str, float] = {}
        for model, answer in zip(models, answers, strict=True):
            if answer.get("failed"):
                failed = ", ".join(answer["failed"])
                raise StepError(
                    f"model {model.base_url}",
                    f"{failed} failed on observation {obs['observation_id']}",
                )
            for name, value in (
                answer.get("predictions") or {answer["model"]: answer["prediction"]}
            ).items():
                key = name if name not in predictions else f"{name}@{model.base_url}"
                predictions[key] = value
        return Record(
            observation_id=obs["observation_id"],
            series_id=obs.get("series_id") or "default",
            input=str(obs.get("input", "")),
            target=float(obs["target"]),
            available_lags=int(feats["available_lags"]),
            prediction=float(answers[0]["prediction"]),
            predictions=predictions,
        )


def _learn_items(model: JsonClient, items: list[dict]) -> list[dict]:
    return model.post("/predict_learn_batch", {"items": items}, f"model {model.base_url}")[1][
        "results"
    ]


__all__ = ["Pipeline", "Record", "RunResult", "StepError"]
