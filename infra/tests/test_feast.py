"""The feature server's environment provides every variable its configuration reads."""

import re
from pathlib import PurePosixPath

from infra.tests.render import containers, env_of, find
from libs.testkit.servers import REPO_ROOT

READS = re.compile(r"\$\{(\w+)\}|os\.environ(?:\.get)?[\[(]\s*\"(\w+)\"|getenv\(\s*\"(\w+)\"")


def _available(objects: list[dict], container: dict, namespace: str) -> dict[str, str | None]:
    """Every variable the container gets: literal values, and names from refs (value None);
    ``objects`` holds the rendered overlay and the Secrets ``make secrets`` applies."""
    names: dict[str, str | None] = {e["name"]: e.get("value") for e in container.get("env", [])}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            data = find(objects, "ConfigMap", source["configMapRef"]["name"], namespace)["data"]
            names.update(data)
        if "secretRef" in source:
            data = find(objects, "Secret", source["secretRef"]["name"], namespace)["data"]
            names.update(dict.fromkeys(data))
    return names


def test_feature_server_env_provides_what_the_feature_repo_reads(rendered, cluster_secrets):
    objects = rendered["dev"] + cluster_secrets
    deployment = find(objects, "Deployment", "feast-server", "feast")
    for _, container in containers(deployment):
        env = _available(objects, container, "feast")
        # relative to the working directory, which holds the repository tree in our images
        config = PurePosixPath(env["FEAST_FS_YAML_FILE_PATH"])
        assert not config.is_absolute()
        read = set()
        for path in (REPO_ROOT / config, REPO_ROOT / config.parent / "definitions.py"):
            code = "\n".join(line.split("#")[0] for line in path.read_text().splitlines())
            read |= {next(filter(None, m)) for m in READS.findall(code)}
        assert "FEAST_REGISTRY_PATH" in read
        assert read <= set(env), f"{container['name']}: {sorted(read - set(env))} unset"


def test_feature_view_and_features_service_agree_on_the_lags(rendered):
    objects = rendered["dev"]
    features = find(objects, "Deployment", "features", "ml-services")
    feast = find(objects, "ConfigMap", "feast-env", "feast")["data"]
    n_lags = env_of(features["spec"]["template"]["spec"]["containers"][0])["N_LAGS"]
    assert feast["N_LAGS"] == n_lags
