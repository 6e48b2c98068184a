"""Segmented append-only journal of JSON records, numbered by a sequence."""

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import orjson

SUFFIX = ".wal"
LOCK = "LOCK"


class JournalRecord(NamedTuple):
    seq: int
    data: dict


class JournalInUse(RuntimeError):
    """Another open :class:`Journal` (another process, as a rule) writes to the directory."""


class Journal:
    """Append-only log in ``directory``, one segment file per checkpoint; one writer at a time.

    Each line is ``{"seq": n, "data": {...}}``. :meth:`checkpoint` starts a new segment and
    deletes the segments a snapshot covers, so the journal only holds what the latest snapshot
    lacks. A torn last line (the process died mid-write) is dropped on open; it was never
    acknowledged.

    Opening takes an exclusive ``flock`` on ``directory/LOCK`` (released by :meth:`close`, and
    by the kernel when the process dies, so a restart after ``kill -9`` opens it again); a second
    writer raises :class:`JournalInUse` instead of interleaving its records with the first's.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> j = Journal(d)
    >>> j.append({"op": "learn", "y": 1.0}), j.append({"op": "learn", "y": 2.0})
    (1, 2)
    >>> try:
    ...     Journal(d)
    ... except JournalInUse as exc:
    ...     print(str(exc).replace(d, "<dir>"))
    <dir> is in use by another process (pid ...)
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
    >>> j = Journal(d)
    >>> j.append({"op": "learn", "y": 4.0})  # numbering survives an empty segment
    4
    >>> j.close()
    """

    def __init__(self, directory: str | os.PathLike, fsync: bool = False):
        self.directory = Path(directory)
        self.fsync = fsync
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock_fd = _lock(self.directory / LOCK)
        try:
            self._open_segments()
        except BaseException:
            os.close(self._lock_fd)
            raise

    def _open_segments(self) -> None:
        segments = self._segments()
        # A checkpoint leaves an empty newest segment whose name carries the next sequence.
        self.seq = int(segments[-1].stem) - 1 if segments else 0
        # The last sequence of each closed segment, so a checkpoint never reads them again.
        self._last: dict[Path, int] = {}
        for segment in segments:
            last = 0
            for record in self._read(segment):
                last = record.seq
            self._last[segment] = last
            self.seq = max(self.seq, last)
        self._path = segments[-1] if segments else self._segment_path(1)
        self._fd = self._open(self._path)

    def append(self, data: dict) -> int:
        """Write one record and return its sequence number; durable against kill -9 on return."""
        seq = self.seq + 1
        line = orjson.dumps({"seq": seq, "data": data}) + b"\n"
        written = os.write(self._fd, line)
        if written != len(line):  # a full disk: take the partial record back, acknowledge nothing
            os.ftruncate(self._fd, os.fstat(self._fd).st_size - written)
            raise OSError(f"journal write cut short ({written} of {len(line)} bytes)")
        if self.fsync:
            os.fsync(self._fd)
        self.seq = seq
        return seq

    def replay(self, after: int) -> Iterator[JournalRecord]:
        """Records with ``seq > after``, oldest first."""
        for segment in self._segments():
            yield from (r for r in self._read(segment) if r.seq > after)

    def checkpoint(self, covered: int) -> None:
        """A snapshot covers records up to ``covered``: start a new segment, drop older ones.

        Records appended after the snapshot was taken stay (their segment ends past
        ``covered``) until a later checkpoint covers them.
        """
        os.close(self._fd)
        self._last[self._path] = self.seq
        self._path = self._segment_path(self.seq + 1)
        self._fd = self._open(self._path)
        for segment, last in list(self._last.items()):
            if segment != self._path and last <= covered:
                segment.unlink(missing_ok=True)
                del self._last[segment]

    def close(self) -> None:
        """Close the segment and release the directory (what the kernel does when we die)."""
        os.close(self._fd)
        os.close(self._lock_fd)

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


def _lock(path: Path) -> int:
    """An exclusive, non-blocking ``flock`` on ``path``, which then names the holder's pid."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise JournalInUse(f"{path.parent} is in use by another process (pid {holder})") from None
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd
