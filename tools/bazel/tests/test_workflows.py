"""The GitHub workflows: valid against GitHub's workflow schema, and doing what CI relies on."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from libs.testkit import REPO_ROOT
from tools.bazel.tests.test_build_files import IMAGES

WORKFLOWS = REPO_ROOT / ".github/workflows"


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess:
    """check-jsonschema with its vendored copy of GitHub's workflow schema (no network)."""
    binary = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run(
        [str(binary), "--builtin-schema", "vendor.github-workflows", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def steps(job: dict) -> str:
    return "\n".join(step.get("run", "") + str(step.get("uses", "")) for step in job["steps"])


def test_every_workflow_passes_the_github_workflow_schema():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert len(files) == 7
    done = check_jsonschema(*files)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  test:\n    steps:\n      - run: make test\n")
    assert check_jsonschema(broken).returncode != 0  # the job has no runs-on


def test_ci_runs_make_test_and_bazel_test_with_bazelisk_and_caches():
    jobs = workflow("ci.yml")["jobs"]
    assert "bash .ci/run" in steps(jobs["test"])  # make test, then make bazel-offline
    bazel = jobs["bazel"]
    assert "bazel test //..." in steps(bazel)
    setup = next(s for s in bazel["steps"] if "setup-bazel" in s.get("uses", ""))
    assert setup["with"]["bazelisk-cache"] and setup["with"]["repository-cache"]
    assert setup["with"]["disk-cache"]


@pytest.mark.parametrize("package", IMAGES)
def test_each_image_is_pushed_on_main_when_its_sources_change(package):
    name = IMAGES[package].rpartition("/")[2]
    spec = workflow(f"image-{name}.yml")
    push = spec[True]["push"]  # YAML reads the key `on` as True
    assert push["branches"] == ["main"]
    assert f"{package}/**" in push["paths"] and "requirements/lock.txt" in push["paths"]
    assert spec["jobs"]["image"]["with"]["package"] == package
    assert spec["jobs"]["image"]["uses"] == "./.github/workflows/image.yml"


def test_the_push_job_runs_the_image_push_target_with_the_registry_flag():
    job = workflow("image.yml")["jobs"]["push"]
    script = steps(job)
    assert '"//${{ inputs.package }}:image_push"' in script
    assert "--//tools/bazel:registry=" in script
    assert workflow("image.yml")["permissions"]["packages"] == "write"
