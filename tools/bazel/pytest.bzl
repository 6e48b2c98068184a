"""`pytest_test`: a py_test that runs pytest over its sources."""

load("@rules_python//python:defs.bzl", "py_test")

_PYTEST_DEPS = ["//libs/testkit", "@pypi//pytest", "@pypi//pytest_timeout"]

def pytest_test(name, srcs, deps = [], args = [], data = [], **kwargs):
    """Runs pytest on `srcs` (test modules and doctested modules alike).

    Args:
      name: target name, `<dir>_test` by convention.
      srcs: Python files pytest collects.
      deps: libraries the tests import.
      args: extra pytest arguments.
      data: files the tests read.
      **kwargs: passed to py_test (size, tags, ...).
    """
    py_test(
        name = name,
        srcs = srcs + ["//tools/bazel:pytest_main.py"],
        main = "//tools/bazel:pytest_main.py",
        args = args + ["--doctest-modules"] + ["$(location %s)" % s for s in srcs],
        data = data + ["//:pyproject.toml"],
        # pyproject.toml loads the shared fixtures plugin (-p libs.testkit.fixtures) everywhere
        # and sets the per-test `timeout`, which pytest-timeout enforces.
        deps = deps + [d for d in _PYTEST_DEPS if d not in deps],
        **kwargs
    )
