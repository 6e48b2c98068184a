"""The model service's HTTP contract: real answers match its OpenAPI document, and a router-level
dependency runs on every route (hot routes included)."""

from libs.testkit.openapi import (
    served_contract_breaches,
    undocumented_failures,
    unguarded_routes,
)
from services.model.app import create_app
from services.model.routes import router
from services.model.settings import ModelSettings


def test_generated_requests_get_no_5xx_and_documented_answers(tmp_path):
    assert served_contract_breaches("model", tmp_path) == {}


def test_a_router_level_dependency_runs_on_every_route():
    assert unguarded_routes(router) == []


def test_every_state_changing_route_documents_503_and_507(tmp_path):
    app = create_app(ModelSettings(state_dir=tmp_path / "state"))
    missing = undocumented_failures(app, reads=["POST /predict", "POST /predict_many"])
    assert {"POST /train", "POST /predict_learn", "POST /feedback"} <= set(missing)
    assert {operation: codes for operation, codes in missing.items() if codes} == {}
