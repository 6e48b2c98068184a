import json
import threading
import time

import httpx

AIRLINE_LENGTH = 144


def summary(completed) -> dict:
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_job_processes_every_observation_exactly_once(stack):
    result = summary(stack.job("--json"))

    assert result["observations"] == AIRLINE_LENGTH
    assert result["exhausted"] is True
    assert result["retries"] == 0
    assert stack.model_count() == AIRLINE_LENGTH
    assert httpx.get(f"{stack.ingestion.url}/next").status_code == 204


def test_job_scores_every_model_and_the_champion_from_the_first_full_lag_window(stack):
    board = summary(stack.job("--json"))["leaderboard"]

    served = {"linear_regression", "holt_winters", "naive", "champion"}
    assert {s["model"] for s in board} == served
    assert all(s["n"] == AIRLINE_LENGTH - 12 for s in board)
    assert [s["mae"] for s in board] == sorted(s["mae"] for s in board)


def test_running_the_job_again_after_exhaustion_changes_nothing(stack):
    summary(stack.job("--json"))
    metrics_before = httpx.get(f"{stack.model.url}/model_metrics").json()

    again = summary(stack.job("--json"))

    assert again["observations"] == 0 and again["exhausted"] is True
    assert httpx.get(f"{stack.model.url}/model_metrics").json() == metrics_before


def test_max_limits_one_scheduled_run_and_the_next_run_continues(stack):
    first = summary(stack.job("--max", "50", "--json"))
    second = summary(stack.job("--json"))

    assert first["observations"] == 50 and first["exhausted"] is False
    assert second["observations"] == AIRLINE_LENGTH - 50
    assert stack.model_count() == AIRLINE_LENGTH


def test_batch_mode_takes_no_more_than_max_so_the_next_run_loses_nothing(stack):
    first = summary(stack.job("--batch", "25", "--max", "60", "--json"))
    second = summary(stack.job("--batch", "25", "--json"))

    assert first["observations"] == 60 and first["exhausted"] is False
    assert second["observations"] == AIRLINE_LENGTH - 60 and second["exhausted"] is True
    assert stack.model_count() == AIRLINE_LENGTH


def test_batch_mode_gives_the_same_leaderboard_as_one_by_one(stack, tmp_path):
    from services.pipeline.tests.conftest import start_stack

    one_by_one = summary(stack.job("--json"))["leaderboard"]
    other = start_stack(tmp_path / "other", "linear_regression,holt_winters,naive")
    try:
        batched = summary(other.job("--batch", "25", "--json"))["leaderboard"]
    finally:
        for service in (other.ingestion, other.features, other.model):
            service.stop()

    assert batched == one_by_one


def test_unreachable_model_fails_the_job_with_a_one_line_reason(stack, dead_url):
    completed = stack.job("--max", "3", MODEL_URL=dead_url, RETRIES="1", BACKOFF_SECONDS="0.01")

    assert completed.returncode == 1
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("pipeline failed: model ") and "unreachable" in lines[0]


def test_invalid_service_url_is_a_one_line_configuration_error(stack):
    completed = stack.job(MODEL_URL="ftp://model:8000")

    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        "pipeline: invalid configuration: MODEL_URL: Value error, "
        "expected http://host:port, got 'ftp://model:8000'"
    )


def test_model_rejecting_a_request_fails_the_job(stack):
    # The feature service is handed to the job as its model: /predict_learn is a 404 there.
    completed = stack.job("--max", "1", MODEL_URL=stack.features.url)

    assert completed.returncode == 1
    assert "HTTP 404" in completed.stderr


def test_killing_model_and_features_mid_run_ends_like_an_uninterrupted_run(
    stack, tmp_path, busy_cores
):
    from services.pipeline.tests.conftest import start_stack

    reference = start_stack(tmp_path / "reference", "linear_regression,holt_winters,naive")
    try:
        expected = summary(reference.job("--json"))["leaderboard"]
    finally:
        reference.stop()

    killed_at = []

    def crash_and_restart():
        # Both die while the job waits for the model, so the job meets each of them dead.
        deadline = time.monotonic() + 120
        while (count := stack.model_count()) < 30 and time.monotonic() < deadline:
            time.sleep(0.005)
        for service in (stack.model, stack.features):
            service.kill()
            killed_at.append(count)
        for service in (stack.model, stack.features):
            service.start()

    chaos = threading.Thread(target=crash_and_restart)
    chaos.start()
    completed = stack.job("--json", RETRIES="12", BACKOFF_SECONDS="0.05")
    chaos.join()
    result = summary(completed)

    assert len(killed_at) == 2 and all(30 <= n < AIRLINE_LENGTH for n in killed_at), killed_at
    assert result["retries"] >= 2  # the job really met both dead services and retried
    assert result["leaderboard"] == expected
    assert stack.model_count() == AIRLINE_LENGTH


def test_a_model_failing_on_an_observation_fails_the_job_naming_it(tmp_path):
    from services.pipeline.tests.conftest import start_stack

    # River's Hoeffding tree overflows on a target near the float limit; naive does not.
    stack = start_stack(tmp_path, "naive,decision_tree")
    try:
        observations = [{"input": f"t{i}", "target": y} for i, y in enumerate([1.0, 2.0, 1e308])]
        appended = httpx.post(
            f"{stack.ingestion.url}/streams/huge/observations", json={"observations": observations}
        )
        assert appended.status_code == 201
        completed = stack.job(STREAM="huge")
    finally:
        for service in (stack.ingestion, stack.features, stack.model):
            service.stop()

    assert completed.returncode == 1
    assert completed.stderr.startswith("pipeline failed: model ")
    assert "decision_tree failed on observation" in completed.stderr
