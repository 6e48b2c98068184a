"""Check every Bazel and Starlark file with buildifier (format check + lint warnings).

Run by ``make test``. buildifier comes from npm's ``@bazel/buildifier``; when it is missing the
check is skipped with the reason on a developer machine and fails under CI (``CI`` set).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", ".git", "node_modules", "out", ".state"}
BAZEL_NAMES = {"BUILD.bazel", "MODULE.bazel", "WORKSPACE.bazel"}


def starlark_files(root: Path = ROOT) -> list[Path]:
    """BUILD.bazel, MODULE.bazel, ``*.bzl`` and the Tiltfile under ``root``."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith("bazel-")]
        for name in filenames:
            if name in BAZEL_NAMES or name.endswith(".bzl") or name == "Tiltfile":
                found.append(Path(dirpath) / name)
    return sorted(found)


def main() -> int:
    binary = shutil.which("buildifier")
    if binary is None:
        reason = "buildifier not found (npm install -g @bazel/buildifier)"
        if os.environ.get("CI"):
            print(f"buildifier check FAILED: {reason}", file=sys.stderr)
            return 1
        print(f"buildifier check SKIPPED: {reason}")
        return 0
    files = starlark_files()
    failed = False
    for path in files:
        kind = ["--type=default"] if path.name == "Tiltfile" else []
        result = subprocess.run(
            [binary, "--mode=check", "--lint=warn", *kind, str(path)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            failed = True
            rel = path.relative_to(ROOT)
            print(f"{rel}: {(result.stdout + result.stderr).strip()}", file=sys.stderr)
    status = "FAILED" if failed else "ok"
    print(f"buildifier check {status}: {len(files)} files")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
