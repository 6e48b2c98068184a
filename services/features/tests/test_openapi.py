"""The features service's HTTP contract: real answers match its OpenAPI document, and a router-level
dependency runs on every route (hot routes included)."""

from libs.testkit import ServiceProcess
from libs.testkit.openapi import check_answers_conform, hostile_json_statuses, unguarded_routes
from services.features.routes import router

EXAMPLES = 15


def test_generated_requests_get_no_5xx_and_documented_answers(tmp_path):
    service = ServiceProcess("features", tmp_path, {"STATE_DIR": str(tmp_path / "state")}).start()
    try:
        check_answers_conform(service.url, EXAMPLES)
        hostile = hostile_json_statuses(service.url)
    finally:
        service.stop()
    assert hostile and {k: v for k, v in hostile.items() if not 400 <= v < 500} == {}


def test_a_router_level_dependency_runs_on_every_route():
    assert unguarded_routes(router) == []
