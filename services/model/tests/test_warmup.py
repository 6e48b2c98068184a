"""Start-up warm-up as a real process: alive at once, ready once the line-up is built."""

import httpx

from libs.testkit import ServiceProcess
from libs.testkit.process import wait_http
from services.model.models import CATALOG

BODY = {"series_id": "s", "features": {"in_1": 3.0}, "target": 4.0, "observation_id": 1}


def test_readyz_says_warming_up_until_built_and_a_request_meanwhile_waits_and_succeeds(
    tmp_path,
):
    env = {
        "STATE_DIR": str(tmp_path / "state"),
        "MODEL_NAMES": ",".join(CATALOG),
        "SEASON": "auto",
    }  # fmt: skip  every model and the season detector: a long warm-up
    service = ServiceProcess("model", tmp_path, env).start(ready=False)
    try:
        with httpx.Client(base_url=service.url, timeout=120) as client:
            assert client.get("/healthz").json() == {"status": "alive"}
            warming = client.get("/readyz")
            assert warming.status_code == 503, warming.text
            assert warming.json()["reasons"] == ["warming up"]
            learned = client.post("/predict_learn", json=BODY)
            assert learned.status_code == 200, learned.text
            assert learned.json()["failed"] == []
            assert set(learned.json()["predictions"]) == set(CATALOG)
            wait_http(f"{service.url}/readyz")
            assert client.get("/readyz").json() == {"status": "ready"}
        assert "warmed up in" in service.log()
    finally:
        service.stop()


def test_the_testkit_starts_services_once_ready(tmp_path):
    service = ServiceProcess("model", tmp_path, {"STATE_DIR": str(tmp_path / "state")}).start()
    try:
        assert httpx.get(f"{service.url}/readyz", timeout=30).json() == {"status": "ready"}
    finally:
        service.stop()
