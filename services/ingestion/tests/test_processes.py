import socket
import threading
from pathlib import Path

import httpx
import pytest

from libs.journal import unseal
from libs.testkit import ServiceProcess, free_port, run_service, wait_until


def take(url: str, n: int) -> list[int]:
    return [httpx.get(f"{url}/next").json()["observation_id"] for _ in range(n)]


@pytest.mark.parametrize("backend", ["state_dir", "redis"])
def test_kill_9_and_restart_does_not_rewind_the_cursor(tmp_path, request, backend):
    env = {"STATE_DIR": str(tmp_path / "state")}
    if backend == "redis":
        env["REDIS_URL"] = request.getfixturevalue("redis_url")
    service = ServiceProcess("ingestion", tmp_path, env).start()
    try:
        before = take(service.url, 5)
        httpx.post(
            f"{service.url}/streams/live/observations",
            json={"observations": [{"input": "x", "target": 1}]},
        )
        service.kill()
        service.start()
        after = take(service.url, 2)
        live = httpx.get(f"{service.url}/next", params={"stream": "live"}).json()
    finally:
        service.stop()
    assert (before, after) == ([1, 2, 3, 4, 5], [6, 7])
    assert live["observation_id"] == 1 and live["input"] == "x"


@pytest.mark.slow
def test_two_replicas_and_four_consumers_see_every_observation_exactly_once(tmp_path, redis_url):
    env = {"REDIS_URL": redis_url}
    replicas = [ServiceProcess("ingestion", tmp_path, env).start() for _ in range(2)]
    seen: list[list[int]] = [[] for _ in range(4)]

    def consume(k: int) -> None:
        with httpx.Client() as client:
            for i in range(1000):
                url = replicas[(k + i) % 2].url
                if i % 2:
                    response = client.get(f"{url}/next")
                    if response.status_code == 204:
                        return
                    seen[k].append(response.json()["observation_id"])
                else:
                    batch = client.post(f"{url}/next_batch", json={"n": 3}).json()
                    if not batch["observations"]:
                        return
                    seen[k].extend(o["observation_id"] for o in batch["observations"])

    try:
        threads = [threading.Thread(target=consume, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        for r in replicas:
            r.stop()
    every = sorted(i for ids in seen for i in ids)
    assert every == list(range(1, 145))
    assert all(ids == sorted(ids) for ids in seen)
    assert sum(1 for ids in seen if ids) >= 2


def test_malformed_dataset_stops_start_up_with_one_line_naming_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("input,target\n2020-01,1\n2020-02,oops\n")
    done = run_service("ingestion", {"DATASET_PATH": str(path)})
    assert done.returncode != 0
    assert done.stderr.strip() == f"ingestion: {path} line 3: target 'oops' is not a number"


def test_unreachable_redis_stops_start_up_with_one_line(tmp_path):
    url = f"redis://127.0.0.1:{free_port()}/0"
    done = run_service("ingestion", {"REDIS_URL": url})
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ingestion: REDIS_URL {url} unreachable")


@pytest.mark.parametrize("name", ["SNAPSHOT_EVERY", "SNAPSHOT_SECONDS"])
def test_invalid_variable_stops_start_up_naming_it(name):
    done = run_service("ingestion", {name: "0"})
    assert done.returncode == 2
    assert done.stderr.startswith(f"ingestion: invalid configuration: {name}")


def snapshot_covers(state: Path) -> int:
    """The journal position the ingestion snapshot under ``state`` covers (0: none yet)."""
    path = state / "ingestion.snapshot"
    return unseal(path.read_bytes(), "ingestion")[0]["covered"] if path.exists() else 0


def test_a_quiet_service_snapshots_after_snapshot_seconds_and_restarts_from_it(tmp_path):
    state = tmp_path / "state"
    env = {"STATE_DIR": str(state), "SNAPSHOT_SECONDS": "0.2"}
    service = ServiceProcess("ingestion", tmp_path, env).start()
    try:
        before = take(service.url, 2)  # two journal records, far fewer than SNAPSHOT_EVERY
        wait_until(lambda: snapshot_covers(state) == 2, "a snapshot of the two records")
        service.kill()  # no shutdown snapshot: only the timer's
        journal = [p.stat().st_size for p in (state / "journal").glob("*.wal")]
        service.start()
        after = take(service.url, 1)
    finally:
        service.stop()
    assert sum(journal) == 0  # folded into the snapshot: nothing left to replay
    assert (before, after) == ([1, 2], [3])


def test_a_second_service_on_the_same_state_dir_exits_with_one_line(tmp_path):
    state = tmp_path / "state"
    first = ServiceProcess("ingestion", tmp_path, {"STATE_DIR": str(state)}).start()
    try:
        done = run_service("ingestion", {"STATE_DIR": str(state)})
        still = httpx.get(f"{first.url}/next")
    finally:
        first.stop()
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] == (
        f"ingestion: STATE_DIR {state} unusable: JournalInUse: {state / 'journal'} is in use "
        f"by another process (pid {first.pid})"
    )
    assert still.json()["observation_id"] == 1


def test_corrupt_snapshot_stops_start_up_with_one_line(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "ingestion.snapshot").write_bytes(b'{"covered": 3}')
    done = run_service("ingestion", {"STATE_DIR": str(state)})
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"ingestion: STATE_DIR {state} unusable: CorruptState: snapshot ingestion: "
        "no checksummed header (not a snapshot of this format)"
    )


def test_admin_token_guards_reset_of_a_running_service(tmp_path):
    env = {"STATE_DIR": str(tmp_path / "state"), "ADMIN_TOKEN": "s3cret"}
    service = ServiceProcess("ingestion", tmp_path, env).start()
    try:
        take(service.url, 3)
        missing = httpx.post(f"{service.url}/reset")
        wrong = httpx.post(f"{service.url}/reset", headers={"Authorization": "Bearer nope"})
        unchanged = take(service.url, 1)
        right = httpx.post(f"{service.url}/reset", headers={"Authorization": "Bearer s3cret"})
        rewound = take(service.url, 1)
    finally:
        service.stop()
    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert (unchanged, rewound) == ([4], [1])


def test_start_up_off_loopback_without_a_token_says_admin_endpoints_are_disabled(tmp_path):
    # The port is taken on loopback, so the 0.0.0.0 bind fails after the start-up checks:
    # the line is logged and nothing ever listens beyond loopback.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {"HOST": "0.0.0.0", "PORT": str(taken.getsockname()[1])}
        done = run_service("ingestion", {**env, "STATE_DIR": str(tmp_path / "state")})
    disabled = [line for line in done.stdout.splitlines() if "admin endpoints disabled" in line]
    assert done.returncode != 0 and len(disabled) == 1
    assert "HOST 0.0.0.0 is not loopback and ADMIN_TOKEN is unset" in disabled[0]


@pytest.mark.parametrize("value", ["0", "soon"])
def test_invalid_lease_seconds_stops_start_up_naming_it(value):
    done = run_service("ingestion", {"LEASE_SECONDS": value})
    assert done.returncode == 2
    assert done.stderr.startswith("ingestion: invalid configuration: LEASE_SECONDS")
