"""Kubernetes service discovery, emulated: the cluster's scrape jobs with static targets.

Debian's Prometheus and promtool lack Kubernetes discovery, so each ``kubernetes_sd_configs`` job
becomes a ``static_configs`` job whose targets carry the ``__meta_kubernetes_pod_*`` labels that
discovery would give the rendered pods. The job's own relabelling then runs unchanged, in
promtool and in a real Prometheus.
"""

import copy
import re

from infra.tests.render import pod_template

RUNNING = "Running"


def _sanitize(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def pod_meta(obj: dict, ip: str, port: dict, container: dict) -> dict[str, str]:
    """What Kubernetes pod discovery says about one container port of a workload's first pod."""
    template = pod_template(obj)
    labels = {
        "__meta_kubernetes_namespace": obj["metadata"]["namespace"],
        "__meta_kubernetes_pod_name": f"{obj['metadata']['name']}-0",
        "__meta_kubernetes_pod_ip": ip,
        "__meta_kubernetes_pod_phase": RUNNING,
        "__meta_kubernetes_pod_uid": f"uid-{obj['metadata']['name']}",
        "__meta_kubernetes_pod_node_name": "node-0",
        "__meta_kubernetes_pod_container_name": container["name"],
        "__meta_kubernetes_pod_container_port_name": port.get("name", ""),
        "__meta_kubernetes_pod_container_port_number": str(port["containerPort"]),
    }
    for key, value in template["metadata"].get("labels", {}).items():
        labels[f"__meta_kubernetes_pod_label_{_sanitize(key)}"] = value
    for key, value in template["metadata"].get("annotations", {}).items():
        labels[f"__meta_kubernetes_pod_annotation_{_sanitize(key)}"] = value
    return labels


def discovered(objects: list[dict], namespaces: list[str] | None) -> list[tuple[dict, dict, dict]]:
    """``(workload, container, port)`` for every container port in ``namespaces`` (all if None)."""
    found = []
    for obj in objects:
        template = pod_template(obj)
        if template is None or obj["kind"] == "Job":
            continue
        if namespaces is not None and obj["metadata"]["namespace"] not in namespaces:
            continue
        for container in template["spec"]["containers"]:
            found.extend((obj, container, port) for port in container.get("ports", []))
    return found


def static_rendering(config: dict, objects: list[dict], live: dict[str, int] | None = None) -> dict:
    """``config`` with every Kubernetes-discovered job turned into static targets.

    Without ``live`` every rendered pod is a target at a placeholder address. With ``live``
    (``{app name: port}``) only those apps are, at ``127.0.0.1`` and the given port, which
    replaces the port in the pod's ``prometheus.io/port`` annotation and container port.
    """
    out = copy.deepcopy(config)
    for job in out["scrape_configs"]:
        sd = job.pop("kubernetes_sd_configs", None)
        if sd is None:
            continue
        assert [s["role"] for s in sd] == ["pod"], "only pod discovery is emulated"
        namespaces = sd[0].get("namespaces", {}).get("names")
        targets = []
        for obj, container, port in discovered(objects, namespaces):
            app = obj["metadata"]["name"]
            if live is not None and app not in live:
                continue
            ip = "127.0.0.1" if live else "10.42.0.10"
            meta = pod_meta(obj, ip, port, container)
            if live:
                meta["__meta_kubernetes_pod_container_port_number"] = str(live[app])
                key = "__meta_kubernetes_pod_annotation_prometheus_io_port"
                if key in meta:
                    meta[key] = str(live[app])
            number = meta["__meta_kubernetes_pod_container_port_number"]
            targets.append({"targets": [f"{ip}:{number}"], "labels": meta})
        job["static_configs"] = targets
    return out
