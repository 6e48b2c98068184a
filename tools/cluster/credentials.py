"""``make secrets``: the cluster's Secrets, with random values kept in git-ignored env files.

The manifests name these Secrets and never define them, so the overlays render from a fresh clone
and no password is in the repository. Each run writes the env files that are missing (mode 0600,
under ``.credentials/``), then applies the Secrets, and the namespaces they live in, with
``kubectl apply --server-side``; the values are drawn once, so reruns apply the same ones.
``--rotate NAME`` (repeatable) draws new values for that Secret, applies them and restarts the
workloads that read it, which read their environment at start. ``--print`` writes the
manifests to stdout instead of applying them.

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> first = load_values(folder)
>>> sorted(first)
['admin-token', 'grafana-admin', 's3-credentials']
>>> sorted(first["s3-credentials"])
['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']
>>> load_values(folder) == first
True
>>> oct((folder / "s3.env").stat().st_mode & 0o777)
'0o600'
>>> [(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in manifests(first)]
[('Namespace', None, 'feast'), ('Namespace', None, 'ml-services'),
 ('Namespace', None, 'monitoring'), ('Secret', 'feast', 's3-credentials'),
 ('Secret', 'ml-services', 's3-credentials'), ('Secret', 'ml-services', 'admin-token'),
 ('Secret', 'monitoring', 'grafana-admin')]
"""

import argparse
import base64
import secrets
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

FOLDER = Path(__file__).resolve().parents[2] / ".credentials"
FIELD_MANAGER = "make-secrets"


@dataclass(frozen=True)
class Credential:
    """One Secret: the env file holding its values, its namespaces, the workloads reading it
    (``namespace/kind/name``, restarted on rotation) and how its values are drawn."""

    name: str
    file: str
    namespaces: tuple[str, ...]
    consumers: tuple[str, ...]
    draw: Callable[[], dict[str, str]]


CREDENTIALS = (
    Credential(
        "s3-credentials",
        "s3.env",
        ("feast", "ml-services"),
        (
            "feast/statefulset/minio",
            "feast/deployment/feast-server",
            "ml-services/statefulset/model",
        ),
        lambda: {
            "AWS_ACCESS_KEY_ID": "ol-" + secrets.token_hex(8),
            "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
        },
    ),
    Credential(
        "admin-token",
        "admin.env",
        ("ml-services",),
        (
            "ml-services/deployment/ingestion",
            "ml-services/deployment/features",
            "ml-services/statefulset/model",
        ),
        lambda: {"ADMIN_TOKEN": secrets.token_urlsafe(32)},
    ),
    Credential(
        "grafana-admin",
        "grafana.env",
        ("monitoring",),
        ("monitoring/deployment/grafana",),
        lambda: {
            "GF_SECURITY_ADMIN_USER": "admin",
            "GF_SECURITY_ADMIN_PASSWORD": secrets.token_urlsafe(18),
        },
    ),
)
BY_NAME = {c.name: c for c in CREDENTIALS}


class CredentialsError(Exception):
    """An env file that does not hold what its Secret needs, or a failed kubectl call."""


def _read(path: Path, credential: Credential) -> dict[str, str]:
    values = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    keys = list(credential.draw())
    missing = [key for key in keys if not values.get(key)]
    if missing:
        raise CredentialsError(
            f"{path}: {', '.join(missing)} missing or empty (remove the file to redraw it)"
        )
    return {key: values[key] for key in keys}


def save(folder: Path, credential: Credential, values: dict[str, str]) -> None:
    """Write ``credential``'s env file, readable by its owner only."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / credential.file
    path.touch(mode=0o600)
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))


def load_values(folder: Path) -> dict[str, dict[str, str]]:
    """Each Secret's values from its env file; a missing file is drawn and written first."""
    values = {}
    for credential in CREDENTIALS:
        path = folder / credential.file
        if not path.exists():
            save(folder, credential, credential.draw())
        values[credential.name] = _read(path, credential)
    return values


def _labels(name: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": "credentials",
        "app.kubernetes.io/part-of": "online-learning",
        "app.kubernetes.io/managed-by": FIELD_MANAGER,
    }


def manifests(values: dict[str, dict[str, str]]) -> list[dict]:
    """The namespaces, then every Secret in each of its namespaces."""
    namespaces = sorted({ns for c in CREDENTIALS for ns in c.namespaces})
    objects = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"app.kubernetes.io/part-of": "online-learning"}},
        }
        for ns in namespaces
    ]
    for credential in CREDENTIALS:
        data = {
            key: base64.b64encode(value.encode()).decode()
            for key, value in values[credential.name].items()
        }
        for ns in credential.namespaces:
            metadata = {
                "name": credential.name,
                "namespace": ns,
                "labels": _labels(credential.name),
            }
            objects.append(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": metadata,
                    "type": "Opaque",
                    "data": data,
                }
            )
    return objects


def _kubectl(context: str | None, *args: str, stdin: str | None = None) -> str:
    command = ["kubectl", *(["--context", context] if context else []), *args]
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120)
    except FileNotFoundError as exc:
        raise CredentialsError("kubectl not found on PATH") from exc
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no output"
        raise CredentialsError(f"kubectl {args[0]} failed: {reason}")
    return done.stdout


def apply(objects: list[dict], context: str | None) -> None:
    """Server-side apply: the namespaces' other labels, set by the overlays, are left alone."""
    stream = yaml.safe_dump_all(objects, sort_keys=False)
    _kubectl(
        context,
        "apply",
        "--server-side",
        f"--field-manager={FIELD_MANAGER}",
        "-f",
        "-",
        stdin=stream,
    )


def restart(credential: Credential, context: str | None) -> list[str]:
    """``rollout restart`` of every deployed workload reading ``credential``; those restarted."""
    restarted = []
    for consumer in credential.consumers:
        ns, kind, name = consumer.split("/")
        if _kubectl(context, "-n", ns, "get", kind, name, "--ignore-not-found", "-o", "name"):
            _kubectl(context, "-n", ns, "rollout", "restart", f"{kind}/{name}")
            restarted.append(consumer)
    return restarted


def _run(args: argparse.Namespace) -> None:
    values = load_values(args.folder)
    # rotated values reach their files only once the cluster has them (or they are printed)
    values |= {name: BY_NAME[name].draw() for name in args.rotate}
    objects = manifests(values)
    if args.print:
        print(yaml.safe_dump_all(objects, sort_keys=False), end="")
    else:
        apply(objects, args.context)
    for name in args.rotate:
        save(args.folder, BY_NAME[name], values[name])
    if args.print:
        return
    print(f"applied {len(objects)} objects, values in {args.folder}", file=sys.stderr)
    for name in args.rotate:
        for consumer in restart(BY_NAME[name], args.context):
            print(f"restarted {consumer} ({name} rotated)", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.cluster.credentials")
    parser.add_argument("--folder", type=Path, default=FOLDER, help="where the env files live")
    parser.add_argument("--rotate", action="append", default=[], choices=sorted(BY_NAME))
    parser.add_argument("--print", action="store_true", help="print the manifests, apply nothing")
    parser.add_argument("--context", help="kubectl context (default: the current one)")
    try:
        _run(parser.parse_args(argv))
    except CredentialsError as exc:
        print(f"make secrets: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
