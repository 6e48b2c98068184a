"""Segmented append-only journal of JSON records, numbered by a sequence."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import orjson

SUFFIX = ".wal"


class JournalRecord(NamedTuple):
    seq: int
    data: dict


class Journal:
    """Append-only log in ``directory``, one segment file per checkpoint.

    Each line is ``{"seq": n, "data": {...}}``. :meth:`checkpoint` starts a new segment and
    deletes the segments a snapshot covers, so the journal only holds what the latest snapshot
    lacks. A torn last line (the process died mid-write) is dropped on open; it was never
    acknowledged.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> j = Journal(d)
    >>> j.append({"op": "learn", "y": 1.0}), j.append({"op": "learn", "y": 2.0})
    (1, 2)
    >>> j.close()
    >>> j = Journal(d)
    >>> [r.data["y"] for r in j.replay(after=1)]
    [2.0]
    >>> j.checkpoint(2)
    >>> j.append({"op": "learn", "y": 3.0})
    3
    >>> [r.seq for r in j.replay(after=2)]
    [3]
    >>> j.checkpoint(3); j.close()
    >>> Journal(d).append({"op": "learn", "y": 4.0})  # numbering survives an empty segment
    4
    """

    def __init__(self, directory: str | os.PathLike, fsync: bool = False):
        self.directory = Path(directory)
        self.fsync = fsync
        self.directory.mkdir(parents=True, exist_ok=True)
        segments = self._segments()
        # A checkpoint leaves an empty newest segment whose name carries the next sequence.
        self.seq = int(segments[-1].stem) - 1 if segments else 0
        for record in self.replay(after=0):
            self.seq = max(self.seq, record.seq)
        self._fd = self._open(segments[-1] if segments else self._segment_path(1))

    def append(self, data: dict) -> int:
        """Write one record and return its sequence number; durable against kill -9 on return."""
        seq = self.seq + 1
        line = orjson.dumps({"seq": seq, "data": data}) + b"\n"
        os.write(self._fd, line)
        if self.fsync:
            os.fsync(self._fd)
        self.seq = seq
        return seq

    def replay(self, after: int) -> Iterator[JournalRecord]:
        """Records with ``seq > after``, oldest first."""
        for segment in self._segments():
            yield from (r for r in self._read(segment) if r.seq > after)

    def checkpoint(self, covered: int) -> None:
        """A snapshot covers records up to ``covered``: start a new segment, drop older ones."""
        os.close(self._fd)
        old = self._segments()
        self._fd = self._open(self._segment_path(self.seq + 1))
        for segment in old:
            if segment != self._segment_path(self.seq + 1) and self._last_seq(segment) <= covered:
                segment.unlink()

    def close(self) -> None:
        os.close(self._fd)

    def _open(self, path: Path) -> int:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if self.fsync:
            dir_fd = os.open(self.directory, os.O_RDONLY)
            os.fsync(dir_fd)
            os.close(dir_fd)
        return fd

    def _segment_path(self, first_seq: int) -> Path:
        return self.directory / f"{first_seq:020d}{SUFFIX}"

    def _segments(self) -> list[Path]:
        return sorted(self.directory.glob(f"*{SUFFIX}"))

    def _last_seq(self, segment: Path) -> int:
        records = list(self._read(segment))
        return records[-1].seq if records else 0

    @staticmethod
    def _read(segment: Path) -> Iterator[JournalRecord]:
        raw = segment.read_bytes()
        complete = raw.rfind(b"\n") + 1
        if complete < len(raw):
            with open(segment, "r+b") as f:
                f.truncate(complete)
        for line in raw[:complete].splitlines():
            item = orjson.loads(line)
            yield JournalRecord(item["seq"], item["data"])
