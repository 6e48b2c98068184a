"""The features service's HTTP contract: real answers match its OpenAPI document, and a router-level
dependency runs on every route (hot routes included)."""

from libs.testkit.openapi import (
    served_contract_breaches,
    undocumented_failures,
    unguarded_routes,
)
from services.features.app import create_app
from services.features.routes import router
from services.features.settings import FeaturesSettings


def test_generated_requests_get_no_5xx_and_documented_answers(tmp_path):
    assert served_contract_breaches("features", tmp_path) == {}


def test_a_router_level_dependency_runs_on_every_route():
    assert unguarded_routes(router) == []


def test_every_state_changing_route_documents_503_and_507(tmp_path):
    app = create_app(FeaturesSettings(state_dir=tmp_path / "state"))
    missing = undocumented_failures(app)
    assert {"POST /add", "POST /add_batch", "POST /reset"} <= set(missing)
    assert {operation: codes for operation, codes in missing.items() if codes} == {}
