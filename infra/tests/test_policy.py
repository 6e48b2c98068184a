"""Policy over the rendered objects: hardening, labels, probes, wiring, and no literal secrets."""

import re

import pytest
from pydantic_settings import BaseSettings

from infra.tests.render import OVERLAYS, containers, env_of, find, ident, pod_spec, pod_template
from services.features.app import create_app as features_app
from services.features.settings import FeaturesSettings
from services.ingestion.app import create_app as ingestion_app
from services.ingestion.settings import IngestionSettings
from services.model.app import create_app as model_app
from services.model.settings import ModelSettings
from services.pipeline.settings import PipelineSettings

ROOT_ALLOWED = {"promtail"}
"""Reads the node's container logs through hostPath, which needs root."""
SETTINGS: dict[str, type[BaseSettings]] = {
    "ingestion": IngestionSettings,
    "features": FeaturesSettings,
    "model": ModelSettings,
    "pipeline": PipelineSettings,
}
APPS = {"ingestion": ingestion_app, "features": features_app, "model": model_app}
AWS_VARIABLES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"}
"""Read by boto3 in the model service (S3 snapshots), not by its settings class."""
SENSITIVE = re.compile(r"PASSWORD|SECRET|TOKEN|ACCESS_KEY|CREDENTIAL", re.IGNORECASE)


def _ours(container: dict) -> str | None:
    """``ingestion``/``features``/``model``/``pipeline`` for our images, else None."""
    match = re.match(r"^(?:[\w.-]+/)*online-learning/(\w+)[:@]", container["image"])
    return match.group(1) if match and match.group(1) in SETTINGS else None


def _pods(objects):
    return [o for o in objects if pod_spec(o) is not None]


@pytest.fixture(params=OVERLAYS)
def objects(request, rendered):
    return rendered[request.param]


def test_every_container_is_hardened(objects):
    checked = 0
    for obj in objects:
        spec = pod_spec(obj) or obj.get("spec", {}).get("workflowSpec", {})
        pod = spec.get("securityContext", {})
        for _, c in containers(obj):
            where = f"{ident(obj)} container {c.get('name', 'script')}"
            sc = c.get("securityContext", {})
            assert sc.get("allowPrivilegeEscalation") is False, where
            assert sc.get("readOnlyRootFilesystem") is True, where
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], where
            assert not sc.get("capabilities", {}).get("add"), where
            seccomp = sc.get("seccompProfile") or pod.get("seccompProfile") or {}
            assert seccomp.get("type") == "RuntimeDefault", where
            if obj["metadata"]["name"] not in ROOT_ALLOWED:
                assert sc.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, where
                assert sc.get("runAsUser", pod.get("runAsUser", 1)) != 0, where
            resources = c.get("resources", {})
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(kind, {})), f"{where}: {kind}"
            checked += 1
    assert checked >= 15


def test_long_running_containers_have_probes_and_named_ports(objects):
    for obj in objects:
        if obj["kind"] not in {"Deployment", "StatefulSet", "DaemonSet"}:
            continue
        for c in pod_spec(obj)["containers"]:
            where = f"{ident(obj)}/{c['name']}"
            assert "readinessProbe" in c and "livenessProbe" in c, where
            assert c["ports"] and all(p.get("name") for p in c["ports"]), where
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                action = c.get(probe, {}).get("httpGet") or c.get(probe, {}).get("tcpSocket")
                if action:
                    assert action["port"] in {p["name"] for p in c["ports"]}, f"{where} {probe}"


def test_objects_and_pods_carry_the_recommended_labels(objects):
    for obj in objects:
        labels = obj["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/part-of") == "online-learning", ident(obj)
        if obj["kind"] != "Namespace":
            assert "app.kubernetes.io/name" in labels, ident(obj)
        template = pod_template(obj)
        if template is not None:
            pod_labels = template["metadata"]["labels"]
            assert {"app.kubernetes.io/name", "app.kubernetes.io/component"} <= set(pod_labels)


def test_every_service_selects_pods_and_named_target_ports(objects):
    services = [o for o in objects if o["kind"] == "Service"]
    assert len(services) >= 10
    for svc in services:
        ns, selector = svc["metadata"]["namespace"], svc["spec"]["selector"]
        matches = [
            o
            for o in _pods(objects)
            if o["metadata"]["namespace"] == ns
            and selector.items() <= pod_template(o)["metadata"]["labels"].items()
        ]
        assert matches, f"{ident(svc)} selects no pods"
        ports = {p["name"] for o in matches for c in pod_spec(o)["containers"] for p in c["ports"]}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in ports, f"{ident(svc)} port {port['name']}"


def test_env_vars_on_our_containers_are_accepted_by_the_settings(objects):
    seen = set()
    for obj in objects:
        for _, c in containers(obj):
            app = _ours(c)
            if app is None:
                continue
            settings = SETTINGS[app]
            accepted = {name.upper() for name in settings.model_fields}
            if app == "model":
                accepted |= AWS_VARIABLES
            names = {e["name"] for e in c.get("env", [])}
            assert names <= accepted, f"{ident(obj)}: {sorted(names - accepted)} unknown to {app}"
            values = {k.lower(): v for k, v in env_of(c).items() if k not in AWS_VARIABLES}
            settings(**values)  # a value the service would refuse at start-up fails here
            seen.add(app)
    assert seen == set(SETTINGS)


def test_probe_paths_exist_on_the_service_and_ports_match_port(objects):
    for obj in _pods(objects):
        for c in pod_spec(obj)["containers"]:
            app = _ours(c)
            if app is None:
                continue
            env = env_of(c)
            settings = SETTINGS[app](**{k.lower(): v for k, v in env.items() if k != "PORT"})
            openapi = APPS[app](settings).openapi()["paths"]
            paths = {path for path, methods in openapi.items() if "get" in methods}
            ports = {p["name"]: p["containerPort"] for p in c["ports"]}
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                http = c[probe]["httpGet"]
                assert http["path"] in paths, f"{ident(obj)} {probe} {http['path']}"
                assert ports[http["port"]] == int(env["PORT"]), f"{ident(obj)} {probe}"


def _references(obj: dict):
    """(kind, name) of every ConfigMap and Secret an object's pods use."""
    spec = pod_spec(obj) or {}
    for volume in spec.get("volumes", []):
        if "configMap" in volume:
            yield "ConfigMap", volume["configMap"]["name"]
        if "secret" in volume:
            yield "Secret", volume["secret"]["secretName"]
    for _, c in containers(obj):
        for source in c.get("envFrom", []):
            if "configMapRef" in source:
                yield "ConfigMap", source["configMapRef"]["name"]
            if "secretRef" in source:
                yield "Secret", source["secretRef"]["name"]
        for e in c.get("env", []):
            ref = e.get("valueFrom", {})
            if "configMapKeyRef" in ref:
                yield "ConfigMap", ref["configMapKeyRef"]["name"], ref["configMapKeyRef"]["key"]
            if "secretKeyRef" in ref:
                yield "Secret", ref["secretKeyRef"]["name"], ref["secretKeyRef"]["key"]


def test_configmap_and_secret_references_resolve(objects, cluster_secrets):
    """ConfigMaps come from the overlay; Secrets only from ``make secrets``, with every key."""
    refs = 0
    for obj in objects:
        for kind, name, *key in _references(obj):
            source = cluster_secrets if kind == "Secret" else objects
            target = find(source, kind, name, obj["metadata"]["namespace"])
            if key:
                assert key[0] in target.get("data", {}), f"{ident(obj)}: {kind} {name} {key[0]}"
            refs += 1
    assert refs >= 20


def test_no_secret_and_no_literal_credential_is_rendered(objects):
    """Credentials reach the pods only through the Secrets ``make secrets`` applies."""
    assert [ident(o) for o in objects if o["kind"] == "Secret"] == []
    for obj in objects:
        if obj["kind"] == "ConfigMap":
            sensitive = [k for k in obj.get("data", {}) if SENSITIVE.search(k)]
            assert not sensitive, f"{ident(obj)}: {sensitive}"
        for _, c in containers(obj):
            for e in c.get("env", []):
                if SENSITIVE.search(e["name"]):
                    assert set(e.get("valueFrom", {})) == {"secretKeyRef"}, f"{ident(obj)} {e}"


def test_every_namespace_denies_by_default(objects):
    namespaces = {o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"}
    assert namespaces == {"ml-services", "feast", "argo", "monitoring"}
    for ns in namespaces:
        deny = find(objects, "NetworkPolicy", "default-deny", ns)
        assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_every_pod_has_its_own_network_policy(objects):
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    for obj in _pods(objects):
        ns, labels = obj["metadata"]["namespace"], pod_template(obj)["metadata"]["labels"]
        own = [
            p
            for p in policies
            if p["metadata"]["namespace"] == ns
            and p["spec"]["podSelector"].get("matchLabels")
            and p["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
        ]
        assert own, f"{ident(obj)} has no policy of its own"
