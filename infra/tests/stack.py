"""The three services started as the cluster configures them (env from the rendered manifests)."""

from pathlib import Path

from infra.tests.render import env_of, find
from libs.testkit import ServiceProcess

WORKLOADS = (("ingestion", "Deployment"), ("features", "Deployment"), ("model", "StatefulSet"))
LOCAL = {"HOST", "PORT", "S3_ENDPOINT_URL", "S3_BUCKET", "AWS_DEFAULT_REGION", "FEAST_URL"}
"""Set by the test kit (address) or dropped: S3 snapshots and Feast pushes have their own
real-server tests (services/model, services/features)."""


def start(objects: list[dict], workdir: Path, redis_url: str) -> dict[str, ServiceProcess]:
    """Each service with its manifest's env, ``REDIS_URL`` on a real local Redis, state under
    ``workdir``; the caller stops them."""
    started: dict[str, ServiceProcess] = {}
    try:
        for app, kind in WORKLOADS:
            container = find(objects, kind, app, "ml-services")["spec"]["template"]["spec"]
            env = {k: v for k, v in env_of(container["containers"][0]).items() if k not in LOCAL}
            env["STATE_DIR"] = str(workdir / "state" / app)
            if "REDIS_URL" in env:
                env["REDIS_URL"] = redis_url
            started[app] = ServiceProcess(app, workdir, env).start()
    except BaseException:
        stop(started)
        raise
    return started


def stop(services: dict[str, ServiceProcess]) -> None:
    for service in services.values():
        service.stop()


def urls(services: dict[str, ServiceProcess]) -> dict[str, str]:
    """The job's environment for these services."""
    return {f"{app.upper()}_URL": s.url for app, s in services.items()}
