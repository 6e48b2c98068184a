"""Promtail's configuration turns the services' real log lines into the labels Grafana queries."""

import json
import logging

import pytest
import yaml

from infra.tests.promtail import Entry, relabel, run_stages, selector, selects
from infra.tests.render import find
from infra.tests.scrape import pod_meta
from tools.cluster.dashboard import dashboard

LEVELS = set(logging.getLevelNamesMapping()) - {"NOTSET", "WARN", "FATAL"}
WORKLOADS = {"ingestion": "Deployment", "features": "Deployment", "model": "StatefulSet"}


@pytest.fixture(scope="module")
def promtail(rendered) -> dict:
    config = find(rendered["dev"], "ConfigMap", "promtail-config-", "monitoring")
    return yaml.safe_load(config["data"]["promtail.yaml"])


@pytest.fixture(scope="module")
def entries(rendered, services, promtail) -> dict[str, tuple[dict, Entry]]:
    """Per service: one of its real JSON log lines, and what Promtail makes of it as the line
    Kubernetes writes for its pod (CRI format)."""
    (job,) = promtail["scrape_configs"]
    out = {}
    for app, kind in WORKLOADS.items():
        workload = find(rendered["dev"], kind, app, "ml-services")
        container = workload["spec"]["template"]["spec"]["containers"][0]
        meta = pod_meta(workload, "10.42.0.10", container["ports"][0], container)
        target = relabel(job["relabel_configs"], meta)
        lines = [line for line in services[app].log().splitlines() if line.startswith("{")]
        assert lines, f"{app} wrote no JSON log line"
        record = json.loads(lines[-1])
        cri = f"2026-01-01T00:00:00.000000001Z stdout F {lines[-1]}"
        out[app] = record, run_stages(job["pipeline_stages"], Entry(cri, dict(target)))
    return out


def test_targets_tail_the_pod_log_files_kubernetes_writes(rendered, promtail):
    (job,) = promtail["scrape_configs"]
    workload = find(rendered["dev"], "StatefulSet", "model", "ml-services")
    container = workload["spec"]["template"]["spec"]["containers"][0]
    target = relabel(
        job["relabel_configs"], pod_meta(workload, "ip", {"containerPort": 1}, container)
    )
    assert target["__path__"] == "/var/log/pods/*uid-model/model/*.log"
    assert {k: target[k] for k in ("namespace", "pod", "container", "app")} == {
        "namespace": "ml-services",
        "pod": "model-0",
        "container": "model",
        "app": "model",
    }


@pytest.mark.parametrize("app", WORKLOADS)
def test_json_log_line_becomes_service_and_level_labels_and_keeps_request_id(entries, app):
    record, entry = entries[app]
    assert entry.labels["service"] == record["service"] == app
    assert entry.labels["level"] == record["level"]
    assert entry.labels["namespace"] == "ml-services"
    assert entry.structured_metadata == {"request_id": record["request_id"]}
    assert json.loads(entry.line) == record  # the whole line is kept for `| json` queries


def test_grafana_log_queries_use_labels_promtail_sets(entries):
    queries = [
        target["expr"]
        for panel in dashboard()["panels"]
        if panel["datasource"]["type"] == "loki"
        for target in panel["targets"]
    ]
    assert queries
    labelled = [entry.labels for _, entry in entries.values()]
    for query in queries:
        matchers = selector(query)
        for name, op, value in matchers:
            assert all(name in labels for labels in labelled), f"{query}: no label {name}"
            if name == "level" and op == "=~":
                assert set(value.split("|")) <= LEVELS, query
        without_level = [m for m in matchers if m[0] != "level"]
        assert all(selects(without_level, labels) for labels in labelled), query
