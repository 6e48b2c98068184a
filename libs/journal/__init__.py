"""Durable local state: an append-only journal (write-ahead log) and atomic snapshots.

A service that keeps state in its own process appends every acknowledged change to a
:class:`Journal` *before* applying and answering it, and now and then saves a snapshot of its
whole state that records the journal position it covers. On start-up it loads the latest
snapshot and replays the journal records after that position. The journal is written with
``os.write`` on an ``O_APPEND`` descriptor, so once ``append`` returns the record is in the
kernel: a ``kill -9`` of the process loses nothing. Surviving a machine crash (power loss) needs
``fsync=True``, which costs a disk flush per record. One process writes a journal directory at a
time (:class:`JournalInUse` otherwise). Every record and snapshot carries a CRC32; a mismatch,
or a record missing between the snapshot and the journal, raises :class:`CorruptState`.

:class:`DurableState` is the one engine every service uses: it puts the pieces together with
one failure policy, and :class:`SnapshotMetrics` exposes how its snapshots fare.
"""

from libs.journal.durable import DurableState
from libs.journal.journal import CorruptState, Journal, JournalInUse, JournalRecord
from libs.journal.metrics import SnapshotMetrics
from libs.journal.snapshots import LocalSnapshots, SnapshotStore, atomic_write, seal, unseal

__all__ = [
    "CorruptState",
    "DurableState",
    "Journal",
    "JournalInUse",
    "JournalRecord",
    "LocalSnapshots",
    "SnapshotMetrics",
    "SnapshotStore",
    "atomic_write",
    "seal",
    "unseal",
]
