"""A journal and JSON snapshots for a service that keeps its whole state in its process."""

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path

import orjson

from libs.journal.journal import Journal
from libs.journal.snapshots import LocalSnapshots

log = logging.getLogger(__name__)


class DurableState:
    """Journal first, snapshot now and then, write snapshot files off the event loop.

    The owner changes its state only after :meth:`log` returned (so a failed journal write
    changes nothing), and :meth:`restore` hands back the latest snapshot and the records after
    it. Every ``every`` records a snapshot is taken: ``state()`` is serialised on the event loop
    (nothing moves meanwhile) and the file is written and fsynced in a worker thread; records
    logged during the write stay in the journal until a later snapshot covers them.

    Parameters
    ----------
    state_dir
        Snapshots as ``<name>.snapshot`` here, the journal in ``state_dir/journal``.
    name
        The snapshot's name.
    state
        Returns the whole state as JSON-able data, called on the event loop.
    fsync, every
        Journal ``fsync`` per record; records between snapshots.

    Examples
    --------
    >>> import asyncio, tempfile
    >>> d, counter = tempfile.mkdtemp(), {"n": 0}
    >>> durable = DurableState(d, "demo", lambda: counter)
    >>> durable.restore()
    (None, [])
    >>> durable.log({"add": 2}); counter["n"] += 2
    >>> asyncio.run(durable.close())
    >>> again = DurableState(d, "demo", lambda: counter)
    >>> again.restore()
    ({'n': 2}, [])
    >>> again.log({"add": 3}); again.journal.close()  # then dies without a snapshot
    >>> DurableState(d, "demo", lambda: counter).restore()
    ({'n': 2}, [{'add': 3}])
    """

    def __init__(
        self,
        state_dir: str | os.PathLike,
        name: str,
        state: Callable[[], dict],
        fsync: bool = False,
        every: int = 10_000,
    ):
        self.name = name
        self.state = state
        self.every = every
        self.snapshots = LocalSnapshots(state_dir)
        self.journal = Journal(Path(state_dir) / "journal", fsync=fsync)
        self.covered = 0
        self._lock = asyncio.Lock()
        self._task: asyncio.Task | None = None

    def restore(self) -> tuple[dict | None, list[dict]]:
        """The latest snapshot's state (``None`` if there is none) and the changes after it."""
        raw = self.snapshots.load(self.name)
        saved = orjson.loads(raw) if raw else None
        self.covered = saved.pop("covered") if saved else 0
        self.journal.seq = max(self.journal.seq, self.covered)
        return saved, [r.data for r in self.journal.replay(after=self.covered)]

    def log(self, change: dict) -> None:
        """Journal ``change`` before the caller applies it; schedule a snapshot when due."""
        seq = self.journal.append(change)
        if seq - self.covered >= self.every and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._snapshot_while_due())

    async def snapshot(self) -> bool:
        """Save the state as of now and drop the journal segments it covers. A failure is
        logged and loses nothing (the journal keeps the records); it returns False."""
        async with self._lock:
            seq = self.journal.seq
            if seq == self.covered and seq > 0:  # the latest snapshot has it all
                return True
            payload = orjson.dumps({"covered": seq, **self.state()})
            try:
                await asyncio.to_thread(self.snapshots.save, self.name, payload)
            except OSError:
                log.exception("%s snapshot failed; the journal keeps the records", self.name)
                return False
            self.covered = seq
            self.journal.checkpoint(seq)
            return True

    async def close(self) -> None:
        """Wait for a snapshot in progress, take a final one, release the journal."""
        if self._task is not None:
            await self._task
        await self.snapshot()
        self.journal.close()

    async def _snapshot_while_due(self) -> None:
        # After a failure the next logged record tries again: no retry loop against a bad disk.
        while self.journal.seq - self.covered >= self.every:
            if not await self.snapshot():
                return
