"""The WORKSPACE and local repositories that stand in for the registry downloads under Bazel 4."""

import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).parent
STUBS = HERE / "stubs"
RULES_JAVA = "/usr/share/bazel/rules/java"

RULES_CC_DEFS = "\n".join(
    f"{rule} = native.{rule}"
    for rule in ("cc_binary", "cc_library", "cc_test", "cc_toolchain", "cc_toolchain_suite")
)

# Bazel 4's test rules depend on this target even when coverage is off.
COVERAGE_BUILD = """\
filegroup(
    name = "coverage_report_generator",
    visibility = ["//visibility:public"],
)
"""

TOOLS_BUILD = """\
sh_binary(
    name = "oci",
    srcs = ["oci.sh"],
    data = ["oci.py"],
    visibility = ["//visibility:public"],
)
"""

# Run by actions, whose PATH has no `python`: the interpreter is named, the script is in runfiles.
TOOLS_SH = '#!/bin/sh\nexec "{python}" -S "$0.runfiles/offline_tools/oci.py" "$@"\n'


PYTHON_BUILD = """\
load("@bazel_tools//tools/python:toolchain.bzl", "py_runtime_pair")

py_runtime(
    name = "py3",
    interpreter_path = "{interpreter}",
    python_version = "PY3",
)

py_runtime_pair(
    name = "pair",
    py3_runtime = ":py3",
)

toolchain(
    name = "toolchain",
    toolchain = ":pair",
    toolchain_type = "@bazel_tools//tools/python:toolchain_type",
)
"""

# The interpreter Bazel's tests run on: the virtualenv's base Python without site-packages.
PYTHON_WRAPPER = '#!/bin/sh\nexec "{base}" -S "$@"\n'


def write_if_changed(path: Path, text: str, mode: int = 0o644) -> None:
    """Rewrite ``path`` only when its content changes, so Bazel keeps its cached repositories."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    path.chmod(mode)


def repositories(repos: Path) -> dict[str, dict[str, str]]:
    """Files of each stand-in repository: name -> {relative path: content}."""
    stub = {p.name: p.read_text() for p in STUBS.glob("*.bzl")}
    wrapper = repos / "offline_python" / "python3"
    return {
        "rules_python": {"python/defs.bzl": stub["rules_python_defs.bzl"], "python/BUILD": ""},
        "rules_cc": {"cc/defs.bzl": RULES_CC_DEFS + "\n", "cc/BUILD": ""},
        "remote_coverage_tools": {"BUILD": COVERAGE_BUILD},
        "rules_oci": {"oci/defs.bzl": stub["rules_oci_defs.bzl"], "oci/BUILD": ""},
        "aspect_rules_py": {"py/defs.bzl": stub["aspect_rules_py_defs.bzl"], "py/BUILD": ""},
        "bazel_skylib": {
            "rules/common_settings.bzl": stub["bazel_skylib_common_settings.bzl"],
            "rules/BUILD": "",
        },
        "offline_tools": {
            "oci.py": (HERE / "oci.py").read_text(),
            "oci.sh": TOOLS_SH.format(python=sys._base_executable),
            "BUILD": TOOLS_BUILD,
        },
        "offline_python": {
            "BUILD": PYTHON_BUILD.format(interpreter=wrapper),
            "python3": PYTHON_WRAPPER.format(base=sys._base_executable),
        },
    }


def write_repositories(repos: Path) -> None:
    for name, files in repositories(repos).items():
        write_if_changed(repos / name / "WORKSPACE", f'workspace(name = "{name}")\n')
        files.setdefault("BUILD", "")
        for rel, text in files.items():
            mode = 0o755 if rel in ("python3", "oci.sh") else 0o644
            write_if_changed(repos / name / rel, text, mode)


def workspace_text(repos: Path, venv: Path) -> str:
    """The WORKSPACE of the copied tree."""
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv)})).relative_to(venv)
    local = "".join(
        f'local_repository(\n    name = "{name}",\n    path = "{repos / name}",\n)\n\n'
        for name in repositories(repos)
    )
    return (
        'workspace(name = "online_learning_platform")\n\n'
        f"{local}"
        # Debian's bazel-rules-java: Bazel 4 loads rules_java even for Python-only graphs.
        f'local_repository(\n    name = "rules_java",\n    path = "{RULES_JAVA}",\n)\n\n'
        'register_toolchains("@offline_python//:toolchain")\n\n'
        'load("//tools/bazel:offline/pypi.bzl", "pypi_repository")\n\n'
        "pypi_repository(\n"
        '    name = "pypi",\n'
        f'    python = "{venv / "bin" / "python"}",\n'
        f'    site_packages = "{site}",\n'
        f'    venv = "{venv}",\n'
        ")\n"
    )
