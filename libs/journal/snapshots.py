"""Where snapshots are kept (a local directory here, S3-compatible storage in a cluster), and
the checksummed envelope every snapshot is stored in."""

import os
import time
import zlib
from pathlib import Path
from typing import Protocol

import orjson

from libs.journal.journal import CorruptState

MAGIC = b"olp-snapshot/1 "


class SnapshotStore(Protocol):
    """Keeps whole-state snapshots by name; ``save`` replaces atomically."""

    def save(self, name: str, payload: bytes) -> None: ...

    def load(self, name: str) -> bytes | None: ...


def atomic_write(path: str | os.PathLike, payload: bytes) -> None:
    """Write ``payload`` to ``path`` so that readers see the old file or the new one, never half.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "state.bin"
    >>> atomic_write(p, b"v1"); atomic_write(p, b"v2"); p.read_bytes()
    b'v2'
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(payload)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class LocalSnapshots:
    """Snapshots as files in ``directory``.

    Examples
    --------
    >>> import tempfile
    >>> store = LocalSnapshots(tempfile.mkdtemp())
    >>> store.load("model") is None
    True
    >>> store.save("model", b"state"); store.load("model")
    b'state'
    """

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def save(self, name: str, payload: bytes) -> None:
        atomic_write(self.directory / f"{name}.snapshot", payload)

    def load(self, name: str) -> bytes | None:
        path = self.directory / f"{name}.snapshot"
        return path.read_bytes() if path.exists() else None


def seal(payload: bytes, covered: int) -> bytes:
    """``payload`` behind a header line: the journal position it covers, its size, its CRC32
    and the time it was taken.

    Examples
    --------
    >>> header, payload = unseal(seal(b"state", covered=7), "demo")
    >>> header["covered"], header["bytes"], payload
    (7, 5, b'state')
    >>> unseal(seal(b"state", 7).replace(b"state", b"stale"), "demo")
    Traceback (most recent call last):
    ...
    libs.journal.journal.CorruptState: snapshot demo: checksum mismatch (5 bytes)
    """
    header = {"covered": covered, "bytes": len(payload), "crc32": zlib.crc32(payload)}
    return MAGIC + orjson.dumps({**header, "at": time.time()}) + b"\n" + payload


def unseal(raw: bytes, where: str) -> tuple[dict, bytes]:
    """The header and payload of a sealed snapshot; :class:`CorruptState` unless both hold."""
    line, _, payload = raw.partition(b"\n")
    if not line.startswith(MAGIC):
        raise CorruptState(
            f"snapshot {where}: no checksummed header (not a snapshot of this format)"
        )
    try:
        header = orjson.loads(line[len(MAGIC) :])
    except orjson.JSONDecodeError:
        raise CorruptState(f"snapshot {where}: unreadable header") from None
    if header["bytes"] != len(payload) or header["crc32"] != zlib.crc32(payload):
        raise CorruptState(f"snapshot {where}: checksum mismatch ({len(payload)} bytes)")
    return header, payload
