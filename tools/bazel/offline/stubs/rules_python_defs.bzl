"""`@rules_python//python:defs.bzl` for Bazel 4: the native rules rules_python wraps."""

py_binary = native.py_binary
py_library = native.py_library
py_test = native.py_test
