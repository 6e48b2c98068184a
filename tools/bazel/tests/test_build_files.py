"""The image targets every BUILD file must carry, read from the BUILD files and image.bzl."""

import re

import pytest
import yaml

from libs.testkit import REPO_ROOT
from tools.bazel.tests.build_files import Workspace

IMAGES = {
    "services/ingestion": "online-learning/ingestion",
    "services/features": "online-learning/features",
    "services/model": "online-learning/model",
    "services/pipeline": "online-learning/pipeline",
    "infra/feast": "online-learning/feast-server",
}


@pytest.fixture(scope="module")
def workspace() -> Workspace:
    return Workspace().evaluate()


@pytest.mark.parametrize("package", IMAGES)
def test_image_load_and_push_targets_exist_for_every_image(workspace, package):
    image = workspace.target(f"//{package}:image")
    load = workspace.target(f"//{package}:image_load")
    push = workspace.target(f"//{package}:image_push")
    assert (image["kind"], load["kind"], push["kind"]) == ("oci_image", "oci_load", "oci_push")
    assert load["image"] == push["image"] == ":image"
    assert load["repo_tags"] == [f"{IMAGES[package]}:dev"]
    repository = workspace.target(f"//{package}:{push['repository_file'][1:]}")
    assert repository["repository"] == IMAGES[package]


@pytest.mark.parametrize("package", IMAGES)
def test_images_run_a_py_binary_as_non_root_on_the_digest_pinned_base(workspace, package):
    image = workspace.target(f"//{package}:image")
    binary = workspace.target(f"//{package}:{image['entrypoint'][0].rpartition('/')[2]}")
    assert binary["kind"] == "py_binary"
    assert image["entrypoint"][0] == f"/app/{package}/{binary['name']}"
    assert image["workdir"] == image["entrypoint"][0] + ".runfiles/_main"
    assert image["user"] == "65532:65532"
    assert image["base"] == "@python_base_linux_amd64"
    module = (REPO_ROOT / "MODULE.bazel").read_text()
    assert re.search(r'name = "python_base",\s+digest = "sha256:[0-9a-f]{64}"', module)


@pytest.mark.parametrize("package", IMAGES)
def test_two_layers_dependencies_then_our_code(workspace, package):
    image = workspace.target(f"//{package}:image")
    layers = workspace.target(f"//{package}:image_layers")
    assert image["tars"] == [":image_layers_deps", ":image_layers_default"]
    assert layers["kind"] == "py_image_layer" and list(layers["layer_groups"]) == ["deps"]
    assert layers["owner"] == layers["group"] == "65532"  # live_update writes as that user
    assert layers["binary"] == image["entrypoint"][0].replace(f"/app/{package}/", ":")


def test_service_images_run_their_package_main_with_the_service_library(workspace):
    for package in list(IMAGES)[:4]:
        name = package.rpartition("/")[2]
        image = workspace.target(f"//{package}:image")
        python = workspace.target(f"//{package}:python")
        assert image["cmd"] == ["-m", f"services.{name}"]
        assert "__main__.py" in python["srcs"] and python["deps"] == [f":{name}"]


def test_feast_image_serves_the_feature_repository(workspace):
    image = workspace.target("//infra/feast:image")
    feast = workspace.target("//infra/feast:feast")
    assert image["cmd"][:3] == ["--chdir", "infra/feast/feature_repo", "serve"]
    assert {"@pypi//feast", "@pypi//boto3", "@pypi//redis"} <= set(feast["deps"])
    repo = REPO_ROOT / "infra/feast/feature_repo"
    files = {p.relative_to(repo.parent).as_posix() for p in repo.rglob("*.py")}
    assert files <= set(feast["data"])


def test_push_registry_defaults_to_the_k3d_cluster_registry(workspace):
    flag = workspace.target("//tools/bazel:registry")
    cluster = yaml.safe_load((REPO_ROOT / "infra/k3d/cluster.yaml").read_text())
    registry = cluster["registries"]["create"]
    assert flag["build_setting_default"] == f"{registry['name']}:{registry['hostPort']}"
