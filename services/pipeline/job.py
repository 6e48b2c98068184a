"""The pipeline: pull observations, turn them into lag features, predict-then-learn on models.

``series_id`` and ``observation_id`` travel end to end, so a retried step is answered from the
service's idempotency record instead of being applied twice, and an observation handed out again
(its lease expired, or a failed run left it unacknowledged) is harmless.
"""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

from services.pipeline.client import JsonClient, StepError
from services.pipeline.records import Batch, Record, RunResult
from services.pipeline.settings import PipelineSettings
from services.pipeline.sharding import shard_of
from services.pipeline.source import Source


class Pipeline:
    """Drives one ingestion, one feature and one or more model services.

    With several model services (``MODEL_URLS``) every observation goes to each: the first
    one's answer gives the record's ``prediction`` (its champion); every model's own prediction
    is kept in ``predictions``, keyed by model name (``name@url`` when two services serve the
    same name). With shards (``MODEL_SHARD_URLS``) each observation goes to the shard owning its
    series only, and in batch mode the shards learn their parts of a batch in parallel.
    Observations are acknowledged to ingestion once every model answered for them (see
    :mod:`services.pipeline.source`).
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
        self.source = Source(self.ingestion, settings.stream, settings.consumer)
        self.seen: set[int] = set()
        # What every learning request carries: the stream's season (STREAM_SEASON), if any.
        season = settings.stream_season
        self.season = {"season": season} if season is not None else {}

    def n_lags(self) -> int:
        """The feature service's window size (observations before lags are complete)."""
        return int(self.features.get("/info", "features")[1]["n_lags"])

    def reset(self) -> None:
        """Rewind the ingestion stream to its first observation."""
        self.ingestion.post(f"/reset{self.stream_query}", None, "ingestion")

    def remaining(self) -> int:
        """Observations of the stream not acknowledged yet: what is left to learn."""
        status = self.source.status()
        return int(status["total"]) - int(status["acked"])

    def owners(self, series_id: str) -> list[JsonClient]:
        """The model services an observation of ``series_id`` goes to."""
        if self.sharded:
            return [self.models[shard_of(series_id, len(self.models))]]
        return self.models

    def prepare_batch(self, size: int | None) -> Batch:
        """Take up to ``size`` observations and their lag features (``None``: one, through
        ``/next`` and ``/add``); empty when nothing is there to take now. Observations this run
        learned already (a lease of its own that expired meanwhile) are only acknowledged
        again."""
        taken = self.source.take(size)
        observations = [o for o in taken if o["observation_id"] not in self.seen]
        again = [o["observation_id"] for o in taken if o["observation_id"] in self.seen]
        self.seen.update(o["observation_id"] for o in observations)
        if not observations:
            return Batch([], [], [], again)
        adds = [
            {
                "series_id": o.get("series_id") or "default",
                "value": o["target"],
                "observation_id": o["observation_id"],
                **self.season,
            }
            for o in observations
        ]
        if size is None:
            feats = [self.features.post("/add", add, "features")[1] for add in adds]
        else:
            feats = self.features.post("/add_batch", {"items": adds}, "features")[1]["results"]
        items = [
            {
                "features": f["features"],
                "target": f["target"],
                "series_id": a["series_id"],
                "observation_id": a["observation_id"],
                **self.season,
            }
            for f, a in zip(feats, adds, strict=True)
        ]
        return Batch(observations, feats, items, again)

    def learn_batch(self, batch: Batch, batched: bool = True) -> list[Record]:
        """Predict-then-learn a prepared batch on every model, in order (``batched=False``:
        one ``/predict_learn`` per item); acknowledge it."""
        if self.sharded:
            records = self._learn_sharded(batch, batched)
        else:
            per_model = [_learn_items(m, batch.items, batched) for m in self.models]
            records = [
                self._record(o, f, self.models, list(answers))
                for o, f, *answers in zip(
                    batch.observations, batch.features, *per_model, strict=True
                )
            ]
        self.source.learned([r.observation_id for r in records] + batch.again)
        return records

    def _learn_sharded(self, batch: Batch, batched: bool) -> list[Record]:
        """Each shard learns its series' items (in stream order), the shards in parallel."""
        owner = [shard_of(item["series_id"], len(self.models)) for item in batch.items]
        positions: dict[int, list[int]] = {}
        for i, shard in enumerate(owner):
            positions.setdefault(shard, []).append(i)
        futures = {
            shard: self._shard_pool.submit(
                _learn_items, self.models[shard], [batch.items[i] for i in where], batched
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
        """Process at most ``limit`` observations (all when ``None``) or until every observation
        of the stream is acknowledged. First takes back what an earlier run left unfinished."""
        result = RunResult()
        start = time.perf_counter()
        self.source.release()
        self._run_stages(result, limit, batch_size, progress)
        self.source.flush()
        result.seconds = time.perf_counter() - start
        result.retries = sum(c.retried for c in (self.ingestion, self.features, *self.models))
        return result

    def _finished(self) -> bool:
        """Nothing to take now: done when every observation is acknowledged; otherwise leases
        are out (another consumer's, or a killed run's), so wait for them to end."""
        if self.source.finished():
            return True
        time.sleep(self.settings.poll_seconds)
        return False

    def _run_stages(self, result: RunResult, limit, size: int | None, progress) -> None:
        """A two-stage pipeline, for batches of ``size`` and one observation at a time
        (``None``) alike: while the models learn batch k, a worker thread takes batch k+1 and
        computes its features, so the ingestion and feature services work on the other core.
        Each service still sees its requests in order, one at a time."""

        def want(done: int) -> int | None:
            return size if limit is None or size is None else min(size, limit - done)

        with ThreadPoolExecutor(1, thread_name_prefix="prepare") as pool:
            pending = pool.submit(self.prepare_batch, want(0))
            while pending is not None:
                batch = pending.result()
                if not batch.observations:
                    self.source.learned(batch.again)
                    if self._finished():
                        result.exhausted = True
                        return
                    pending = pool.submit(self.prepare_batch, want(len(result.records)))
                    continue
                taken = len(result.records) + len(batch.observations)
                more = limit is None or taken < limit
                pending = pool.submit(self.prepare_batch, want(taken)) if more else None
                result.records.extend(self.learn_batch(batch, batched=size is not None))
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


def _learn_items(model: JsonClient, items: list[dict], batched: bool = True) -> list[dict]:
    where = f"model {model.base_url}"
    if not batched:
        return [model.post("/predict_learn", item, where)[1] for item in items]
    return model.post("/predict_learn_batch", {"items": items}, where)[1]["results"]


__all__ = ["Pipeline", "Record", "RunResult", "StepError"]
