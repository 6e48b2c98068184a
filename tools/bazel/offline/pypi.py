"""Generate the ``@pypi`` repository for the offline Bazel run from an installed virtualenv.

Every distribution installed from ``requirements/lock.txt`` becomes ``@pypi//<name>`` (the name
normalised as rules_python does: lower case, ``-`` and ``.`` as ``_``), a ``py_library`` whose
files are exactly those its ``RECORD`` lists and whose deps are its ``Requires-Dist`` entries
that apply here (markers evaluated, extras not requested). A BUILD file that forgets a
third-party dependency therefore fails at import time, as under rules_python.

Run by the ``pypi_repository`` rule (``pypi.bzl``) as
``python pypi.py SITE_PACKAGES REPOSITORY_DIR``.
"""

import csv
import posixpath
import re
import sys
from email.parser import HeaderParser
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

# Bazel 4 refuses these in labels; files named so are never imported by module name.
BAD_LABEL = re.compile(r"[^A-Za-z0-9!%@^_\"#$&'()*\-+,;<=>?\[\]{|}~/.]")


def normalise(name: str) -> str:
    """The ``@pypi//<name>`` spelling of a distribution name.

    Examples
    --------
    >>> normalise("Pydantic-Settings")
    'pydantic_settings'
    >>> normalise("zope.interface")
    'zope_interface'
    """
    return re.sub(r"[-_.]+", "_", name).lower()


def record_files(dist_info: Path) -> list[str]:
    """Files a distribution installed, relative to site-packages, without bytecode caches."""
    with open(dist_info / "RECORD", newline="") as handle:
        paths = [row[0] for row in csv.reader(handle) if row]
    return sorted(
        path
        for path in paths
        if "__pycache__" not in path and not path.endswith(".pyc") and not BAD_LABEL.search(path)
    )


def metadata_of(dist_info: Path):
    """The METADATA headers of one distribution."""
    return HeaderParser().parsestr((dist_info / "METADATA").read_text(encoding="utf-8"))


def requirements(dist_info: Path, installed: set[str]) -> list[str]:
    """Normalised names of the dependencies that apply here (no extras requested)."""
    metadata = metadata_of(dist_info)
    names = set()
    for line in metadata.get_all("Requires-Dist") or []:
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            raise SystemExit(f"{dist_info.name}: unparsable Requires-Dist {line!r}: {exc}") from exc
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            name = normalise(req.name)
            if name not in installed:
                raise SystemExit(f"{dist_info.name} requires {req.name}, which is not installed")
            names.add(name)
    return sorted(names)


def distributions(site: Path) -> dict[str, Path]:
    """Normalised name -> dist-info directory for every distribution in ``site``."""
    found = {}
    for dist_info in sorted(site.glob("*.dist-info")):
        metadata = metadata_of(dist_info)
        found[normalise(metadata["Name"])] = dist_info
    return found


def repository_path(prefix: str, path: str) -> str:
    """Where a RECORD path lands in the repository, which mirrors the virtualenv under ``venv/``.

    Scripts (``../../../bin/weed``) stay where ``importlib.metadata`` looks for them.

    Examples
    --------
    >>> repository_path("venv/lib/python3.11/site-packages", "../../../bin/weed")
    'venv/bin/weed'
    """
    resolved = posixpath.normpath(posixpath.join(prefix, path))
    if not resolved.startswith("venv/"):
        raise SystemExit(f"{path} is outside the virtualenv")
    return resolved


def library(name: str, prefix: str, files: list[str], deps: list[str]) -> str:
    """The root package's ``py_library`` for one distribution."""
    listed = "".join(f'        "{repository_path(prefix, path)}",\n' for path in files)
    dep_labels = "".join(f'        ":{dep}_lib",\n' for dep in deps)
    return (
        "py_library(\n"
        f'    name = "{name}_lib",\n'
        f"    data = [\n{listed}    ],\n"
        f'    imports = ["{prefix}"],\n'
        f"    deps = [\n{dep_labels}    ],\n"
        ")\n"
    )


def write_repository(site: Path, out: Path, prefix: str) -> int:
    """Write the root BUILD (every library) and one alias package per distribution."""
    dists = distributions(site)
    installed = set(dists)
    parts = ['package(default_visibility = ["//visibility:public"])\n']
    for name, dist_info in dists.items():
        files = record_files(dist_info)
        parts.append(library(name, prefix, files, requirements(dist_info, installed)))
        package = out / name
        package.mkdir(exist_ok=True)
        (package / "BUILD.bazel").write_text(
            'package(default_visibility = ["//visibility:public"])\n\n'
            f'alias(\n    name = "{name}",\n    actual = "//:{name}_lib",\n)\n'
        )
    (out / "BUILD.bazel").write_text("\n".join(parts))
    return len(dists)


def main(argv: list[str]) -> int:
    site, out = Path(argv[1]), Path(argv[2])
    count = write_repository(site, out, argv[3])
    print(f"@pypi: {count} distributions from {site}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
