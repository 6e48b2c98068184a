"""Where snapshots are kept: a local directory here, S3-compatible storage in a cluster."""

import os
from pathlib import Path
from typing import Protocol


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
