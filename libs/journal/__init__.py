"""Durable local state: an append-only journal (write-ahead log) and atomic snapshots.

A service that keeps state in its own process appends every acknowledged change to a
:class:`Journal` *before* applying and answering it, and now and then saves a snapshot of its
whole state that records the journal position it covers. On start-up it loads the latest
snapshot and replays the journal records after that position. The journal is written with
``os.write`` on an ``O_APPEND`` descriptor, so once ``append`` returns the record is in the
kernel: a ``kill -9`` of the process loses nothing. Surviving a machine crash (power loss) needs
``fsync=True``, which costs a disk flush per record. One process writes a journal directory at a
time (:class:`JournalInUse` otherwise). :class:`DurableState` puts the pieces together for
state that serialises to JSON.
"""

from libs.journal.durable import DurableState
from libs.journal.journal import Journal, JournalInUse, JournalRecord
from libs.journal.snapshots import LocalSnapshots, SnapshotStore, atomic_write

__all__ = [
    "DurableState",
    "Journal",
    "JournalInUse",
    "JournalRecord",
    "LocalSnapshots",
    "SnapshotStore",
    "atomic_write",
]
