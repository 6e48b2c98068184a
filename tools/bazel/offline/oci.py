"""Image layers and OCI layouts for the offline ``py_image_layer`` and ``oci_image`` stand-ins.

``oci.py layer MANIFEST OUT.tar UID GID``: a reproducible tar (mtime 0, symlinks followed,
owned by UID:GID) of the ``image-path<TAB>source`` lines of MANIFEST.
``oci.py image LAYOUT CONFIG.json LAYER.tar...``: an OCI image layout (``skopeo copy
oci:LAYOUT ...`` reads it) with those layers, uncompressed, and that container config.
"""

import hashlib
import json
import sys
import tarfile
from pathlib import Path

LAYER = "application/vnd.oci.image.layer.v1.tar"


def write_layer(manifest: Path, out: Path, uid: int = 0, gid: int = 0) -> None:
    entries = sorted(line.split("\t") for line in manifest.read_text().splitlines() if line)
    dirs = sorted({str(p) for path, _ in entries for p in Path(path.lstrip("/")).parents} - {"."})
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for name in dirs:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, 0o755, uid, gid
            tar.addfile(info)
        for path, source in entries:
            info = tar.gettarinfo(source, arcname=path.lstrip("/"))
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, uid, gid, "", ""
            info.mode = 0o755 if info.mode & 0o111 else 0o644
            with open(source, "rb") as handle:
                tar.addfile(info, handle)


def blob(layout: Path, data: bytes) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def file_blob(layout: Path, path: Path) -> dict:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    target = layout / "blobs" / "sha256" / digest.hexdigest()
    target.write_bytes(path.read_bytes())
    return {"digest": f"sha256:{digest.hexdigest()}", "size": path.stat().st_size}


def write_layout(layout: Path, config: dict, layers: list[Path]) -> None:
    (layout / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    descriptors = [{"mediaType": LAYER, **file_blob(layout, p)} for p in layers]
    image_config = {
        "architecture": "amd64",
        "os": "linux",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [d["digest"] for d in descriptors]},
    }
    config_blob = blob(layout, json.dumps(image_config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config_blob},
        "layers": descriptors,
    }
    manifest_blob = blob(layout, json.dumps(manifest, sort_keys=True).encode())
    index = {
        "schemaVersion": 2,
        "manifests": [{"mediaType": manifest["mediaType"], **manifest_blob}],
    }
    (layout / "index.json").write_text(json.dumps(index))
    (layout / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))


def main(argv: list[str]) -> int:
    if argv[1] == "layer":
        write_layer(Path(argv[2]), Path(argv[3]), int(argv[4]), int(argv[5]))
    elif argv[1] == "image":
        config = json.loads(Path(argv[3]).read_text())
        write_layout(Path(argv[2]), config, [Path(p) for p in argv[4:]])
    else:
        print(f"unknown command {argv[1]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
