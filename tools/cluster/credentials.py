"""``make secrets``: random credentials for the cluster, in git-ignored env files.

kustomize's secretGenerator in ``infra/k8s/components/credentials`` turns each file into a Secret,
so no password is written in the repository. Existing files are kept (rotating a MinIO root
password under a running MinIO locks the model service and Feast out); ``--force`` replaces them.

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> sorted(write_credentials(folder))
['admin.env', 'grafana.env', 's3.env']
>>> sorted(write_credentials(folder))
[]
>>> lines = (folder / "s3.env").read_text().splitlines()
>>> [line.split("=")[0] for line in lines]
['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']
>>> len(lines[1].split("=")[1])
40
"""

import argparse
import secrets
import sys
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[2] / "infra/k8s/components/credentials"


def _files() -> dict[str, dict[str, str]]:
    return {
        "s3.env": {
            "AWS_ACCESS_KEY_ID": "ol-" + secrets.token_hex(8),
            "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
        },
        "admin.env": {"ADMIN_TOKEN": secrets.token_urlsafe(32)},
        "grafana.env": {
            "GF_SECURITY_ADMIN_USER": "admin",
            "GF_SECURITY_ADMIN_PASSWORD": secrets.token_urlsafe(18),
        },
    }


def write_credentials(folder: Path, force: bool = False) -> list[str]:
    """Write every missing env file (all of them with ``force``), mode 0600; their names."""
    written = []
    for name, values in _files().items():
        path = folder / name
        if path.exists() and not force:
            continue
        path.touch(mode=0o600)
        path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
        written.append(name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.cluster.credentials")
    parser.add_argument("--folder", type=Path, default=FOLDER)
    parser.add_argument("--force", action="store_true", help="replace existing credentials")
    args = parser.parse_args(argv)
    written = write_credentials(args.folder, args.force)
    for name in written:
        print(f"wrote {args.folder / name}")
    if not written:
        print(f"credentials in {args.folder} kept (--force replaces them)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
