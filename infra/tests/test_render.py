"""Every overlay renders, and every object passes strict schema validation."""

import re

import kubernetes_validate
import pytest
from hera.workflows.models import CronWorkflow

from infra.tests.render import KUBERNETES_VERSION, OVERLAYS, containers, ident

PINNED = re.compile(
    r"^[\w./-]+(:[\w][\w.-]*)(@sha256:[0-9a-f]{64})?$|^[\w./-]+@sha256:[0-9a-f]{64}$"
)


def unknown_fields(given, dumped, path: str = "") -> list[str]:
    """Paths present in ``given`` that the model dropped: fields Argo's schema does not know."""
    if isinstance(given, dict):
        if not isinstance(dumped, dict):
            return [path or "/"]
        missing = []
        for key, value in given.items():
            if key not in dumped:
                missing.append(f"{path}/{key}")
            else:
                missing += unknown_fields(value, dumped[key], f"{path}/{key}")
        return missing
    if isinstance(given, list) and isinstance(dumped, list):
        return [
            m
            for i, (g, d) in enumerate(zip(given, dumped, strict=False))
            for m in unknown_fields(g, d, f"{path}/{i}")
        ]
    return []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_core_objects_pass_strict_schema_validation(rendered, overlay):
    errors = {}
    for obj in rendered[overlay]:
        if obj["apiVersion"].startswith("argoproj.io/"):
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors[ident(obj)] = f"{exc.path}: {exc.message}"
    assert not errors, errors


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_cronworkflows_match_argo_schema_without_unknown_fields(rendered, overlay):
    crons = [o for o in rendered[overlay] if o["kind"] == "CronWorkflow"]
    assert sorted(c["metadata"]["name"] for c in crons) == [
        "online-learning-cron-v0",
        "online-learning-cron-v1",
    ]
    for cron in crons:
        model = CronWorkflow.model_validate(cron)
        dumped = model.model_dump(by_alias=True, exclude_unset=True, mode="json")
        assert unknown_fields(cron, dumped) == [], cron["metadata"]["name"]
        spec = cron["spec"]
        assert spec["schedules"] == ["* * * * *"]
        assert spec["concurrencyPolicy"] == "Forbid"
        assert (spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (25, 5)
        assert all("retryStrategy" in t for t in spec["workflowSpec"]["templates"])


def test_unknown_field_in_a_cronworkflow_is_caught(rendered):
    cron = next(o for o in rendered["dev"] if o["kind"] == "CronWorkflow")
    broken = {**cron, "spec": {**cron["spec"], "concurrency": "Forbid"}}
    dumped = CronWorkflow.model_validate(broken).model_dump(by_alias=True, exclude_unset=True)
    assert unknown_fields(broken, dumped) == ["/spec/concurrency"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_image_is_pinned_and_never_latest(rendered, overlay):
    images = {c["image"] for obj in rendered[overlay] for _, c in containers(obj)}
    assert images, "no container rendered"
    for image in images:
        assert PINNED.match(image), f"{image} has no tag or digest"
        assert not image.endswith(":latest"), image


def test_prod_scales_the_replica_safe_services_and_guards_them(rendered):
    prod = rendered["prod"]
    kinds = {(o["kind"], o["metadata"]["name"]) for o in prod}
    for app in ("ingestion", "features"):
        assert ("HorizontalPodAutoscaler", app) in kinds
        assert ("PodDisruptionBudget", app) in kinds
        deployment = next(
            o for o in prod if o["kind"] == "Deployment" and o["metadata"]["name"] == app
        )
        assert deployment["spec"]["replicas"] == 3
    dev_kinds = {o["kind"] for o in rendered["dev"]}
    assert "HorizontalPodAutoscaler" not in dev_kinds
