"""Start-up refuses state it cannot trust; a full disk is a clear 507 and not ready."""

import contextlib
import os
import subprocess

import httpx
import pytest

from libs.testkit import ServiceProcess, run_service
from services.model.tests.conftest import airline_bodies
from services.model.tests.test_degrade import START_UP, wait_until


def crashed_after_three_records(tmp_path) -> dict:
    """State of a service killed after record 3, its snapshot covering records 1-2."""
    env = {"STATE_DIR": str(tmp_path / "state"), "SNAPSHOT_EVERY": "2"}
    service = ServiceProcess("model", tmp_path, env).start(START_UP)
    bodies = airline_bodies()
    with httpx.Client(base_url=service.url) as client:
        for body in bodies[:2]:
            assert client.post("/predict_learn", json=body).status_code == 200
        snapshot = tmp_path / "state" / "snapshots" / "model.snapshot"
        wait_until(snapshot.exists, what="the first snapshot")
        assert client.post("/predict_learn", json=bodies[2]).status_code == 200
    service.kill()
    return env


def one_line_refusal(env: dict) -> str:
    done = run_service("model", env)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_a_deleted_snapshot_whose_journal_starts_later_stops_start_up(tmp_path):
    env = crashed_after_three_records(tmp_path)
    (tmp_path / "state" / "snapshots" / "model.snapshot").unlink()
    line = one_line_refusal(env)
    assert "CorruptState" in line and "records 1..2 are missing" in line


def test_a_journal_record_that_fails_its_checksum_stops_start_up(tmp_path):
    env = crashed_after_three_records(tmp_path)
    segment = sorted((tmp_path / "state" / "journal").glob("*.wal"))[-1]
    raw = segment.read_bytes()
    segment.write_bytes(raw.replace(b'"target":132.0', b'"target":133.0'))  # record 3
    assert segment.read_bytes() != raw
    assert "checksum mismatch" in one_line_refusal(env)


def test_a_snapshot_that_fails_its_checksum_stops_start_up(tmp_path):
    env = crashed_after_three_records(tmp_path)
    snapshot = tmp_path / "state" / "snapshots" / "model.snapshot"
    raw = bytearray(snapshot.read_bytes())
    raw[-10] ^= 0x01
    snapshot.write_bytes(bytes(raw))
    assert "snapshot model: checksum mismatch" in one_line_refusal(env)


@contextlib.contextmanager
def small_filesystem(path):
    """A 2 MiB tmpfs mounted at ``path``: a disk that really fills up (needs root)."""
    path.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(path)]
    if os.geteuid() != 0 or subprocess.run(mount, capture_output=True).returncode != 0:
        pytest.skip("a full disk is simulated with a tmpfs, which needs root and mount")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def fill(directory) -> None:
    with open(directory / "filler", "wb") as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 65536)
            filler.flush()


def test_a_full_disk_answers_507_naming_it_and_readyz_says_not_ready(tmp_path):
    disk = tmp_path / "disk"
    with small_filesystem(disk):
        env = {"STATE_DIR": str(disk / "state")}
        with ServiceProcess("model", tmp_path, env) as service:
            bodies = airline_bodies()
            url = service.url
            assert httpx.post(f"{url}/predict_learn", json=bodies[0]).status_code == 200
            fill(disk)
            # The journal's last page may still hold a few records; then the disk is full.
            answers = [httpx.post(f"{url}/predict_learn", json=body) for body in bodies[1:40]]
            statuses = [a.status_code for a in answers]
            learned = statuses.count(200)
            assert statuses == [200] * learned + [507] * (39 - learned) and learned < 30
            refused = answers[-1].json()["detail"]
            assert refused.startswith(f"state directory {disk / 'state'} is full")
            ready = httpx.get(f"{url}/readyz")
            assert ready.status_code == 503 and "is full" in ready.json()["reasons"][0]
            assert httpx.get(f"{url}/healthz").status_code == 200
            assert httpx.get(f"{url}/model_metrics").json()["count"] == 1 + learned
            (disk / "filler").unlink()
            assert httpx.get(f"{url}/readyz").json() == {"status": "ready"}
            assert httpx.post(f"{url}/predict_learn", json=bodies[40]).status_code == 200
