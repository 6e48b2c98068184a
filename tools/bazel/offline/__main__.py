"""``python -m tools.bazel.offline``: copy the tree, write the WORKSPACE, build and test.

By default ``bazel build //...``, ``bazel test`` over the small and medium test targets (the
unit tests and the tests that start one service), then the ingestion image's stand-in pushed to
a local registry (:mod:`tools.bazel.offline.push`); ``--all`` tests every target and pushes
every image. Extra arguments after ``--`` go to the build and test commands.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from tools.bazel.offline.push import IMAGES, push_images
from tools.bazel.offline.tree import mirror
from tools.bazel.offline.workspace import workspace_text, write_if_changed, write_repositories

ROOT = Path(__file__).absolute().parents[3]
BAZEL = "/usr/bin/bazel-4"

# Test options on `build` too: `build` and `test` then share one analysis cache. One test at a
# time, as under pytest: tests that start servers are sensitive to a loaded machine.
BAZELRC = """\
build --spawn_strategy=local
build --show_progress_rate_limit=30
build --color=no --curses=no
build --test_output=errors
build --test_env=CI
build --test_env=TESTKIT_START_TIMEOUT
build --test_env=HOME
build --local_test_jobs=1
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bazel-offline", description=__doc__)
    parser.add_argument("--all", action="store_true", help="test every target")
    parser.add_argument("--dir", type=Path, default=ROOT / "out" / "bazel-offline")
    parser.add_argument("bazel_args", nargs="*", help="passed to bazel build and bazel test")
    return parser.parse_args(argv)


def prepare(work: Path) -> Path:
    """Copy the tree and write the WORKSPACE and repositories; the copy's root."""
    tree, repos = work / "tree", work / "repos"
    tree.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    copied, removed = mirror(ROOT, tree, keep={"WORKSPACE"})
    write_repositories(repos)
    write_if_changed(tree / "WORKSPACE", workspace_text(repos, Path(sys.prefix)))
    write_if_changed(work / "bazelrc", BAZELRC)
    took = time.monotonic() - started
    print(f"bazel-offline: tree in {tree} ({copied} copied, {removed} removed, {took:.1f}s)")
    return tree


def bazel(work: Path, tree: Path, *args: str) -> int:
    argv = [
        BAZEL,
        f"--bazelrc={work / 'bazelrc'}",
        f"--output_user_root={work / 'root'}",
        "--max_idle_secs=600",
        *args,
    ]
    print("bazel-offline: " + " ".join(argv[3:]), flush=True)
    started = time.monotonic()
    code = subprocess.call(argv, cwd=tree)
    print(f"bazel-offline: exit {code} in {time.monotonic() - started:.0f}s", flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not os.access(BAZEL, os.X_OK):
        print(
            f"bazel-offline: {BAZEL} not found (apt-get install bazel-bootstrap)", file=sys.stderr
        )
        return 1
    started = time.monotonic()
    work = args.dir.absolute()
    tree = prepare(work)
    code = bazel(work, tree, "build", "--keep_going", "//...", *args.bazel_args)
    if code == 0:
        # The image targets are `manual` here (see stubs/): query that each one exists.
        images = " ".join(f"{t[:-5]} {t[:-5]}_load {t}" for t in IMAGES)
        code = bazel(work, tree, "query", f"set({images})")
    if code == 0:
        sizes = [] if args.all else ["--test_size_filters=small,medium"]
        code = bazel(work, tree, "test", "--keep_going", *sizes, "//...", *args.bazel_args)
    if code == 0:
        targets = list(IMAGES) if args.all else list(IMAGES)[:1]
        code = push_images(lambda *a: bazel(work, tree, *a), work / "registry", targets)
    print(f"bazel-offline: {'ok' if code == 0 else 'FAILED'} in {time.monotonic() - started:.0f}s")
    return code


if __name__ == "__main__":
    sys.exit(main())
