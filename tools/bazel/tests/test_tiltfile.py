"""The Tiltfile, evaluated with stub Tilt builtins against the BUILD files and the dev overlay."""

import re

import pytest

from infra.tests.render import secret_readers
from libs.testkit import REPO_ROOT
from tools.bazel.tests.build_files import Workspace
from tools.bazel.tests.tilt import Tilt

CONTRACT_PORTS = {8000, 8001, 8002, 6566, 9001, 2746, 3000, 9090, 3100}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronWorkflow"}


@pytest.fixture(scope="module")
def tilt(tmp_path_factory) -> Tilt:
    return Tilt(tmp_path_factory.mktemp("tilt")).evaluate()


@pytest.fixture(scope="module")
def workspace() -> Workspace:
    return Workspace().evaluate()


def workload_names(objects: list[dict]) -> dict[str, dict]:
    """Tilt's resource name for each workload: its name, else name:kind, else name:kind:ns."""
    workloads = [o for o in objects if o["kind"] in WORKLOADS]
    names = {}
    for obj in workloads:
        name, kind, ns = obj["metadata"]["name"], obj["kind"].lower(), obj["metadata"]["namespace"]
        same_name = [o for o in workloads if o["metadata"]["name"] == name]
        same_kind = [o for o in same_name if o["kind"].lower() == kind]
        key = name if len(same_name) == 1 else f"{name}:{kind}" if len(same_kind) == 1 else None
        names[key or f"{name}:{kind}:{ns}"] = obj
    return names


def container_images(obj: dict) -> list[str]:
    if obj["kind"] == "CronWorkflow":
        templates = obj["spec"]["workflowSpec"]["templates"]
        return [t["container"]["image"] for t in templates if "container" in t]
    pod = obj["spec"]["template"]["spec"]
    return [c["image"] for c in pod["containers"] + pod.get("initContainers", [])]


def container_ports(obj: dict) -> set[int]:
    pod = obj["spec"]["template"]["spec"]
    return {p["containerPort"] for c in pod["containers"] for p in c.get("ports", [])}


def resource_names(tilt: Tilt) -> dict[str, str]:
    """Tilt resource name -> workload, for every k8s_resource call."""
    return {(spec["new_name"] or w): w for w, spec in tilt.resources.items()}


def test_every_image_tilt_builds_is_a_bazel_image_load_target_with_that_tag(tilt, workspace):
    for ref, build in tilt.builds.items():
        match = re.fullmatch(
            r"bazel run (//[\w/]+):image_load && docker tag (\S+):dev \$EXPECTED_REF",
            build["command"],
        )
        assert match and match.group(2) == ref, build["command"]
        load = workspace.target(f"{match.group(1)}:image_load")
        assert load["kind"] == "oci_load" and load["repo_tags"] == [f"{ref}:dev"]
        assert match.group(1) in tilt.queries  # deps come from the Bazel graph
        assert build["deps"] and all((REPO_ROOT / d).exists() for d in build["deps"])


def test_every_image_the_overlay_runs_from_us_is_built_by_tilt(tilt):
    ours = {
        image.partition(":")[0]
        for obj in tilt.objects
        if obj["kind"] in WORKLOADS
        for image in container_images(obj)
        if image.startswith("online-learning/")
    }
    assert (
        ours
        == set(tilt.builds)
        == {
            "online-learning/ingestion",
            "online-learning/features",
            "online-learning/model",
            "online-learning/pipeline",
            "online-learning/feast-server",
        }
    )
    assert tilt.kinds["CronWorkflow"] == "{.spec.workflowSpec.templates[*].container.image}"


def test_live_update_syncs_existing_directories_into_the_image_source_tree(tilt, workspace):
    restarted = {r: b for r, b in tilt.builds.items() if b["kind"] == "custom_build_with_restart"}
    assert set(restarted) == {f"online-learning/{s}" for s in ("ingestion", "features", "model")}
    for build in restarted.values():
        package = re.search(r"run //([\w/]+):image_load", build["command"]).group(1)
        image = workspace.target(f"//{package}:image")
        assert build["entrypoint"] == image["entrypoint"] + image["cmd"]
        syncs = [__import__("json").loads(step)["sync"] for step in build["live_update"]]
        assert {local for local, _ in syncs} == {"services", "libs"}
        for local, remote in syncs:
            assert (REPO_ROOT / local).is_dir()
            assert remote == f"{image['workdir']}/{local}"


def test_every_k8s_resource_names_a_rendered_workload_and_known_dependencies(tilt):
    workloads = workload_names(tilt.objects)
    assert len(tilt.objects) > 50
    names = resource_names(tilt)
    for workload in tilt.resources:
        assert workload in workloads, f"k8s_resource({workload!r}): no such workload"
    known = set(names) | set(tilt.local_resources) | (set(workloads) - set(tilt.resources))
    for spec in [*tilt.resources.values(), *tilt.local_resources.values()]:
        assert set(spec.get("resource_deps", [])) <= known
    assert set(workloads) <= set(tilt.resources), "every workload is grouped with a label"
    assert all(spec.get("labels") for spec in tilt.resources.values())


def test_every_contract_port_is_forwarded_to_a_port_its_workload_serves(tilt):
    workloads = workload_names(tilt.objects)
    forwarded = set()
    for workload, spec in tilt.resources.items():
        for forward in spec.get("port_forwards", []):
            local, remote = (int(p) for p in forward.split(":"))
            assert remote in container_ports(workloads[workload]), (workload, forward)
            forwarded.add(local)
    argo = tilt.local_resources["argo-server"]["serve_cmd"]
    assert "port-forward svc/argo-server 2746:2746" in argo
    forwarded.add(2746)
    assert forwarded >= CONTRACT_PORTS


def closure(tilt: Tilt, name: str) -> set[str]:
    specs = {n: tilt.resources[w] for n, w in resource_names(tilt).items()}
    specs.update(tilt.local_resources)
    seen, todo = set(), list(specs[name].get("resource_deps", []))
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(specs.get(dep, {}).get("resource_deps", []))
    return seen


def test_stores_start_before_the_services_that_need_them(tilt):
    names = resource_names(tilt)
    assert names["ml-redis"] == "redis:statefulset:ml-services"
    assert names["feast-redis"] == "redis:statefulset:feast"
    for service in ("ingestion", "features"):
        assert "ml-redis" in closure(tilt, service)
    assert {"feast-redis", "minio", "minio-buckets"} <= closure(tilt, "feast-server")
    for cron in ("online-learning-cron-v0", "online-learning-cron-v1"):
        assert {"argo-install", "ingestion", "features", "model"} <= closure(tilt, cron)


def test_make_secrets_runs_before_every_workload_that_reads_a_secret(tilt):
    assert tilt.local_resources["secrets"]["cmd"] == "make secrets"
    names = {w: n for n, w in resource_names(tilt).items()}
    readers = {r for found in secret_readers(tilt.objects).values() for r in found}
    assert len(readers) >= 7
    for reader in readers:
        workload = reader.split("/")[2]
        assert "secrets" in closure(tilt, names.get(workload, workload)), reader


def test_only_our_containers_get_a_writable_root_filesystem_under_tilt(tilt):
    for obj in tilt.objects:
        if obj["kind"] not in WORKLOADS - {"CronWorkflow"}:
            continue
        pod = obj["spec"]["template"]["spec"]
        for container in pod["containers"] + pod.get("initContainers", []):
            read_only = container.get("securityContext", {}).get("readOnlyRootFilesystem")
            ours = container["image"].startswith("online-learning/")
            assert read_only is (not ours), (obj["metadata"]["name"], container["name"])


def test_arguments_after_dashes_select_the_resources_to_run(tmp_path):
    assert Tilt(tmp_path, ["model", "features"]).evaluate().enabled == ["model", "features"]
    assert Tilt(tmp_path / "all").evaluate().enabled is None
