"""Streams: the replayed data set (``default``) and live streams, handed out on lease.

Taking an observation leases it to a consumer for ``lease_seconds``; acknowledging it ends the
lease for good. An observation whose lease runs out unacknowledged is handed out again, before
any new one, to the next taker; a consumer that restarts releases its leases so that it gets
its unfinished observations back first, in order. A take may carry an idempotency key: a retry
with the same key, while the lease lasts, answers the same observations instead of new ones.
Two backends offer the same coroutines:

- :class:`LocalStreams`, in the process, made durable by a journal record per change (a kill -9
  and restart loses no lease, acknowledgement or live observation); one replica only;
- :class:`~services.ingestion.redis_streams.RedisStreams`, Redis Streams with a consumer group,
  so any number of replicas share them.
"""

import time
from pathlib import Path
from typing import NamedTuple

from libs.journal import DurableState
from services.ingestion.dataset import Dataset
from services.ingestion.leases import Leases

DEFAULT_STREAM = "default"
DEFAULT_CONSUMER = "default"


class Observation(NamedTuple):
    observation_id: int
    input: str
    target: int | float
    series_id: str | None


class UnknownStream(LookupError):
    """No live stream of that name has received observations."""


class ReadOnlyStream(Exception):
    """The data set's stream cannot be appended to."""


class Taken(NamedTuple):
    observations: list[Observation]
    remaining: int
    """Observations never handed out yet."""


class StreamStatus(NamedTuple):
    stream: str
    total: int
    served: int
    """Observations handed out at least once (the cursor)."""
    leased: int
    """Handed out, not acknowledged yet (``expired`` of them past their lease)."""
    expired: int
    consumers: dict[str, int]
    """Observations on lease per consumer."""

    @property
    def acked(self) -> int:
        return self.served - self.leased

    @property
    def exhausted(self) -> bool:
        """Every observation handed out and acknowledged."""
        return self.served >= self.total and self.leased == 0


def observation(stream: str, i: int, item) -> Observation:
    """Observation ``i`` of a stream from its row: live ones without a ``series_id`` belong to
    the series named like the stream."""
    if stream == DEFAULT_STREAM:
        return Observation(i, *item)
    inp, target, sid = item
    return Observation(i, inp, target, sid or stream)


class LocalStreams:
    """In-process streams, journalled in ``state_dir`` and snapshotted every ``snapshot_every``
    records and, once :meth:`start` ran on the event loop, at most ``snapshot_seconds`` apart.

    Every change is journalled before it is made, so a failed journal write changes nothing.
    """

    backend = "memory"

    def __init__(
        self,
        dataset: Dataset,
        state_dir: Path,
        fsync: bool,
        snapshot_every: int,
        lease_seconds: float = 30.0,
        clock=time.time,
        snapshot_seconds: float | None = None,
    ):
        self.dataset = dataset
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.books: dict[str, Leases] = {}
        self.live: dict[str, list] = {}
        self.durable = DurableState(
            state_dir,
            "ingestion",
            self._state,
            fsync=fsync,
            every=snapshot_every,
            seconds=snapshot_seconds,
        )
        try:
            self._restore()
        except BaseException:
            self.durable.journal.close()
            raise

    def start(self) -> None:
        """Start the snapshot timer (call from the event loop)."""
        self.durable.start()

    def _state(self) -> dict:
        return {"books": {k: b.dump() for k, b in self.books.items()}, "live": self.live}

    def _restore(self) -> None:
        saved, changes = self.durable.restore()
        if saved is not None:
            if "books" in saved:
                self.books = {k: Leases(**b) for k, b in saved["books"].items()}
            else:  # a snapshot from before leases: cursors only
                self.books = {k: Leases(c) for k, c in saved["cursors"].items()}
            self.live = saved["live"]
        for change in changes:
            self._redo(change)

    def _redo(self, change: dict) -> list[int]:
        if "l" in change:
            key, planned = change["l"]
            return self.books.setdefault(key, Leases()).apply(planned)
        if "c" in change:  # a rewind (or, before leases, a cursor moved)
            key, cursor = change["c"]
            self.books[key] = Leases(cursor)
        else:
            stream, items = change["a"]
            self.live.setdefault(stream, []).extend(items)
        return []

    def _change(self, change: dict) -> list[int]:
        """Journal a change, then make it."""
        self.durable.log(change)
        return self._redo(change)

    def _source(self, stream: str) -> tuple[str, list | tuple]:
        if stream == DEFAULT_STREAM:
            return f"dataset:{self.dataset.fingerprint}", self.dataset.rows
        if stream not in self.live:
            raise UnknownStream(stream)
        return f"live:{stream}", self.live[stream]

    def _book(self, key: str) -> Leases:
        return self.books.get(key) or Leases()

    async def take(self, stream: str, n: int, consumer: str = DEFAULT_CONSUMER, key=None) -> Taken:
        """Lease up to ``n`` observations to ``consumer`` (``key``: see the module)."""
        book_key, source = self._source(stream)
        book = self._book(book_key)
        now = self.clock()
        planned = book.plan_take(n, len(source), now, self.lease_seconds, consumer, key)
        ids = self._change({"l": [book_key, planned]}) if planned[1] else []
        observations = [observation(stream, i, source[i - 1]) for i in ids]
        return Taken(observations, len(source) - self._book(book_key).cursor)

    async def ack(self, stream: str, ids) -> int:
        """Acknowledge observations for good; returns how many were on lease."""
        book_key, _ = self._source(stream)
        planned = self._book(book_key).plan_ack(ids)
        return len(self._change({"l": [book_key, planned]})) if planned[1] else 0

    async def release(self, stream: str, consumer: str) -> int:
        """End ``consumer``'s leases now, so they are handed out again first."""
        book_key, _ = self._source(stream)
        planned = self._book(book_key).plan_release(consumer)
        return len(self._change({"l": [book_key, planned]})) if planned[1] else 0

    async def append(self, stream: str, items: list) -> list[int]:
        if stream == DEFAULT_STREAM:
            raise ReadOnlyStream(stream)
        first = len(self.live.get(stream, ())) + 1
        self._change({"a": [stream, items]})
        return list(range(first, first + len(items)))

    async def reset(self, stream: str) -> StreamStatus:
        key, _ = self._source(stream)
        self._change({"c": [key, 0]})
        return await self.status(stream)

    async def status(self, stream: str) -> StreamStatus:
        key, source = self._source(stream)
        book = self._book(key)
        expired = len(book.expired(self.clock()))
        served = min(book.cursor, len(source))
        return StreamStatus(
            stream, len(source), served, len(book.pending), expired, book.consumers()
        )

    async def live_streams(self) -> list[str]:
        return sorted(self.live)

    async def close(self) -> None:
        await self.durable.close()
