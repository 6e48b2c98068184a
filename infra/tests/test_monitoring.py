"""Prometheus rules and scrape configuration through promtool, and the dashboard against a real
Prometheus scraping the services while the scheduled job's command streams."""

import subprocess
import sys
import time

import httpx
import pytest
import yaml

from infra.tests import stack
from infra.tests.render import K8S, env_of, find
from infra.tests.scrape import static_rendering
from libs.testkit import PrometheusServer, require_binary
from libs.testkit.servers import REPO_ROOT
from tools.cluster.dashboard import PATH, dashboard, render

RULES = K8S / "base/monitoring/prometheus/alerts.yml"
RULE_TESTS = K8S / "base/monitoring/prometheus/alerts.test.yml"
PANEL_TIMEOUT = 180.0
"""The slowest panel counts minutes with streamed observations: it needs a minute boundary."""


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [require_binary("promtool"), *args], capture_output=True, text=True, timeout=120
    )


def config_map(objects: list[dict], name: str, key: str) -> str:
    return find(objects, "ConfigMap", f"{name}-", "monitoring")["data"][key]


def test_rendered_rules_are_the_tested_file(rendered):
    assert config_map(rendered["prod"], "prometheus-rules", "alerts.yml") == RULES.read_text()


def test_alert_rules_pass_promtool_check():
    done = promtool("check", "rules", str(RULES))
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_has_a_passing_promtool_unit_test():
    alerts = {r["alert"] for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]}
    tests = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    tested = {case["alertname"] for t in tests for case in t.get("alert_rule_test", [])}
    assert alerts <= tested, f"alerts without a unit test: {sorted(alerts - tested)}"
    firing = {
        case["alertname"]
        for t in tests
        for case in t.get("alert_rule_test", [])
        if case["exp_alerts"]
    }
    assert alerts <= firing, f"alerts never shown firing: {sorted(alerts - firing)}"
    done = promtool("test", "rules", str(RULE_TESTS))
    assert done.returncode == 0, done.stdout + done.stderr


def _static_config(objects: list[dict], live: dict[str, int] | None = None) -> dict:
    config = yaml.safe_load(config_map(objects, "prometheus-config", "prometheus.yml"))
    config = static_rendering(config, objects, live)
    config["rule_files"] = [str(RULES)]
    return config


def test_scrape_config_passes_promtool_in_a_static_target_rendering(rendered, tmp_path):
    config = _static_config(rendered["dev"])
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "kubernetes-pods"]
    pods = {
        t["labels"]["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
        for t in job["static_configs"]
    }
    assert {"ingestion", "features", "model", "grafana", "loki", "promtail"} <= pods
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    done = promtool("check", "config", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_dashboard_json_is_what_the_generator_writes():
    assert PATH.read_text() == render()


@pytest.fixture
def prometheus(rendered, services, tmp_path):
    live = {app: service.port for app, service in services.items()}
    config = _static_config(rendered["dev"], live)
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    server = PrometheusServer(tmp_path, [], config_text=yaml.safe_dump(config))
    with server:
        yield server


def _served(prom: PrometheusServer) -> float:
    result = prom.query("sum(ingestion_observations_served_total)")
    return float(result[0]["value"][1]) if result else 0.0


def _stream_runs(rendered, services, prom: PrometheusServer, runs: int) -> None:
    """The v1 CronWorkflow's command, ``runs`` times, each run scraped before the next."""
    cron = find(rendered["dev"], "CronWorkflow", "online-learning-cron-v1", "argo")
    container = cron["spec"]["workflowSpec"]["templates"][0]["container"]
    argv = [sys.executable, *container["command"][1:]]
    env = {**env_of(container), **stack.urls(services)}
    for _ in range(runs):
        before = httpx.get(f"{services['ingestion'].url}/status").json()["remaining"]
        done = subprocess.run(
            argv, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        after = httpx.get(f"{services['ingestion'].url}/status").json()["remaining"]
        target = _served(prom) + (before - after)
        deadline = time.monotonic() + 60
        while _served(prom) < target and time.monotonic() < deadline:
            time.sleep(0.25)


def test_every_dashboard_panel_query_returns_data(rendered, services, prometheus):
    prometheus.wait_for('up{job="kubernetes-pods", service="model"} == 1', timeout=60)
    httpx.get(f"{services['features'].url}/series/no-such-series")  # a 404 for the 4xx panel
    _stream_runs(rendered, services, prometheus, runs=3)
    queries = [
        (panel["title"], target["expr"])
        for panel in dashboard()["panels"]
        if panel["datasource"]["type"] == "prometheus"
        for target in panel["targets"]
    ]
    empty = []
    deadline = time.monotonic() + PANEL_TIMEOUT
    for title, expr in queries:
        while not prometheus.query(expr) and time.monotonic() < deadline:
            time.sleep(1)
        if not prometheus.query(expr):
            empty.append(f"{title}: {expr}")
    assert not empty, "panels without data:\n" + "\n".join(empty)


def test_scraped_series_carry_the_labels_the_dashboard_groups_by(services, prometheus):
    expected = {(app, "ml-services") for app in services}
    deadline = time.monotonic() + 60
    while True:
        samples = prometheus.query("count by (service, namespace) (http_requests_total)")
        labels = {(s["metric"]["service"], s["metric"]["namespace"]) for s in samples}
        if expected <= labels or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert expected <= labels
    rules = httpx.get(f"{prometheus.url}/api/v1/rules").json()["data"]["groups"]
    loaded = [r for g in rules for r in g["rules"]]
    assert len(loaded) == len(yaml.safe_load(RULES.read_text())["groups"][0]["rules"])
    assert all(r["health"] != "err" for r in loaded), loaded
