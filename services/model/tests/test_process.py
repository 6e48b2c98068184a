"""The service as a real process: crashes, restarts, concurrency and start-up errors."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

from libs.testkit import ServiceProcess, free_port, run_service
from services.model.app import create_app
from services.model.settings import ModelSettings

LINE_UP = "linear_regression,knn_regressor,amf_regressor,bagging_regressor,hw_airline_mean,snarimax"


def reference_answers(tmp_path, bodies) -> list[dict]:
    """An uninterrupted in-process run over the same stream."""
    config = ModelSettings(state_dir=tmp_path / "reference", model_names=LINE_UP)
    with TestClient(create_app(config)) as client:
        return [client.post("/predict_learn", json=b).json() for b in bodies]


def assert_same_predictions(got: dict, expected: dict) -> None:
    assert got["model"] == expected["model"]
    assert got["predictions"].keys() == expected["predictions"].keys()
    for name, value in expected["predictions"].items():
        assert got["predictions"][name] == pytest.approx(value, rel=1e-9, abs=1e-9), name


def test_killed_twice_and_restarted_it_predicts_exactly_as_an_uninterrupted_run(tmp_path, bodies):
    env = {"STATE_DIR": str(tmp_path / "state"), "MODEL_NAMES": LINE_UP, "SNAPSHOT_EVERY": "30"}
    service = ServiceProcess("model", tmp_path, env).start()
    answers = []
    try:
        with httpx.Client(base_url=service.url, timeout=10) as client:
            for i, body in enumerate(bodies):
                if i in (45, 101):  # one 15 records past a snapshot, one 11 past the next
                    service.kill()
                    service.start()
                    retry = client.post("/predict_learn", json=bodies[i - 1])
                    assert retry.status_code == 200
                    assert retry.json() == {**answers[-1], "duplicate": True}
                response = client.post("/predict_learn", json=body)
                assert response.status_code == 200
                answers.append(response.json())
            assert client.get("/model_metrics").json()["count"] == len(bodies)
    finally:
        service.stop()
    expected = reference_answers(tmp_path, bodies)
    for got, want in zip(answers, expected, strict=True):
        assert_same_predictions(got, want)


def test_concurrent_clients_get_no_errors_and_every_learn_is_counted_once(tmp_path, bodies):
    env = {"STATE_DIR": str(tmp_path / "state"), "MODEL_NAME": "knn_regressor"}
    service = ServiceProcess("model", tmp_path, env).start()

    def client_thread(worker: int) -> list[int]:
        statuses = []
        with httpx.Client(base_url=service.url, timeout=30) as client:
            for i in range(100):
                body = {
                    **bodies[i % len(bodies)],
                    "observation_id": worker * 1000 + i,
                    "series_id": f"s{worker % 2}",
                }
                statuses.append(client.post("/predict_learn", json=body).status_code)
        return statuses

    try:
        with ThreadPoolExecutor(8) as pool:
            statuses = [s for batch in pool.map(client_thread, range(8)) for s in batch]
        metrics = httpx.get(f"{service.url}/model_metrics").json()
    finally:
        service.stop()
    assert statuses == [200] * 800
    assert metrics["count"] == 800
    assert sum(s["count"] for s in metrics["series"].values()) == 800
    assert (
        sum(s["models"]["knn_regressor"]["predictions"] for s in metrics["series"].values()) == 800
    )


def test_unknown_model_name_exits_with_one_line_listing_the_valid_names(tmp_path):
    completed = run_service(
        "model", {"MODEL_NAME": "gradient_boosting", "STATE_DIR": str(tmp_path)}
    )
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "MODEL_NAME" in lines[0] and "gradient_boosting" in lines[0]
    assert "holt_winters" in lines[0] and "linear_regression" in lines[0]


def test_unreachable_s3_exits_with_one_line(tmp_path):
    env = {
        "STATE_DIR": str(tmp_path),
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "S3_BUCKET": "snapshots",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
    }
    completed = run_service("model", env)
    assert completed.returncode == 1
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and "S3 bucket 'snapshots'" in lines[0]


def test_a_second_service_on_the_same_state_dir_exits_with_one_line(tmp_path):
    state = tmp_path / "state"
    first = ServiceProcess("model", tmp_path, {"STATE_DIR": str(state)}).start()
    try:
        completed = run_service("model", {"STATE_DIR": str(state)})
        still = httpx.post(f"{first.url}/predict", json={"features": {}})
    finally:
        first.stop()
    assert completed.returncode == 1
    lines = completed.stderr.strip().splitlines()
    assert lines == [
        f"model: STATE_DIR {state} unusable: JournalInUse: {state / 'journal'} is in use by "
        f"another process (pid {first.pid})"
    ]
    assert still.status_code == 200


def test_unwritable_state_dir_or_corrupt_snapshot_exits_with_one_line(tmp_path):
    corrupt = tmp_path / "corrupt"
    (corrupt / "snapshots").mkdir(parents=True)
    (corrupt / "snapshots" / "model.snapshot").write_bytes(b"not a pickle")
    for state in ("/proc/nope", str(corrupt)):
        completed = run_service("model", {"STATE_DIR": state})
        assert completed.returncode == 1
        lines = completed.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"model: STATE_DIR {state} unusable: ")
