"""Push image stand-ins to a local ``docker-registry`` through ``bazel run <image>_push``.

Proves the push wiring of the BUILD files: the registry flag, the repository names and the
tags, and that the pushed image has two layers (dependencies, our code) and the config the
manifests rely on (entrypoint, working directory, user 65532).
"""

import json
import shutil
import subprocess
from pathlib import Path

from libs.testkit.process import ManagedProcess, free_port, wait_http

REGISTRY_CONFIG = """\
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {root}
http:
  addr: 127.0.0.1:{port}
"""

IMAGES = {
    "//services/ingestion:image_push": "online-learning/ingestion",
    "//services/features:image_push": "online-learning/features",
    "//services/model:image_push": "online-learning/model",
    "//services/pipeline:image_push": "online-learning/pipeline",
    "//infra/feast:image_push": "online-learning/feast-server",
}


class Registry(ManagedProcess):
    """Debian's ``docker-registry`` on a free loopback port, storing under ``workdir``."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        config = workdir / "config.yml"
        config.write_text(REGISTRY_CONFIG.format(root=workdir / "data", port=self.port))
        binary = shutil.which("docker-registry")
        if binary is None:
            raise RuntimeError("docker-registry is not installed (apt-get install docker-registry)")
        super().__init__([binary, "serve", str(config)], workdir / "registry.log")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "Registry":
        super().start()
        wait_http(f"http://{self.address}/v2/", proc=self.proc)
        return self


def inspect(reference: str, *extra: str) -> dict:
    done = subprocess.run(
        ["skopeo", "inspect", "--tls-verify=false", *extra, f"docker://{reference}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def check_image(reference: str) -> list[str]:
    """What is wrong with the pushed image, empty when nothing is."""
    manifest = inspect(reference, "--raw")
    config = inspect(reference, "--config")["config"]
    problems = []
    if len(manifest["layers"]) != 2:
        problems.append(f"{len(manifest['layers'])} layers, expected dependencies + code")
    if config.get("User") != "65532:65532":
        problems.append(f"user {config.get('User')!r}, expected 65532:65532")
    entrypoint, workdir = config.get("Entrypoint") or [""], config.get("WorkingDir", "")
    if not (entrypoint[0].startswith("/app/") and workdir == entrypoint[0] + ".runfiles/_main"):
        problems.append(f"entrypoint {entrypoint} and working directory {workdir!r} disagree")
    return problems


def push_images(bazel, workdir: Path, targets: list[str]) -> int:
    """``bazel run`` each push target against a fresh local registry; non-zero on a problem."""
    registry = Registry(workdir).start()
    try:
        for target in targets:
            flag = f"--//tools/bazel:registry={registry.address}"
            if bazel("run", flag, target) != 0:
                return 1
            reference = f"{registry.address}/{IMAGES[target]}:dev"
            problems = check_image(reference)
            size = sum(layer["size"] for layer in inspect(reference, "--raw")["layers"])
            status = "; ".join(problems) or f"2 layers, {size / 1e6:.0f} MB, user 65532"
            print(f"bazel-offline: {reference}: {status}", flush=True)
            if problems:
                return 1
    finally:
        registry.stop()
    return 0
