"""The image stand-in tooling of ``make bazel-offline``: layers, an OCI layout, a real registry.

``make bazel-offline`` builds the layouts from the BUILD files' layer targets and pushes them
with ``bazel run <image>_push``; here the same pieces push a small image to Debian's
``docker-registry`` with skopeo, and the check that guards the pushed images is shown to
catch a wrong user.
"""

import json
import subprocess

import pytest

from libs.testkit import require_binary
from tools.bazel.offline.oci import write_layer, write_layout
from tools.bazel.offline.push import Registry, check_image, inspect

LAUNCHER = "/app/services/ingestion/python"


def layout(tmp_path, user: str):
    code = tmp_path / "app.py"
    code.write_text("print('hello')\n")
    manifest = tmp_path / "layer.manifest"
    manifest.write_text(f"{LAUNCHER}.runfiles/_main/services/ingestion/app.py\t{code}\n")
    layers = []
    for name in ("deps", "code"):
        write_layer(manifest, tmp_path / f"{name}.tar", 65532, 65532)
        layers.append(tmp_path / f"{name}.tar")
    config = {"Entrypoint": [LAUNCHER], "User": user, "WorkingDir": f"{LAUNCHER}.runfiles/_main"}
    out = tmp_path / f"layout-{user.replace(':', '-')}"
    write_layout(out, config, layers)
    return out


@pytest.fixture
def registry(tmp_path):
    for binary in ("docker-registry", "skopeo"):
        require_binary(binary)
    server = Registry(tmp_path / "registry").start()
    yield server
    server.stop()


def push(source, reference: str) -> None:
    subprocess.run(
        ["skopeo", "copy", "--quiet", "--dest-tls-verify=false", f"oci:{source}", reference],
        check=True,
        timeout=120,
    )


def test_a_pushed_stand_in_keeps_its_layers_owner_and_config(tmp_path, registry):
    reference = f"{registry.address}/online-learning/ingestion:dev"
    push(layout(tmp_path, "65532:65532"), f"docker://{reference}")
    assert check_image(reference) == []
    assert len(inspect(reference, "--raw")["layers"]) == 2
    tags = subprocess.run(
        ["skopeo", "list-tags", "--tls-verify=false", f"docker://{reference[:-4]}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(tags.stdout)["Tags"] == ["dev"]


def test_the_check_rejects_an_image_running_as_root(tmp_path, registry):
    reference = f"{registry.address}/online-learning/ingestion:root"
    push(layout(tmp_path, "0:0"), f"docker://{reference}")
    assert check_image(reference) == ["user '0:0', expected 65532:65532"]
