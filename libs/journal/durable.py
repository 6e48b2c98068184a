"""The durability engine: a journal first, checksummed snapshots now and then, one policy."""

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from libs.journal.journal import Journal
from libs.journal.snapshots import LocalSnapshots, SnapshotStore, seal, unseal

log = logging.getLogger(__name__)


async def _here(function: Callable[[], Any]) -> Any:
    return function()


class DurableState:
    """Journal every change before it is applied; snapshot the whole state now and then.

    The owner changes its state only after :meth:`log` returned (so a failed journal write
    changes nothing), and :meth:`restore` hands back the latest snapshot and the records after
    it, both checked: a checksum mismatch or a record missing between the snapshot and the
    journal raises :class:`~libs.journal.CorruptState`.

    A snapshot is taken when ``every`` records have been journalled since the last one, every
    ``seconds`` when given, and on :meth:`close`. ``state()`` and its encoding run on the
    state's writer (``writer``, an ``async`` callable that runs a function where the state may
    be read: the event loop by default, or the thread that owns the state); writing the file and
    dropping the journal segments it covers run in a worker thread, so request handling never
    waits for the disk. One policy everywhere: a snapshot that fails is logged with its reason
    and counted in :attr:`failures`; the journal keeps every record, the next trigger tries
    again, and the timer never stops.

    Parameters
    ----------
    state_dir
        The journal in ``state_dir/journal``; snapshots in ``store``, by default
        ``<state_dir>/<name>.snapshot``.
    name
        The snapshot's name.
    state
        Returns the whole state, as of the latest journalled record.
    encode, decode
        ``state()`` to bytes and back; JSON by default.
    fsync, every, seconds
        Journal ``fsync`` per record; records between snapshots; at most this long between
        snapshots (``None``: no timer).

    Examples
    --------
    >>> import asyncio, tempfile
    >>> d, counter = tempfile.mkdtemp(), {"n": 0}
    >>> durable = DurableState(d, "demo", lambda: counter)
    >>> durable.restore()[0], list(durable.restore()[1])
    (None, [])
    >>> durable.log({"add": 2}); counter["n"] += 2
    1
    >>> asyncio.run(durable.close())
    >>> again = DurableState(d, "demo", lambda: counter)
    >>> saved, changes = again.restore()
    >>> saved, list(changes)
    ({'n': 2}, [])
    >>> again.log({"add": 3}); again.journal.close()  # then dies without a snapshot
    2
    >>> saved, changes = DurableState(d, "demo", lambda: counter).restore()
    >>> saved, list(changes)
    ({'n': 2}, [{'add': 3}])
    """

    def __init__(
        self,
        state_dir: str | os.PathLike,
        name: str,
        state: Callable[[], Any],
        *,
        store: SnapshotStore | None = None,
        encode: Callable[[Any], bytes] = orjson.dumps,
        decode: Callable[[bytes], Any] = orjson.loads,
        writer: Callable[[Callable[[], Any]], Awaitable[Any]] = _here,
        fsync: bool = False,
        every: int = 10_000,
        seconds: float | None = None,
    ):
        self.name = name
        self.state = state
        self.store = store if store is not None else LocalSnapshots(state_dir)
        self.encode, self.decode, self.writer = encode, decode, writer
        self.every, self.seconds = every, seconds
        self.journal = Journal(Path(state_dir) / "journal", fsync=fsync)
        self.covered = 0
        self.failures = 0
        self.last_error: str | None = None
        self.last_snapshot_at: float | None = None
        self._lock = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scheduled = False
        self._task: asyncio.Task | None = None
        self._timer: asyncio.Task | None = None

    def restore(self) -> tuple[Any, Iterator[dict]]:
        """The latest snapshot's state (``None`` if there is none) and the changes after it
        (checked as they are read)."""
        raw = self.store.load(self.name)
        saved = None
        if raw is not None:
            header, payload = unseal(raw, self.name)
            self.covered, self.last_snapshot_at = header["covered"], header["at"]
            saved = self.decode(payload)
        # A journal emptied by a checkpoint restarts its numbering after the snapshot.
        self.journal.seq = max(self.journal.seq, self.covered)
        return saved, (r.data for r in self.journal.replay(after=self.covered))

    def log(self, change: dict) -> int:
        """Journal ``change`` before the caller applies it; schedule a snapshot when due. Call
        it from the state's writer only."""
        seq = self.journal.append(change)
        if seq - self.covered >= self.every and not self._scheduled:
            self._schedule()
        return seq

    def start(self) -> None:
        """Snapshots may now be scheduled from any thread; start the timer (call from the loop)."""
        self._loop = asyncio.get_running_loop()
        if self.seconds is not None:
            self._timer = self._loop.create_task(self._every_seconds())

    async def snapshot(self) -> bool:
        """Save the state as of now and drop the journal segments it covers. A failure is
        logged with its reason and counted, loses nothing, and returns False."""
        async with self._lock:
            start = time.perf_counter()
            try:
                taken = await self.writer(self._take)
                if taken is None:
                    return True
                seq, size = await asyncio.to_thread(self._save, *taken)
            except Exception as exc:
                self.failures += 1
                self.last_error = " ".join(f"{type(exc).__name__}: {exc}".split())
                fields = {"event": "snapshot_failed", "state": self.name, "reason": self.last_error}
                log.error(
                    "%s snapshot failed, retried at the next trigger (the journal keeps every "
                    "record): %s", self.name, self.last_error, extra={"fields": fields},
                )  # fmt: skip
                return False
            self.last_error, self.last_snapshot_at = None, time.time()
            seconds = round(time.perf_counter() - start, 4)
            fields = {"state": self.name, "seq": seq, "bytes": size, "seconds": seconds}
            log.info("%s snapshot saved", self.name, extra={"fields": fields})
            return True

    async def close(self) -> None:
        """Stop the timer, take a final snapshot (its outcome is logged), release the journal."""
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        if self._task is not None:
            await self._task
        saved = await self.snapshot()
        outcome = "saved" if saved else f"failed ({self.last_error})"
        log.info("%s final snapshot %s", self.name, outcome, extra={"fields": {"saved": saved}})
        self.journal.close()

    def _take(self) -> tuple[int, Any] | None:
        """On the writer: the journal position and the state, or ``None`` if nothing is new."""
        seq = self.journal.seq
        if seq == self.covered and seq > 0:
            return None
        return seq, self.encode(self.state())

    def _save(self, seq: int, encoded: bytes) -> tuple[int, int]:
        payload = seal(encoded, seq)
        self.store.save(self.name, payload)
        self.covered = seq
        self.journal.checkpoint(seq)
        return seq, len(payload)

    def _schedule(self) -> None:
        self._scheduled = True
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the writer is another thread: hand over to the loop
            if self._loop is None:
                self._scheduled = False
            else:
                self._loop.call_soon_threadsafe(self._spawn)
            return
        self._spawn()

    def _spawn(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._snapshot_while_due())

    async def _snapshot_while_due(self) -> None:
        # After a failure the next due record tries again: no retry loop against a bad disk.
        try:
            while self.journal.seq - self.covered >= self.every:
                if not await self.snapshot():
                    return
        finally:
            self._scheduled = False

    async def _every_seconds(self) -> None:
        while True:
            await asyncio.sleep(self.seconds)
            if self.journal.seq != self.covered:
                await self.snapshot()
