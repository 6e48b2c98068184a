"""The Grafana dashboard, as code: ``python -m tools.cluster.dashboard`` writes its JSON.

Every Prometheus query here is run against a real Prometheus scraping the services in
``infra/tests`` (a panel over a metric we do not export fails there), and every Loki stream
selector is checked against what Promtail's pipeline makes of the services' real log lines. The
committed JSON must equal what this module generates.
"""

import json
import sys
from pathlib import Path

PATH = (
    Path(__file__).resolve().parents[2] / "infra/k8s/base/monitoring/grafana/online-learning.json"
)
PROMETHEUS = {"type": "prometheus", "uid": "prometheus"}
LOKI = {"type": "loki", "uid": "loki"}
MODELS = 'model!~"baseline_.*"'
NAIVE = 'model="baseline_naive"'
ROLLING = 'window="20"'
BY_SERIES = "on (namespace, pod, series) group_left ()"

# (title, kind, unit, [(query, legend)]); kind is a Grafana panel type.
METRIC_PANELS = [
    (
        "MAE by model and series (rolling 20) and the naive baseline",
        "timeseries",
        "none",
        [
            (f"ml_model_mae{{{ROLLING}, {MODELS}}}", "{{model}} / {{series}}"),
            (f"ml_model_mae{{{ROLLING}, {NAIVE}}}", "naive baseline / {{series}}"),
        ],
    ),
    (
        "RMSE by model and series (rolling 20) and the naive baseline",
        "timeseries",
        "none",
        [
            (f"ml_model_rmse{{{ROLLING}, {MODELS}}}", "{{model}} / {{series}}"),
            (f"ml_model_rmse{{{ROLLING}, {NAIVE}}}", "naive baseline / {{series}}"),
        ],
    ),
    (
        "MAE relative to the naive baseline (below 1 beats it)",
        "timeseries",
        "none",
        [
            (
                f"ml_model_mae{{{ROLLING}, {MODELS}}} / {BY_SERIES} "
                f"ml_model_mae{{{ROLLING}, {NAIVE}}}",
                "{{model}} / {{series}}",
            )
        ],
    ),
    (
        "Cumulative MAE and RMSE by model",
        "table",
        "none",
        [
            (f'ml_model_mae{{window="cumulative", {MODELS}}}', "MAE {{model}} / {{series}}"),
            (f'ml_model_rmse{{window="cumulative", {MODELS}}}', "RMSE {{model}} / {{series}}"),
        ],
    ),
    (
        "Prediction vs actual",
        "timeseries",
        "none",
        [
            (f"ml_model_last_prediction{{{MODELS}}}", "{{model}} / {{series}}"),
            ("max by (series) (ml_model_last_actual)", "actual / {{series}}"),
        ],
    ),
    (
        "Request rate by service and route",
        "timeseries",
        "reqps",
        [("sum by (service, route) (rate(http_requests_total[1m]))", "{{service}} {{route}}")],
    ),
    (
        "Latency percentiles by service",
        "timeseries",
        "s",
        [
            (
                f"histogram_quantile({q}, sum by (service, le) "
                "(rate(http_request_duration_seconds_bucket[5m])))",
                f"p{int(q * 100)} {{{{service}}}}",
            )
            for q in (0.5, 0.95, 0.99)
        ],
    ),
    (
        "4xx and 5xx responses by service and status",
        "timeseries",
        "reqps",
        [
            (
                'sum by (service, status) (rate(http_requests_total{status=~"4..|5.."}[5m]))',
                "{{service}} {{status}}",
            )
        ],
    ),
    (
        "Share of requests answered 5xx",
        "stat",
        "percentunit",
        [
            (
                'sum(rate(http_requests_total{status=~"5.."}[5m]) or vector(0)) '
                "/ sum(rate(http_requests_total[5m]))",
                "5xx",
            )
        ],
    ),
    (
        "Pipeline: observations streamed per minute",
        "timeseries",
        "none",
        [
            (
                "sum by (stream) (rate(ingestion_observations_served_total[5m])) * 60",
                "{{stream}}",
            )
        ],
    ),
    (
        "Pipeline runs: minutes with streamed observations, last hour",
        "stat",
        "none",
        [
            (
                "count_over_time((sum(increase(ingestion_observations_served_total[1m])) > 0)"
                "[1h:1m])",
                "runs",
            )
        ],
    ),
    (
        "Pipeline lag: seconds since a model last learned, by series",
        "timeseries",
        "s",
        [
            (
                "time() - max by (series) (max_over_time((timestamp("
                "increase(ml_model_predictions_total[1m]) > 0))[1h:15s]))",
                "{{series}}",
            )
        ],
    ),
    (
        "Drift detections by model, last hour",
        "timeseries",
        "none",
        [
            (
                "sum by (model, series) (increase(ml_model_drift_detected_total[1h]))",
                "{{model}} / {{series}}",
            )
        ],
    ),
    ("Targets up", "stat", "none", [('up{job="kubernetes-pods"}', "{{service}} {{pod}}")]),
]

LOG_PANELS = [
    (
        "Log lines by service and level",
        "timeseries",
        'sum by (service, level) (count_over_time({namespace="ml-services"}[1m]))',
    ),
    ("Warnings and errors", "logs", '{namespace="ml-services", level=~"WARNING|ERROR|CRITICAL"}'),
    ("Logs of one request (set request_id)", "logs", '{namespace="ml-services"} |= "$request_id"'),
]


def _panel(pid: int, title: str, kind: str, datasource: dict, targets: list[dict]) -> dict:
    return {"id": pid, "title": title, "type": kind, "datasource": datasource, "targets": targets}


def _layout(panels: list[dict]) -> None:
    """Two panels a row, log lists across the whole width."""
    x = y = 0
    for panel in panels:
        width = 24 if panel["type"] == "logs" else 12
        if x + width > 24:
            x, y = 0, y + 8
        panel["gridPos"] = {"h": 8, "w": width, "x": x, "y": y}
        x += width


def dashboard() -> dict:
    """The dashboard as Grafana's JSON model."""
    panels = []
    for title, kind, unit, queries in METRIC_PANELS:
        targets = [
            {"refId": chr(65 + i), "datasource": PROMETHEUS, "expr": q, "legendFormat": legend}
            for i, (q, legend) in enumerate(queries)
        ]
        panel = _panel(len(panels) + 1, title, kind, PROMETHEUS, targets)
        panel["fieldConfig"] = {"defaults": {"unit": unit}, "overrides": []}
        panels.append(panel)
    for title, kind, query in LOG_PANELS:
        target = {"refId": "A", "datasource": LOKI, "expr": query}
        panels.append(_panel(len(panels) + 1, title, kind, LOKI, [target]))
    _layout(panels)
    return {
        "uid": "online-learning",
        "title": "Online learning",
        "tags": ["online-learning"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "request_id",
                    "label": "request id",
                    "type": "textbox",
                    "query": "",
                    "current": {"text": "", "value": ""},
                }
            ]
        },
        "panels": panels,
    }


def render() -> str:
    return json.dumps(dashboard(), indent=2) + "\n"


def main() -> int:
    PATH.write_text(render())
    print(f"wrote {PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
