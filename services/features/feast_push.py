"""Every computed window pushed to the Feast feature server, off the request path.

``/add`` hands its answers to :meth:`FeastPusher.push`, which only stamps and queues them: no
I/O, no waiting. One background task sends the queue in order over HTTP to the feature
server's ``POST /push`` (``to: online_and_offline``), in batches; a failed batch is retried with
exponential backoff, at the head of the queue, so every series reaches Feast in order. The
queue is bounded: past ``max_queue`` windows the oldest queued one is dropped, counted and
logged. On shutdown the queue is drained for up to ``drain_seconds``; what is left is counted
as dropped and logged. The Feast SDK is not imported: the wire format is plain JSON.
"""

import asyncio
import logging
import operator
import time
from collections import deque
from datetime import UTC, datetime, timedelta

import httpx
import orjson
from fastapi import HTTPException
from prometheus_client import CollectorRegistry, Counter, Gauge

log = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PERMANENT = frozenset(range(400, 500)) - {408, 425, 429}


def iso(micros: int) -> str:
    """An exact ISO-8601 UTC timestamp of ``micros`` microseconds since the epoch.

    >>> iso(1_700_000_000_000_001)
    '2023-11-14T22:13:20.000001+00:00'
    """
    return (EPOCH + timedelta(microseconds=micros)).isoformat(timespec="microseconds")


def push_to_feast(app, answers: list[dict]) -> None:
    """The request path's one call: queue the windows of ``answers`` when ``FEAST_URL`` is set."""
    if app.state.feast:
        app.state.feast.push(answers)


def micros(text: str) -> int:
    """Microseconds since the epoch of an ISO-8601 timestamp (Feast's ``...Z`` included).

    >>> micros("2023-11-14T22:13:20.000001Z"), micros(iso(1_700_000_000_000_000))
    (1700000000000001, 1700000000000000)
    """
    return (datetime.fromisoformat(text) - EPOCH) // timedelta(microseconds=1)


class FeastPusher:
    """Queue of windows ``(series_id, event time in µs, answer)`` and the task sending it.

    Event times are strictly increasing per series (the wall clock, nudged by one microsecond
    when it has not moved on), because Feast's Redis online store ignores a write that is not
    strictly newer than the stored one.
    """

    def __init__(self, url: str, n_lags: int, registry: CollectorRegistry, settings) -> None:
        self.url = url.rstrip("/")
        self.names = [f"in_{k}" for k in range(1, n_lags + 1)]
        self.settings = settings
        self.queue: deque = deque()
        self.inflight: list = []
        self.latest: dict[str, tuple[int, dict]] = {}
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.client: httpx.AsyncClient | None = None
        self.pushed = Counter(
            "features_feast_pushes_total", "Windows Feast acknowledged.", registry=registry
        )
        self.failures = Counter(
            "features_feast_push_failures_total",
            "Push requests to Feast that failed (each retry counts).",
            registry=registry,
        )
        self.dropped = Counter(
            "features_feast_dropped_total",
            "Windows never pushed: overflow of the bounded queue, rejected by Feast (4xx), or "
            "left when the shutdown drain timed out.",
            ["reason"],
            registry=registry,
        )
        Gauge(
            "features_feast_queue_depth", "Windows waiting to be pushed.", registry=registry
        ).set_function(self.depth)
        self._overflow_logged = 0.0
        self._second = (-1, "")
        getter = operator.itemgetter(*self.names)
        self.lags = getter if n_lags > 1 else lambda features: (getter(features),)

    def depth(self) -> int:
        return len(self.queue) + len(self.inflight)

    def push(self, answers: list[dict]) -> None:
        """Stamp and queue the fresh (non-duplicate) windows of one request; never blocks."""
        for answer in answers:
            if answer["duplicate"]:
                continue
            series_id = answer["series_id"]
            now = time.time_ns() // 1000
            last = self.latest.get(series_id)
            stamp = now if last is None or now > last[0] else last[0] + 1
            self.latest[series_id] = (stamp, answer)
            if self.depth() >= self.settings.feast_max_queue:
                self._overflow()
                if not self.queue:
                    continue
                self.queue.popleft()
            self.queue.append((series_id, stamp, answer))
        self.wake.set()

    def _overflow(self) -> None:
        self.dropped.labels("overflow").inc()
        now = time.monotonic()
        if now - self._overflow_logged >= 1.0:
            self._overflow_logged = now
            log.error(
                "feast queue full (%d windows): dropping the oldest; see "
                'features_feast_dropped_total{reason="overflow"}',
                self.settings.feast_max_queue,
            )

    def start(self) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per push
        self.client = httpx.AsyncClient(timeout=self.settings.feast_timeout_seconds)
        self.task = asyncio.create_task(self._run(), name="feast-push")
        self.task.add_done_callback(self._stopped)

    def _stopped(self, task: asyncio.Task) -> None:
        """A sender that dies (a bug, not Feast being down) must not go unnoticed."""
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "feast push task stopped: %r; windows queue up to the bound and are dropped",
                task.exception(),
                exc_info=task.exception(),
            )

    async def close(self) -> None:
        """Drain for up to ``feast_drain_seconds``, then stop; the rest is counted and logged."""
        deadline = time.monotonic() + self.settings.feast_drain_seconds
        while self.depth() and time.monotonic() < deadline and not self.task.done():
            await asyncio.sleep(0.02)
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.client.aclose()
        if self.depth():
            self.dropped.labels("shutdown").inc(self.depth())
            log.error("feast: %d windows not pushed before shutdown", self.depth())

    async def _run(self) -> None:
        backoff = self.settings.feast_backoff_seconds
        while True:
            if not self.queue and not self.inflight:
                self.wake.clear()
                await self.wake.wait()
            if not self.inflight and len(self.queue) < self.settings.feast_batch:
                # Fewer, larger pushes: Feast rewrites its offline file on every push.
                await asyncio.sleep(self.settings.feast_flush_seconds)
            while self.queue and len(self.inflight) < self.settings.feast_batch:
                self.inflight.append(self.queue.popleft())
            if await self._send(self.inflight):
                self.inflight = []
                backoff = self.settings.feast_backoff_seconds
            else:
                await asyncio.sleep(backoff)
                backoff = min(2 * backoff, self.settings.feast_backoff_max_seconds)

    async def _send(self, batch: list) -> bool:
        """One push; True when Feast took it (or rejected it for good: dropped, logged)."""
        body = orjson.dumps(
            {"push_source_name": self.settings.feast_push_source, "df": self.frame(batch),
             "to": "online_and_offline"}
        )  # fmt: skip
        try:
            response = await self.client.post(
                f"{self.url}/push", content=body, headers={"content-type": "application/json"}
            )
        except httpx.HTTPError as exc:
            self.failures.inc()
            log.warning("feast push of %d windows failed: %r; retrying", len(batch), exc)
            return False
        if response.is_success:
            self.pushed.inc(len(batch))
            return True
        self.failures.inc()
        if response.status_code in PERMANENT:
            self.dropped.labels("rejected").inc(len(batch))
            log.error("feast rejected %d windows: %s", len(batch), response.text[:500])
            return True
        log.warning(
            "feast push answered %d: %s; retrying", response.status_code, response.text[:500]
        )
        return False

    def frame(self, batch: list) -> dict[str, list]:
        """The push's ``df``: one column per field of the ``lag_features`` view."""
        series_ids, stamps, answers = zip(*batch, strict=True)
        frame = {"series_id": list(series_ids), "event_timestamp": list(map(self.iso, stamps))}
        lags = map(self.lags, (answer["features"] for answer in answers))
        frame.update(zip(self.names, map(list, zip(*lags, strict=True)), strict=True))
        frame["available_lags"] = [answer["available_lags"] for answer in answers]
        frame["value"] = [answer["target"] for answer in answers]
        return frame

    def iso(self, micros: int) -> str:
        """:func:`iso`, formatting each second once: a batch's windows mostly share one."""
        second, fraction = divmod(micros, 1_000_000)
        if second != self._second[0]:
            self._second = (second, iso(second * 1_000_000)[:19])
        return f"{self._second[1]}.{fraction:06d}+00:00"

    async def online(self, series_id: str) -> dict:
        """Feast's online row of ``series_id``; ``latest``: is it the last window stamped here."""
        fields = [*self.names, "available_lags", "value"]
        response = await self.client.post(
            f"{self.url}/get-online-features",
            json={
                "features": [f"lag_features:{name}" for name in fields],
                "entities": {"series_id": [series_id]},
            },
        )
        response.raise_for_status()
        body = response.json()
        results = dict(zip(body["metadata"]["feature_names"], body["results"], strict=True))
        served = {name: results[name]["values"][0] for name in fields}
        if served["value"] is None:
            return {"present": False, "latest": False if series_id in self.latest else None}
        stamp = results["value"]["event_timestamps"][0]
        return {
            "present": True,
            "latest": self.is_latest(series_id, served, micros(stamp)),
            "event_timestamp": stamp,
            "features": served,
        }

    def is_latest(self, series_id: str, served: dict, stamp: int) -> bool | None:
        """Whether ``served`` at ``stamp`` is the last window stamped here (None: none was)."""
        if series_id not in self.latest:
            return None
        last, answer = self.latest[series_id]
        expected = {name: answer["features"][name] for name in self.names}
        expected |= {"available_lags": answer["available_lags"], "value": answer["target"]}
        return stamp == last and served == expected


async def read_back(app, series_id: str) -> dict:
    """``GET /series/{id}?feast=true``: Feast's online row; 400 without ``FEAST_URL``, 503 when
    Feast does not answer."""
    if not app.state.feast:
        raise HTTPException(400, "feast: FEAST_URL is not set on this service")
    try:
        return await app.state.feast.online(series_id)
    except httpx.HTTPError as exc:
        raise HTTPException(503, f"feast unavailable: {exc!r}") from exc
