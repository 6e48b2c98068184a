from fastapi.testclient import TestClient

from services.ingestion.app import create_app
from services.ingestion.settings import IngestionSettings


def test_liveness_readiness_and_snapshot_metrics(tmp_path):
    with TestClient(create_app(IngestionSettings(state_dir=tmp_path / "state"))) as client:
        alive, ready = client.get("/healthz"), client.get("/readyz")
        client.get("/next")
        metrics = client.get("/metrics").text
    assert (alive.status_code, alive.json()) == (200, {"status": "alive"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    assert "state_snapshot_failures_total 0.0" in metrics
    assert "state_journal_records 1.0" in metrics
