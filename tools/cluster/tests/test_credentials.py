"""``python -m tools.cluster.credentials``, the command behind ``make secrets``, run for real."""

import base64
import os
import socket
import subprocess
import sys
from pathlib import Path

import yaml

from infra.tests.render import kubectl
from libs.testkit import REPO_ROOT


def _run(folder: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tools.cluster.credentials", "--folder", str(folder), *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _secrets(stdout: str) -> dict[tuple[str, str], dict[str, str]]:
    """(namespace, name) -> decoded data of every printed Secret."""
    return {
        (o["metadata"]["namespace"], o["metadata"]["name"]): {
            k: base64.b64decode(v).decode() for k, v in o["data"].items()
        }
        for o in yaml.safe_load_all(stdout)
        if o and o["kind"] == "Secret"
    }


def _unreachable_kubeconfig(tmp_path: Path) -> Path:
    """A kubeconfig whose API server is a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    path = tmp_path / "kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": f"https://127.0.0.1:{port}"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    return path


def test_print_draws_values_once_into_owner_only_files_and_reruns_print_the_same(tmp_path):
    folder = tmp_path / "credentials"
    first = _run(folder, "--print")
    assert first.returncode == 0, first.stderr
    printed = _secrets(first.stdout)
    assert printed[("feast", "s3-credentials")] == printed[("ml-services", "s3-credentials")]
    assert len(printed[("ml-services", "admin-token")]["ADMIN_TOKEN"]) >= 40
    assert sorted(p.name for p in folder.iterdir()) == ["admin.env", "grafana.env", "s3.env"]
    assert folder.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in folder.iterdir())
    assert _secrets(_run(folder, "--print").stdout) == printed


def test_rotate_changes_only_that_secret_and_keeps_it_for_the_next_run(tmp_path):
    before = _secrets(_run(tmp_path, "--print").stdout)
    rotated = _run(tmp_path, "--print", "--rotate", "admin-token")
    assert rotated.returncode == 0, rotated.stderr
    after = _secrets(rotated.stdout)
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {("ml-services", "admin-token")}
    assert _secrets(_run(tmp_path, "--print").stdout) == after


def test_unknown_secret_to_rotate_is_refused_naming_the_known_ones(tmp_path):
    done = _run(tmp_path, "--print", "--rotate", "admin")
    assert done.returncode == 2
    assert "admin-token" in done.stderr and "s3-credentials" in done.stderr
    assert not tmp_path.joinpath("admin.env").exists()


def test_an_env_file_missing_a_value_is_a_one_line_error_naming_file_and_key(tmp_path):
    assert _run(tmp_path, "--print").returncode == 0
    (tmp_path / "s3.env").write_text("AWS_ACCESS_KEY_ID=ol-1\nAWS_SECRET_ACCESS_KEY=\n")
    done = _run(tmp_path, "--print")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "s3.env" in done.stderr and "AWS_SECRET_ACCESS_KEY" in done.stderr


def test_an_unreachable_cluster_fails_in_one_line_and_a_rotation_is_not_kept(tmp_path):
    folder = tmp_path / "credentials"
    before = _secrets(_run(folder, "--print").stdout)
    env = {
        "KUBECONFIG": str(_unreachable_kubeconfig(tmp_path)),
        "PATH": f"{Path(kubectl()).parent}{os.pathsep}{os.environ['PATH']}",
    }
    done = _run(folder, "--rotate", "grafana-admin", env=env)
    assert done.returncode == 1
    assert done.stderr.startswith("make secrets: kubectl apply failed: ")
    assert done.stderr.count("\n") == 1
    assert _secrets(_run(folder, "--print").stdout) == before
