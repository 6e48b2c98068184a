"""Acknowledged means durable: the learner behind the shared journal, on its own thread.

Every state-changing record is appended to the journal (:class:`libs.journal.DurableState`,
the engine every service uses) before the learner applies it, and so before the client gets
its answer. A snapshot (:mod:`services.model.codec`) is taken every ``every`` journal records,
at most ``seconds`` apart, and on shutdown; start-up loads the latest snapshot and replays the
journal after it. River models are deterministic, so the restored learner predicts exactly as
one that never stopped.

Everything that touches the learner runs on the :class:`~services.model.worker.LearnerThread`,
in order: checks, journal appends, learning, queries and the encoding of snapshots (so a
snapshot sees the state as of one journal position). The event loop only awaits the results,
and the snapshot file is written by a worker thread.
"""

from pathlib import Path

from libs.journal import DurableState, LocalSnapshots, SnapshotStore
from libs.serving.limits import check_room
from services.model.codec import SnapshotCodec
from services.model.learner import Learner
from services.model.worker import LearnerThread

SNAPSHOT = "model"


def _learning_items(record: dict) -> list[dict] | tuple[dict, ...]:
    op = record["op"]
    return record["items"] if op == "batch" else (record,) if op == "learn" else ()


def _identity(payload: bytes) -> bytes:
    return payload


class DurableLearner:
    """A :class:`Learner` whose every acknowledged change survives a crash.

    Examples
    --------
    >>> import tempfile
    >>> state = tempfile.mkdtemp()
    >>> def learner(): return Learner(["naive"], warmup=0)
    >>> durable = DurableLearner.open(learner(), state)
    >>> record = {"op": "learn", "series_id": "s", "features": {}, "target": 5.0,
    ...           "observation_id": 7, "predict": True}
    >>> durable.commit(record)["duplicate"]
    False
    >>> durable.journal.close()  # the process dies: no snapshot yet
    >>> reopened = DurableLearner.open(learner(), state)
    >>> reopened.learner.count, reopened.commit(record)["duplicate"]
    (1, True)
    >>> reopened.journal.close()
    """

    def __init__(self, learner: Learner, worker: LearnerThread, max_series: int):
        self.learner = learner
        self.worker = worker
        self.max_series = max_series
        self.codec = SnapshotCodec(learner)
        self.state: DurableState

    @classmethod
    def open(
        cls,
        learner: Learner,
        state_dir: str | Path,
        store: SnapshotStore | None = None,
        fsync: bool = False,
        every: int = 10_000,
        seconds: float | None = 30.0,
        max_series: int = 10_000,
        max_pending: int = 50_000,
    ) -> "DurableLearner":
        """Restore ``learner`` from the latest snapshot and the journal after it.

        The journal is opened first: its lock (``JournalInUse``) keeps a second process from
        even reading the state.
        """
        durable = cls(learner, LearnerThread(max_pending), max_series)
        durable.state = DurableState(
            state_dir,
            SNAPSHOT,
            durable.codec.encode,
            store=store or LocalSnapshots(Path(state_dir) / "snapshots"),
            encode=_identity,
            decode=_identity,
            writer=durable.worker.call,
            fsync=fsync,
            every=every,
            seconds=seconds,
        )
        try:
            payload, changes = durable.state.restore()
            if payload is not None:
                durable.codec.decode(payload)
            for record in changes:
                learner.apply_checked(record)
        except BaseException:
            durable.state.journal.close()
            raise
        return durable

    @property
    def journal(self):
        return self.state.journal

    @property
    def covered(self) -> int:
        return self.state.covered

    async def submit(self, record: dict):
        """Commit ``record`` on the learner thread (:class:`~services.model.worker.Overloaded`
        when its queue is full); its answer."""
        items = len(record["items"]) if record["op"] == "batch" else 1
        return await self.worker.write(lambda: self.commit(record), items)

    async def read(self, function, *args):
        """``function(learner, *args)`` on the learner thread, ahead of queued writes."""
        return await self.worker.read(lambda: function(self.learner, *args))

    def commit(self, record: dict):
        """Check ``record`` (``ObservationConflict``, ``SeriesLimit``: nothing journaled
        or learned), journal it unless it retries applied work, apply it, return the answer.
        Queries waiting are answered between the items of a batch."""
        items = _learning_items(record)
        series = [item.get("series_id", "default") for item in items]
        touched = set(series)
        self._check_room(series, touched)
        if not self.learner.check(record):
            self.state.log(record)
        for series_id in touched:
            self.codec.changed(series_id)
        if record["op"] != "batch":
            return self.learner.apply_checked(record)
        learn, serve_reads, answers = self.learner.learn, self.worker.serve_reads, []
        for item in items:
            answers.append(learn(item))
            serve_reads()
        return answers

    def start(self) -> None:
        """Start the learner thread and the snapshot timer (call from the event loop)."""
        self.worker.start()
        self.state.start()

    async def snapshot(self) -> bool:
        return await self.state.snapshot()

    async def close(self) -> None:
        """A final snapshot behind the queued work (its outcome logged), then stop the thread."""
        await self.state.close()
        await self.worker.stop()

    def _check_room(self, series: list[str], touched: set[str]) -> None:
        """``SeriesLimit`` if the request's new series would pass ``max_series``."""
        known = self.learner.series
        if not known.keys() >= touched:
            check_room(len(known), series, known.__contains__, self.max_series)
