from pathlib import Path

import httpx
import pytest

from libs.journal import unseal
from libs.testkit import RedisServer, ServiceProcess, free_port, run_service, wait_until


def snapshot_covers(state: Path) -> int:
    """The journal position the features snapshot under ``state`` covers (0: none yet)."""
    path = state / "features.snapshot"
    return unseal(path.read_bytes(), "features")[0]["covered"] if path.exists() else 0


@pytest.mark.parametrize("backend", ["state_dir", "redis"])
def test_kill_9_and_restart_keeps_lags_and_retry_answers(tmp_path, backend):
    env = {"STATE_DIR": str(tmp_path / "state"), "N_LAGS": "3"}
    redis = None
    if backend == "redis":
        redis = RedisServer(tmp_path / "redis", appendonly=True).start()
        env["REDIS_URL"] = redis.url
    service = ServiceProcess("features", tmp_path, env).start()
    try:
        answers = [
            httpx.post(f"{service.url}/add", json={"value": v, "observation_id": v}).json()
            for v in (1, 2, 3)
        ]
        service.kill()
        if redis is not None:
            redis.kill()
            redis.start()
        service.start()
        retry = httpx.post(f"{service.url}/add", json={"value": 2, "observation_id": 2})
        after = httpx.post(f"{service.url}/add", json={"value": 4.0}).json()
    finally:
        service.stop()
        if redis is not None:
            redis.stop()
    assert retry.json() == {**answers[1], "duplicate": True}
    assert after["features"] == {"in_1": 3.0, "in_2": 2.0, "in_3": 1.0}


def test_a_quiet_service_snapshots_after_snapshot_seconds_and_restarts_from_it(tmp_path):
    state = tmp_path / "state"
    env = {"STATE_DIR": str(state), "N_LAGS": "3", "SNAPSHOT_SECONDS": "0.2"}
    service = ServiceProcess("features", tmp_path, env).start()
    try:
        for v in (1, 2, 3):  # three journal records, far fewer than SNAPSHOT_EVERY
            httpx.post(f"{service.url}/add", json={"value": v, "observation_id": v})
        wait_until(lambda: snapshot_covers(state) == 3, "a snapshot of the three records")
        service.kill()  # no shutdown snapshot: only the timer's
        journal = [p.stat().st_size for p in (state / "journal").glob("*.wal")]
        service.start()
        after = httpx.post(f"{service.url}/add", json={"value": 4.0}).json()
    finally:
        service.stop()
    assert sum(journal) == 0  # folded into the snapshot: nothing left to replay
    assert after["features"] == {"in_1": 3.0, "in_2": 2.0, "in_3": 1.0}


def test_invalid_snapshot_seconds_stops_start_up_naming_it():
    done = run_service("features", {"SNAPSHOT_SECONDS": "0"})
    assert done.returncode == 2
    assert done.stderr.startswith("features: invalid configuration: SNAPSHOT_SECONDS")


@pytest.mark.parametrize("n_lags", ["0", "1001", "twelve"])
def test_invalid_n_lags_stops_start_up_naming_it(n_lags):
    done = run_service("features", {"N_LAGS": n_lags})
    assert done.returncode == 2
    assert done.stderr.startswith("features: invalid configuration: N_LAGS: ")
    assert len(done.stderr.strip().splitlines()) == 1


def test_unreachable_redis_stops_start_up_with_one_line():
    url = f"redis://127.0.0.1:{free_port()}/0"
    done = run_service("features", {"REDIS_URL": url})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"features: REDIS_URL {url} unreachable")


def test_unusable_state_dir_stops_start_up_with_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    done = run_service("features", {"STATE_DIR": str(blocker / "state")})
    assert done.returncode == 1
    assert done.stderr.startswith(f"features: STATE_DIR {blocker / 'state'} unusable: ")
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_second_service_on_the_same_state_dir_exits_with_one_line(tmp_path):
    state = tmp_path / "state"
    first = ServiceProcess("features", tmp_path, {"STATE_DIR": str(state)}).start()
    try:
        done = run_service("features", {"STATE_DIR": str(state)})
        still = httpx.post(f"{first.url}/add", json={"value": 1.0})
    finally:
        first.stop()
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] == (
        f"features: STATE_DIR {state} unusable: JournalInUse: {state / 'journal'} is in use "
        f"by another process (pid {first.pid})"
    )
    assert still.status_code == 200


def test_corrupt_snapshot_stops_start_up_with_one_line(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "features.snapshot").write_bytes(b"{not json")
    done = run_service("features", {"STATE_DIR": str(state)})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"features: STATE_DIR {state} unusable: ")
