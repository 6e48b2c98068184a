"""The Secrets the manifests read are exactly those ``make secrets`` applies; none is rendered."""

import kubernetes_validate
import pytest

from infra.tests.render import (
    KUBERNETES_VERSION,
    OVERLAYS,
    clone_files,
    ident,
    secret_readers,
)
from libs.testkit import REPO_ROOT
from tools.cluster.credentials import CREDENTIALS

LONG_RUNNING = {"deployment", "statefulset", "daemonset"}


def test_printed_secrets_and_namespaces_pass_strict_schema_validation(cluster_secrets):
    kinds = sorted({o["kind"] for o in cluster_secrets})
    assert kinds == ["Namespace", "Secret"]
    for obj in cluster_secrets:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_make_secrets_applies_is_read_and_rotation_restarts_its_readers(
    rendered, cluster_secrets, overlay
):
    readers = secret_readers(rendered[overlay])
    applied = {
        (o["metadata"]["namespace"], o["metadata"]["name"])
        for o in cluster_secrets
        if o["kind"] == "Secret"
    }
    assert set(readers) == applied
    for credential in CREDENTIALS:
        long_running = {
            reader
            for ns in credential.namespaces
            for reader in readers[ns, credential.name]
            if reader.split("/")[1] in LONG_RUNNING
        }
        assert set(credential.consumers) == long_running, credential.name


def test_namespaces_make_secrets_creates_are_the_overlays(rendered, cluster_secrets):
    ours = {o["metadata"]["name"] for o in cluster_secrets if o["kind"] == "Namespace"}
    for overlay in OVERLAYS:
        rendered_namespaces = {
            o["metadata"]["name"] for o in rendered[overlay] if o["kind"] == "Namespace"
        }
        assert ours <= rendered_namespaces, overlay


def test_overlays_render_from_a_fresh_clone_without_generated_secrets(rendered):
    """``rendered`` comes from a copy of the files a clone has; no kustomization generates a
    Secret from a local file, and none is rendered."""
    files = clone_files()
    kustomizations = [f for f in files if f.endswith("/kustomization.yaml")]
    for overlay in OVERLAYS:
        assert f"infra/k8s/overlays/{overlay}/kustomization.yaml" in kustomizations
        assert not [ident(o) for o in rendered[overlay] if o["kind"] == "Secret"]
    generating = [f for f in kustomizations if "secretGenerator" in (REPO_ROOT / f).read_text()]
    assert generating == []
