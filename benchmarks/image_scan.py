"""Scanning a ~1 GB container image in place: wall time and peak RSS against a streaming baseline.

The image has four layers: a base system (a few thousand small files), model weights (large files of random,
incompressible bytes: most of the size), a Python site-packages tree (hundreds of distributions with their
``.dist-info`` directories and modules), and an upgrade layer that deletes some distributions with whiteouts
and installs newer versions. It is written twice: as a ``docker save`` tarball (plain layers) and as an OCI
layout tarball (gzip layers).

* **Baseline**: one streaming pass with the standard library's tarfile over every layer of the archive,
  reading the ``.dist-info`` files as they pass (no whiteouts, no merged view, no random access): the least
  work that sees every file.
* **Measured**: ``open_image`` (index of the merged filesystem), ``files()``, and reading every file of every
  ``.dist-info`` directory of the final filesystem, in path order (the order the package collector uses).

Each measurement runs in its own process, so that its peak RSS is its own.

    python benchmarks/image_scan.py [--size-mb 1024] [--distributions 400] [--dir /tmp/jackwatch-image-bench]
        [--rebuild]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

FORMATS = ("docker-save.tar", "oci-gzip.tar")
SITE = "usr/local/lib/python3.11/site-packages"
MODULES_PER_DISTRIBUTION = 40
UPGRADED = 60
"""Distributions the upgrade layer deletes (whiteouts) and installs again in a newer version."""


class RandomBytes:
    """``size`` incompressible bytes, produced as they are read (a source for ``tarfile.addfile``)."""

    def __init__(self, size: int, seed: int) -> None:
        self._left = size
        self._random = random.Random(seed)

    def read(self, size: int = -1) -> bytes:
        count = self._left if size < 0 else min(size, self._left)
        self._left -= count
        return self._random.randbytes(count)


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), 1714550400, 0o644
    archive.addfile(info, io.BytesIO(data))


def _module(name: str, number: int) -> bytes:
    lines = [f'"""Module {number} of {name}."""', "", "from __future__ import annotations", ""]
    lines += [f"def function_{n}(value: int) -> int:\n    return value * {n} + {number}\n" for n in range(60)]
    return "\n".join(lines).encode()


def _distribution(archive: tarfile.TarFile, name: str, version: str) -> None:
    """A wheel installed by pip: modules, then the dist-info directory with METADATA, RECORD, WHEEL…

    Written in the order image builders write a layer (a walk of the tree, entries sorted by name), as the
    distributions are (their names sort as their numbers).
    """
    record = []
    for number in range(MODULES_PER_DISTRIBUTION):
        path = f"{name}/module_{number}.py"
        data = _module(name, number)
        _add(archive, f"{SITE}/{path}", data)
        record.append(f"{path},sha256={hashlib.sha256(data).hexdigest()},{len(data)}")
    info = f"{SITE}/{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {name}\n\n" + "Text.\n" * 300
    files = {
        "METADATA": metadata,
        "WHEEL": "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.43.0)\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        "top_level.txt": f"{name}\n",
        "INSTALLER": "pip\n",
        "RECORD": "\n".join([*record, f"{name}-{version}.dist-info/RECORD,,"]) + "\n",
    }
    for file, text in sorted(files.items()):
        _add(archive, f"{info}/{file}", text.encode())


def _layers(size: int, distributions: int, work: Path) -> list[Path]:
    """The four layer tarballs (uncompressed); the weights take what the rest leaves of ``size``."""
    paths = [work / f"layer{n}.tar" for n in range(4)]
    with tarfile.open(paths[0], "w", format=tarfile.PAX_FORMAT) as archive:
        for number in range(3000):
            _add(archive, f"usr/share/doc/pkg{number // 10}/file{number}.txt", b"documentation\n" * 40)
    with tarfile.open(paths[2], "w", format=tarfile.PAX_FORMAT) as archive:
        for number in range(distributions):
            _distribution(archive, f"package_{number:05}", "1.0.0")
    with tarfile.open(paths[3], "w", format=tarfile.PAX_FORMAT) as archive:
        for number in range(min(UPGRADED, distributions)):
            name = f"package_{number:05}"
            _add(archive, f"{SITE}/.wh.{name}-1.0.0.dist-info", b"")
            _add(archive, f"{SITE}/.wh.{name}", b"")
            _distribution(archive, name, "1.1.0")
    weights = size - sum(path.stat().st_size for path in paths if path.exists())
    with tarfile.open(paths[1], "w", format=tarfile.PAX_FORMAT) as archive:
        for number in range(4):
            info = tarfile.TarInfo(f"models/llm/model-{number + 1:05}-of-00004.safetensors")
            info.size = max(weights // 4, 1)
            archive.addfile(info, RandomBytes(info.size, number))
    return paths


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(4 * 1024 * 1024):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


def _config(diff_ids: list[str]) -> bytes:
    history = [{"created_by": f"RUN step {n} # buildkit"} for n in range(len(diff_ids))]
    return json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": ["PATH=/usr/local/bin:/usr/bin"], "Cmd": ["python", "-m", "app"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
        }
    ).encode()


def build(size: int, distributions: int, out: Path) -> None:
    """Write both archives of a ``size``-byte image with ``distributions`` installed into ``out``."""
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    layers = _layers(size, distributions, work)
    diff_ids = [_sha256(path) for path in layers]
    config = _config(diff_ids)
    config_name = hashlib.sha256(config).hexdigest()
    with tarfile.open(out / FORMATS[0], "w", format=tarfile.PAX_FORMAT) as archive:
        _add(archive, f"{config_name}.json", config)
        for path, diff_id in zip(layers, diff_ids, strict=True):
            archive.add(path, f"{diff_id[7:]}/layer.tar")
        names = [f"{diff_id[7:]}/layer.tar" for diff_id in diff_ids]
        manifest = [{"Config": f"{config_name}.json", "RepoTags": ["bench/app:1.0"], "Layers": names}]
        _add(archive, "manifest.json", json.dumps(manifest).encode())
    packed = []
    for path in layers:
        target = path.with_suffix(".tar.gz")
        with path.open("rb") as source, gzip.open(target, "wb", compresslevel=1) as sink:
            shutil.copyfileobj(source, sink, 4 * 1024 * 1024)
        packed.append((target, _sha256(target)))
        path.unlink()
    descriptors = [
        {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": path.stat().st_size}
        for path, digest in packed
    ]
    manifest_document = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": f"sha256:{config_name}"},
            "layers": descriptors,
        }
    ).encode()
    manifest_digest = hashlib.sha256(manifest_document).hexdigest()
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": f"sha256:{manifest_digest}",
                "size": len(manifest_document),
                "annotations": {"org.opencontainers.image.ref.name": "bench/app:1.0"},
            }
        ],
    }
    with tarfile.open(out / FORMATS[1], "w", format=tarfile.PAX_FORMAT) as archive:
        _add(archive, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        _add(archive, "index.json", json.dumps(index).encode())
        _add(archive, f"blobs/sha256/{manifest_digest}", manifest_document)
        _add(archive, f"blobs/sha256/{config_name}", config)
        for path, digest in packed:
            archive.add(path, f"blobs/sha256/{digest[7:]}")
            path.unlink()
    work.rmdir()


def _is_dist_info(path: str) -> bool:
    return ".dist-info/" in path


def baseline(archive: Path) -> dict[str, int]:
    """One streaming pass over every layer with tarfile, reading the dist-info files as they pass."""
    files = read = 0
    with tarfile.open(archive) as outer:
        for member in outer:
            if not (member.name.endswith("layer.tar") or member.name.startswith("blobs/")) or member.size < 4096:
                continue
            stream = outer.extractfile(member)
            assert stream is not None
            with tarfile.open(fileobj=stream, mode="r|*") as layer:
                for inner in layer:
                    files += inner.isreg()
                    if inner.isreg() and _is_dist_info(inner.name):
                        data = layer.extractfile(inner)
                        read += len(data.read()) if data is not None else 0
    return {"files": files, "dist_info_bytes": read}


def jackwatch(archive: Path) -> dict[str, int]:
    """open_image, files(), and every dist-info file of the merged filesystem read, in path order."""
    from jackwatch.inventory.image import open_image

    with open_image(archive) as root:
        files = list(root.files())
        wanted = sorted(path for path in files if _is_dist_info(path))
        read = sum(len(root.read(path)) for path in wanted)
        if root.stats.problems:
            raise SystemExit(f"problems while scanning: {root.stats.as_dict()}")
        distributions = sum(1 for path in wanted if path.endswith("/METADATA"))
        return {"files": len(files), "dist_info_bytes": read, "distributions": distributions}


def _child(mode: str, archive: Path) -> None:
    started = time.perf_counter()
    figures = baseline(archive) if mode == "baseline" else jackwatch(archive)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({**figures, "seconds": seconds, "peak_rss_mb": peak_mb}))


def _measure(mode: str, archive: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", mode, "--archive", str(archive)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.splitlines()[-1]))


def _archives(directory: Path) -> Iterator[Path]:
    return (directory / name for name in FORMATS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024, help="image size (uncompressed layers)")
    parser.add_argument("--distributions", type=int, default=400, help="Python distributions installed")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/jackwatch-image-bench"), help="where the archives go")
    parser.add_argument("--rebuild", action="store_true", help="write the archives again")
    parser.add_argument("--child", choices=["baseline", "jackwatch"], help=argparse.SUPPRESS)
    parser.add_argument("--archive", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.archive)
        return
    if args.rebuild or not all(path.exists() for path in _archives(args.dir)):
        print(f"writing a {args.size_mb} MB image into {args.dir} …", file=sys.stderr)
        started = time.perf_counter()
        build(args.size_mb * 1024 * 1024, args.distributions, args.dir)
        print(f"written in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    for archive in _archives(args.dir):
        base = _measure("baseline", archive)
        full = _measure("jackwatch", archive)
        print(f"{archive.name}: {archive.stat().st_size / 1e6:,.0f} MB, {full['files']:,.0f} files in the merged view")
        print(
            f"  baseline (tarfile, one streaming pass): {base['seconds']:.1f} s, peak RSS {base['peak_rss_mb']:.0f} MB"
        )
        print(
            f"  jackwatch (open + files + {full['distributions']:.0f} dist-info dirs read, "
            f"{full['dist_info_bytes'] / 1e6:.1f} MB): {full['seconds']:.1f} s, peak RSS {full['peak_rss_mb']:.0f} MB"
        )
        print(f"  ratio jackwatch/baseline time: {full['seconds'] / base['seconds']:.2f}")
    print(f"{os.cpu_count()} cores available, one used")


if __name__ == "__main__":
    main()
