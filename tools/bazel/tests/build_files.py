"""BUILD files evaluated as Starlark with recording rules, and ``tools/bazel/image.bzl`` itself.

Each rule call records ``(package, name) -> {"kind": rule, **attributes}``. The image macro
runs for real over recording ``oci_image``/``oci_load``/``oci_push``/``py_image_layer``, so the
checks see the targets, entrypoints, working directories and repositories it creates.
"""

import os
from pathlib import Path

import starlark as sl

from libs.testkit import REPO_ROOT

GLOBALS = sl.Globals.extended_by([sl.LibraryExtension.StructType, sl.LibraryExtension.Json])
REGISTRY_DEFAULT = "k3d-registry.localhost:5005"


class Workspace:
    """Every target the BUILD files under ``root`` declare."""

    def __init__(self, root: Path = REPO_ROOT):
        self.root = root
        self.targets: dict[tuple[str, str], dict] = {}
        self.package = ""

    def recorder(self, kind: str):
        def record(*args, **attrs):
            name = attrs.get("name")
            if name is None:
                return None  # a call without a target (a provider, attr.string(), ...)
            key = (self.package, name)
            assert key not in self.targets, f"//{self.package}:{name} declared twice"
            self.targets[key] = {"kind": kind, **attrs}
            if kind == "py_image_layer":
                return [f":{name}_deps", f":{name}_default"]
            return None

        return record

    def module(self, symbols: list[str]) -> sl.Module:
        mod = sl.Module()
        for symbol in symbols:
            mod.add_callable(symbol, self.recorder(symbol))
        return mod

    def load(self, label: str) -> sl.FrozenModule:
        if label == "//tools/bazel:image.bzl":
            return self.evaluate_bzl(self.root / "tools/bazel/image.bzl")
        symbols = {
            "@rules_python//python:defs.bzl": ["py_binary", "py_library", "py_test"],
            "@rules_oci//oci:defs.bzl": ["oci_image", "oci_load", "oci_push"],
            "@aspect_rules_py//py:defs.bzl": ["py_image_layer"],
            "@bazel_skylib//rules:common_settings.bzl": ["string_flag", "BuildSettingInfo"],
            "//tools/bazel:pytest.bzl": ["pytest_test"],
        }[label]
        return self.module(symbols).freeze()

    def evaluate_bzl(self, path: Path) -> sl.FrozenModule:
        mod = sl.Module()
        mod.add_callable("_rule_instance", self.recorder("rule"))
        for name in ("_attr", "DefaultInfo", "depset", "fail"):
            mod.add_callable(name, lambda *a, **k: None)
        mod.add_callable("_package_name", lambda: self.package)
        prelude = (
            "def rule(implementation, **kwargs):\n    return _rule_instance\n"
            "attr = struct(string = _attr, label = _attr)\n"
            "native = struct(package_name = _package_name)\n"
        )
        sl.eval(mod, sl.parse("prelude", prelude), GLOBALS)
        sl.eval(mod, sl.parse(str(path), path.read_text()), GLOBALS, sl.FileLoader(self.load))
        return mod.freeze()

    def evaluate(self) -> "Workspace":
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "bazel-")) and d != "out"]
            if "BUILD.bazel" in filenames:
                self.package = Path(dirpath).relative_to(self.root).as_posix().strip(".")
                mod = sl.Module()
                mod.add_callable("exports_files", lambda *a, **k: None)
                mod.add_callable("glob", self.glob)
                for kind in ("alias", "filegroup", "string_flag"):
                    mod.add_callable(kind, self.recorder(kind))
                text = (Path(dirpath) / "BUILD.bazel").read_text()
                sl.eval(mod, sl.parse(dirpath, text), GLOBALS, sl.FileLoader(self.load))
        return self

    def glob(self, include, exclude=(), **_):
        # Bazel's trailing `**` matches files too; pathlib's matches directories only.
        base = self.root / self.package
        paths = [pattern + "/*" if pattern.endswith("**") else pattern for pattern in include]
        found = {p for pattern in paths for p in base.glob(pattern) if p.is_file()}
        paths = [pattern + "/*" if pattern.endswith("**") else pattern for pattern in exclude]
        skipped = {p for pattern in paths for p in base.glob(pattern)}
        return sorted(p.relative_to(base).as_posix() for p in found - skipped)

    def target(self, label: str) -> dict:
        package, _, name = label.removeprefix("//").partition(":")
        return self.targets[(package, name)]
