"""Acknowledged means durable: the learner behind a write-ahead journal and snapshots.

Every state-changing record is appended to the :class:`~libs.journal.Journal` under
``STATE_DIR/journal`` before the learner applies it, and so before the client gets its answer.
A snapshot (the pickled learner: River models, scores, idempotency answers, feedback, plus the
journal position it covers) is taken every ``snapshot_every`` records, at most
``snapshot_seconds`` apart, and on shutdown. Start-up loads the latest snapshot and replays the
journal after it; River models are deterministic, so the restored learner predicts exactly as
one that never stopped.

Pickling runs on the event-loop thread (the state must not move while it is copied); writing
the bytes, to a file with fsync or to S3, runs in a worker thread.
"""

import asyncio
import contextlib
import logging
import pickle
import time
from pathlib import Path

from libs.journal import Journal, LocalSnapshots, SnapshotStore
from services.model.learner import Learner

log = logging.getLogger(__name__)

SNAPSHOT = "model"
FORMAT = 1


class DurableLearner:
    """A :class:`Learner` whose every acknowledged change survives a crash.

    Examples
    --------
    >>> import asyncio, tempfile
    >>> from libs.journal import LocalSnapshots
    >>> state = tempfile.mkdtemp()
    >>> def learner(): return Learner(["naive"], warmup=0)
    >>> durable = DurableLearner.open(learner(), state, LocalSnapshots(state))
    >>> record = {"op": "learn", "series_id": "s", "features": {}, "target": 5.0,
    ...           "observation_id": 7, "predict": True}
    >>> durable.submit(record)["duplicate"]
    False
    >>> durable.journal.close()  # the process dies: no snapshot yet
    >>> reopened = DurableLearner.open(learner(), state, LocalSnapshots(state))
    >>> reopened.learner.count, reopened.submit(record)["duplicate"]
    (1, True)
    >>> reopened.journal.close()
    """

    def __init__(
        self,
        learner: Learner,
        journal: Journal,
        store: SnapshotStore,
        every: int = 1000,
        seconds: float = 30.0,
        covered: int = 0,
    ):
        self.learner = learner
        self.journal = journal
        self.store = store
        self.every = every
        self.seconds = seconds
        self.covered = covered
        self.pending = 0
        self._lock = asyncio.Lock()
        self._task: asyncio.Task | None = None
        self._timer: asyncio.Task | None = None

    @classmethod
    def open(
        cls,
        learner: Learner,
        state_dir: str | Path,
        store: SnapshotStore | None = None,
        fsync: bool = False,
        **options,
    ) -> "DurableLearner":
        """Restore ``learner`` from the latest snapshot and the journal after it.

        The journal is opened first: its lock (``JournalInUse``) keeps a second process from
        even reading the state.
        """
        journal = Journal(Path(state_dir) / "journal", fsync=fsync)
        try:
            store = store or LocalSnapshots(Path(state_dir) / "snapshots")
            covered, replayed = _restore(learner, journal, store)
        except BaseException:
            journal.close()
            raise
        durable = cls(learner, journal, store, covered=covered, **options)
        durable.pending = replayed
        return durable

    def submit(self, record: dict):
        """Check ``record`` (``ObservationConflict``: nothing journaled or learned), journal it
        unless it retries applied work, apply it, return the answer."""
        if not self.learner.check(record):
            self.journal.append(record)
            self.pending += len(record["items"]) if record["op"] == "batch" else 1
        answer = self.learner.apply_checked(record)
        if self.pending >= self.every:
            self._schedule()
        return answer

    def start(self) -> None:
        """Start the timer that snapshots at most ``seconds`` apart (call from the loop)."""
        self._timer = asyncio.get_running_loop().create_task(self._every_seconds())

    async def close(self) -> None:
        """Stop the timer, take a final snapshot, close the journal."""
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        if self._task is not None:
            await self._task
        await self.snapshot()
        self.journal.close()

    async def snapshot(self) -> None:
        """Save the whole state and drop the journal segments it covers; errors are logged."""
        async with self._lock:
            seq = self.journal.seq
            if seq == self.covered:
                return
            start = time.perf_counter()
            payload = self.payload(seq)
            self.pending = 0
            try:
                await asyncio.to_thread(self.store.save, SNAPSHOT, payload)
            except Exception:
                # Keep serving: the journal still holds everything since the last snapshot.
                log.exception("snapshot failed; the journal keeps the records")
                return
            self.covered = seq
            self.journal.checkpoint(seq)
            fields = {"seq": seq, "bytes": len(payload), "seconds": time.perf_counter() - start}
            log.info("snapshot saved", extra={"fields": fields})

    def payload(self, seq: int) -> bytes:
        state = {"format": FORMAT, "seq": seq, "learner": self.learner.state_dict()}
        return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)

    def _schedule(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._snapshot_while_due())

    async def _snapshot_while_due(self) -> None:
        # Records keep coming while a snapshot is written; catch up before going idle.
        while self.pending >= self.every:
            await self.snapshot()

    async def _every_seconds(self) -> None:
        while True:
            await asyncio.sleep(self.seconds)
            await self.snapshot()


def _restore(learner: Learner, journal: Journal, store: SnapshotStore) -> tuple[int, int]:
    """Load the latest snapshot into ``learner``, replay the journal after it; return the
    position the snapshot covers and how many records were replayed."""
    covered = 0
    payload = store.load(SNAPSHOT)
    if payload is not None:
        saved = pickle.loads(payload)
        learner.load_state_dict(saved["learner"])
        covered = saved["seq"]
    # A journal emptied by a checkpoint (or lost with its disk) restarts its numbering;
    # continue after the snapshot so new records are never mistaken for covered ones.
    journal.seq = max(journal.seq, covered)
    replayed = 0
    for record in journal.replay(after=covered):
        learner.apply_checked(record.data)
        replayed += 1
    log.info("restored", extra={"fields": {"snapshot_seq": covered, "replayed": replayed}})
    return covered, replayed
