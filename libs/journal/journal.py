"""Segmented append-only journal of JSON records, numbered by a sequence, each with a CRC32."""

import errno
import fcntl
import os
import threading
import zlib
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


class CorruptState(RuntimeError):
    """Stored state cannot be trusted: a checksum mismatch, or records missing between a
    snapshot and the journal. Start-up must stop rather than serve wrong state."""


class Journal:
    """Append-only log in ``directory``, one segment file per checkpoint; one writer at a time.

    Each line is the CRC32 of its JSON in hex, a space, then ``{"seq": n, "data": {...}}``.
    :meth:`checkpoint` starts a new segment, named after the first sequence it will hold, and
    deletes the segments a snapshot covers, so the journal only holds what the latest snapshot
    lacks. A torn last line (the process died mid-write) is dropped on open; it was never
    acknowledged. A complete line whose checksum does not match, and a sequence that skips a
    number, raise :class:`CorruptState` on :meth:`replay`.

    :meth:`append` and :meth:`checkpoint` may be called from different threads (the writer,
    and the thread that saved a snapshot).

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
    >>> segment = sorted(Path(d).glob("*.wal"))[-1]
    >>> _ = segment.write_bytes(segment.read_bytes().replace(b"4.0", b"5.0"))
    >>> j = Journal(d)
    >>> try:
    ...     list(j.replay(after=3))
    ... except CorruptState as exc:
    ...     print(str(exc).replace(d, "<dir>"))
    journal <dir>/00000000000000000004.wal line 1: checksum mismatch
    >>> j.close()
    """

    def __init__(self, directory: str | os.PathLike, fsync: bool = False):
        self.directory = Path(directory)
        self.fsync = fsync
        self.directory.mkdir(parents=True, exist_ok=True)
        self._mutex = threading.Lock()
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
            for record in self._read(segment, check=False):
                last = record.seq
            self._last[segment] = last
            self.seq = max(self.seq, last)
        self._path = segments[-1] if segments else self._segment_path(1)
        self._fd = self._open(self._path)

    def append(self, data: dict) -> int:
        """Write one record and return its sequence number; durable against kill -9 on return."""
        with self._mutex:
            seq = self.seq + 1
            body = orjson.dumps({"seq": seq, "data": data})
            line = b"%08x %b\n" % (zlib.crc32(body), body)
            written = os.write(self._fd, line)
            if written != len(line):  # a full disk: take the partial record back, ack nothing
                os.ftruncate(self._fd, os.fstat(self._fd).st_size - written)
                message = f"journal write cut short ({written} of {len(line)} bytes)"
                raise OSError(errno.ENOSPC, message, str(self._path))
            if self.fsync:
                os.fsync(self._fd)
            self.seq = seq
            return seq

    @property
    def start(self) -> int:
        """The first sequence the journal can replay (its oldest segment's name)."""
        segments = self._segments()
        return int(segments[0].stem) if segments else self.seq + 1

    def replay(self, after: int) -> Iterator[JournalRecord]:
        """Records with ``seq > after``, oldest first; :class:`CorruptState` if one of them is
        missing (the journal starts later, or skips a number) or fails its checksum."""
        expected = after + 1
        if self.start > expected:
            raise CorruptState(
                f"journal {self.directory} starts at record {self.start} but the snapshot covers "
                f"records up to {after} only: records {expected}..{self.start - 1} are missing "
                "(a deleted or older snapshot?)"
            )
        for segment in self._segments():
            for record in self._read(segment):
                if record.seq < expected:
                    continue
                if record.seq != expected:
                    raise CorruptState(
                        f"journal {segment}: record {expected} is missing (next is {record.seq})"
                    )
                expected += 1
                yield record

    def checkpoint(self, covered: int) -> None:
        """A snapshot covers records up to ``covered``: start a new segment, drop older ones.

        Records appended after the snapshot was taken stay (their segment ends past
        ``covered``) until a later checkpoint covers them.
        """
        with self._mutex:
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
    def _read(segment: Path, check: bool = True) -> Iterator[JournalRecord]:
        raw = segment.read_bytes()
        complete = raw.rfind(b"\n") + 1
        if complete < len(raw):
            with open(segment, "r+b") as f:
                f.truncate(complete)
        for number, line in enumerate(raw[:complete].splitlines(), 1):
            crc, _, body = line.partition(b" ")
            if check and crc != b"%08x" % zlib.crc32(body):
                raise CorruptState(f"journal {segment} line {number}: checksum mismatch")
            try:
                item = orjson.loads(body)
            except orjson.JSONDecodeError:
                raise CorruptState(f"journal {segment} line {number}: not a record") from None
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
