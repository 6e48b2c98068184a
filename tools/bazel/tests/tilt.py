"""The Tiltfile evaluated as Starlark with stub Tilt builtins that record what it asks for.

``kustomize`` really renders the overlay (``infra.tests.render``), ``local`` answers the
``bazel query`` for an image's sources with the files of its package, and every other builtin
records its arguments for the tests to check.
"""

import json
import re
from pathlib import Path

import starlark as sl
import yaml

from infra.tests.render import render
from libs.testkit import REPO_ROOT

GLOBALS = sl.Globals.extended_by([sl.LibraryExtension.StructType, sl.LibraryExtension.Json])


class Tilt:
    def __init__(self, workdir: Path, args: list[str] | None = None):
        self.workdir = workdir
        self.args = args or []
        self.builds: dict[str, dict] = {}
        self.resources: dict[str, dict] = {}
        self.local_resources: dict[str, dict] = {}
        self.objects: list[dict] = []
        self.kinds: dict[str, str] = {}
        self.queries: list[str] = []
        self.enabled: list[str] | None = None

    def kustomize(self, path: str) -> str:
        overlay = Path(path)
        assert overlay.parent == Path("infra/k8s/overlays"), path
        return yaml.safe_dump_all(render(overlay.name, self.workdir))

    def local(self, command: str, quiet: bool = False) -> str:
        match = re.fullmatch(
            r"bazel query \"filter\('\^//', kind\('source file', deps\((//[\w/]+):image\)\).*",
            command,
        )
        assert match, f"unexpected local command: {command}"
        self.queries.append(match.group(1))
        package = match.group(1)[2:]
        files = sorted(p for p in (REPO_ROOT / package).rglob("*") if p.is_file())
        return "\n".join(
            f"//{package}:{p.relative_to(REPO_ROOT / package).as_posix()}" for p in files
        )

    def build(self, kind):
        def record(ref=None, command=None, deps=(), **kw):
            assert ref not in self.builds, f"{ref} built twice"
            self.builds[ref] = {"kind": kind, "command": command, "deps": list(deps), **kw}

        return record

    def k8s_resource(self, workload=None, new_name=None, **kw):
        assert workload not in self.resources, f"k8s_resource({workload!r}) twice"
        self.resources[workload] = {"new_name": new_name, **kw}

    def local_resource(self, name, **kw):
        self.local_resources[name] = kw

    def module(self) -> sl.Module:
        mod = sl.Module()
        calls = {
            "_getenv": lambda key, default=None: default,
            "_define_string_list": lambda name, args=False: None,
            "_parse": lambda: {"to-run": self.args} if self.args else {},
            "_set_enabled_resources": lambda names: setattr(self, "enabled", list(names)),
            "allow_k8s_contexts": lambda context: None,
            "local": self.local,
            "kustomize": self.kustomize,
            "decode_yaml_stream": lambda text: [d for d in yaml.safe_load_all(text) if d],
            "encode_yaml_stream": lambda objects: yaml.safe_dump_all(objects),
            "k8s_yaml": lambda text: self.objects.extend(d for d in yaml.safe_load_all(text) if d),
            "k8s_kind": lambda kind, image_json_path=None: self.kinds.update(
                {kind: image_json_path}
            ),
            "k8s_resource": self.k8s_resource,
            "local_resource": self.local_resource,
            "custom_build": self.build("custom_build"),
            "sync": lambda local, remote: json.dumps({"sync": [local, remote]}),
        }
        for name, fn in calls.items():
            mod.add_callable(name, fn)
        prelude = (
            "os = struct(getenv = _getenv)\n"
            "config = struct(define_string_list = _define_string_list, parse = _parse,"
            " set_enabled_resources = _set_enabled_resources)\n"
        )
        sl.eval(mod, sl.parse("prelude", prelude), GLOBALS)
        return mod

    def load(self, name: str) -> sl.FrozenModule:
        assert name == "ext://restart_process", name
        mod = sl.Module()
        mod.add_callable("custom_build_with_restart", self.build("custom_build_with_restart"))
        return mod.freeze()

    def evaluate(self, path: Path = REPO_ROOT / "Tiltfile") -> "Tilt":
        dialect = sl.Dialect.extended()  # Tilt allows `for` and `if` at the top level
        dialect.enable_top_level_stmt = True
        ast = sl.parse(str(path), path.read_text(), dialect)
        sl.eval(self.module(), ast, GLOBALS, sl.FileLoader(self.load))
        return self
