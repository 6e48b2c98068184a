"""Incremental copy of the source tree for the offline Bazel run."""

import os
import shutil
import subprocess
from pathlib import Path

# Bazel 4 rejects `common --enable_bzlmod`; the offline run writes its own bazelrc.
SKIPPED = {".bazelrc"}


def source_files(root: Path) -> list[str]:
    """Tracked and untracked-but-not-ignored files: what the next commit would hold."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout
    names = (name for name in out.decode().split("\0") if name)
    return sorted(n for n in names if n not in SKIPPED and (root / n).is_file())


def mirror(root: Path, dest: Path, keep: set[str]) -> tuple[int, int]:
    """Make ``dest`` hold ``root``'s source files; returns (copied, removed).

    A file is copied only when its size or mtime differ, so Bazel sees unchanged inputs and
    an unchanged tree costs one ``stat`` per file. Files in ``dest`` that are no longer in the
    tree are removed, except the names in ``keep`` (the generated WORKSPACE).
    """
    wanted = source_files(root)
    copied = 0
    for name in wanted:
        src, dst = root / name, dest / name
        stat = src.stat()
        try:
            current = dst.stat()
            if current.st_size == stat.st_size and current.st_mtime_ns == stat.st_mtime_ns:
                continue
        except FileNotFoundError:
            dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
        copied += 1
    return copied, remove_stale(dest, set(wanted) | keep)


def remove_stale(dest: Path, wanted: set[str]) -> int:
    """Delete files under ``dest`` not in ``wanted`` (Bazel's ``bazel-*`` links are left)."""
    removed = 0
    for dirpath, dirnames, filenames in os.walk(dest):
        rel_dir = Path(dirpath).relative_to(dest)
        dirnames[:] = [d for d in dirnames if not (rel_dir == Path(".") and d.startswith("bazel-"))]
        for name in filenames:
            rel = (rel_dir / name).as_posix()
            if rel not in wanted and not (rel_dir == Path(".") and name.startswith("bazel-")):
                (dest / rel).unlink()
                removed += 1
    return removed
