"""Builders of real image archives, as the tools write them.

* ``docker save`` tarballs: the classic layout (``<id>/layer.tar``, ``<id>/json``, ``<config>.json``,
  ``manifest.json``, ``repositories``; a layer used twice is a symlink to the first copy) and the layout of
  Docker 25 and later (``blobs/sha256/…`` with ``manifest.json``, ``index.json`` and ``oci-layout``);
* OCI image layouts (``skopeo copy … oci:dir``, ``crane pull --format=oci``), as a directory or a tarball,
  with plain, gzip or zstd layers, one image per descriptor or a multi-platform image index.

Layers are PAX tarballs with the entries image builders write (directories end with ``/``, no ``./``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import zstandard

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
REF_NAME = "org.opencontainers.image.ref.name"
EPOCH = 1714550400  # 2024-05-01


class Member(NamedTuple):
    """A tar member and its data."""

    info: tarfile.TarInfo
    data: bytes = b""


def _info(name: str, kind: bytes, mode: int, size: int = 0, target: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size, info.linkname = kind, mode, size, target
    info.mtime, info.uname, info.gname = EPOCH, "root", "root"
    return info


def file(name: str, content: bytes | str, mode: int = 0o644) -> Member:
    data = content.encode() if isinstance(content, str) else content
    return Member(_info(name, tarfile.REGTYPE, mode, len(data)), data)


def directory(name: str) -> Member:
    return Member(_info(name, tarfile.DIRTYPE, 0o755))


def symlink(name: str, target: str) -> Member:
    return Member(_info(name, tarfile.SYMTYPE, 0o777, target=target))


def hardlink(name: str, target: str) -> Member:
    return Member(_info(name, tarfile.LNKTYPE, 0o644, target=target))


def whiteout(path: str) -> Member:
    """The whiteout that deletes ``path`` from the layers below."""
    parent, _, base = path.rpartition("/")
    return file(f"{parent}/.wh.{base}" if parent else f".wh.{base}", b"")


def opaque(path: str) -> Member:
    """The marker that hides what the layers below hold in directory ``path``."""
    return file(f"{path}/.wh..wh..opq", b"")


def layer(*members: Member) -> bytes:
    """A layer tarball (uncompressed, PAX, end-of-archive marker included)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for member in members:
            archive.addfile(member.info, io.BytesIO(member.data) if member.info.isreg() else None)
    return buffer.getvalue()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def zst(data: bytes, *, frame_size: int | None = None) -> bytes:
    """zstd as ``zstd -3`` writes it (one frame, with checksum), or frames of ``frame_size`` input bytes each
    (as ``zstd:chunked`` and the seekable format cut a layer)."""
    compressor = zstandard.ZstdCompressor(level=3, write_checksum=True)
    if frame_size is None:
        return compressor.compress(data)
    return b"".join(compressor.compress(data[at : at + frame_size]) for at in range(0, len(data), frame_size))


def digest(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


@dataclass
class ImageSpec:
    """An image to write: its layers (uncompressed tarballs) and what its configuration says."""

    layers: Sequence[bytes]
    tags: Sequence[str] = ("registry.example.com/team/app:1.0",)
    platform: str = "linux/amd64"
    gzip_layers: bool = False
    zstd_layers: bool = False
    media_types: Sequence[str] = ()
    """What the manifest says of each layer, when not what it is."""
    env: Sequence[str] = ("PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8")
    labels: dict[str, str] = field(default_factory=lambda: {"org.opencontainers.image.source": "https://example.org"})
    extra_config: dict[str, Any] = field(default_factory=dict)

    def blobs(self) -> list[bytes]:
        """The layers as stored."""
        return [zst(data) if self.zstd_layers else gz(data) if self.gzip_layers else data for data in self.layers]

    def media_type(self, number: int) -> str:
        """The manifest's media type of layer ``number``."""
        if self.media_types:
            return self.media_types[number]
        return OCI_LAYER + ("+zstd" if self.zstd_layers else "+gzip" if self.gzip_layers else "")

    def config(self) -> bytes:
        """The image configuration, as ``docker build`` (BuildKit) writes it."""
        os, architecture, *variant = self.platform.split("/")
        history = [{"created": "2024-05-01T10:00:00Z", "created_by": "/bin/sh -c #(nop) ADD file:4b1d in / "}]
        history += [
            {
                "created": "2024-05-01T10:00:01Z",
                "created_by": f"RUN /bin/sh -c step {n} # buildkit",
                "comment": "buildkit.dockerfile.v0",
            }
            for n in range(1, len(self.layers))
        ]
        history.insert(
            1,
            {
                "created": "2024-05-01T10:00:00Z",
                "created_by": "/bin/sh -c #(nop)  ENV LANG=C.UTF-8",
                "empty_layer": True,
            },
        )
        document: dict[str, Any] = {
            "architecture": architecture,
            "os": os,
            "created": "2024-05-01T10:00:02Z",
            "config": {
                "User": "app",
                "Env": list(self.env),
                "Entrypoint": ["python", "-m"],
                "Cmd": ["app.server"],
                "WorkingDir": "/srv/app",
                "Labels": self.labels,
                "ExposedPorts": {"8000/tcp": {}},
            },
            "rootfs": {"type": "layers", "diff_ids": [digest(data) for data in self.layers]},
            "history": history,
            **self.extra_config,
        }
        if variant:
            document["variant"] = variant[0]
        return json.dumps(document, indent=None, separators=(",", ":")).encode()


def write_tar(path: Path, members: Sequence[Member], *, compress: bool = False) -> Path:
    """An outer archive (``docker save`` writes plain ustar/pax)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for member in members:
            archive.addfile(member.info, io.BytesIO(member.data) if member.info.isreg() else None)
    path.write_bytes(gz(buffer.getvalue()) if compress else buffer.getvalue())
    return path


def docker_save(path: Path, *images: ImageSpec, modern: bool = False, compress: bool = False) -> Path:
    """A ``docker save`` tarball of ``images``: the classic layout, or Docker 25's (``modern``)."""
    members: dict[str, Member] = {}
    manifest = []
    for image in images:
        config = image.config()
        config_path = f"blobs/sha256/{digest(config)[7:]}" if modern else f"{digest(config)[7:]}.json"
        members[config_path] = file(config_path, config)
        paths = []
        for blob in image.blobs():
            if modern:
                blob_path = f"blobs/sha256/{digest(blob)[7:]}"
                members.setdefault(blob_path, file(blob_path, blob))
            else:
                layer_id = hashlib.sha256(blob + config).hexdigest()
                blob_path = f"{layer_id}/layer.tar"
                first = next(
                    (name for name, member in members.items() if member.data == blob and name.endswith("layer.tar")),
                    None,
                )
                members[f"{layer_id}/"] = directory(f"{layer_id}/")
                members[f"{layer_id}/VERSION"] = file(f"{layer_id}/VERSION", "1.0")
                members[f"{layer_id}/json"] = file(f"{layer_id}/json", json.dumps({"id": layer_id}))
                members[blob_path] = symlink(blob_path, f"../{first}") if first else file(blob_path, blob)
            paths.append(blob_path)
        manifest.append({"Config": config_path, "RepoTags": list(image.tags) or None, "Layers": paths})
    members["manifest.json"] = file("manifest.json", json.dumps(manifest))
    if modern:
        members["oci-layout"] = file("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}))
        members["index.json"] = file("index.json", json.dumps({"schemaVersion": 2, "manifests": []}))
    else:
        repositories: dict[str, dict[str, str]] = {}
        for image, entry in zip(images, manifest, strict=True):
            for tag in image.tags:
                name, _, version = tag.rpartition(":")
                repositories.setdefault(name, {})[version] = str(entry["Layers"][-1]).split("/")[0]
        members["repositories"] = file("repositories", json.dumps(repositories))
    return write_tar(path, list(members.values()), compress=compress)


def _manifest(image: ImageSpec, blobs: dict[str, bytes]) -> tuple[bytes, dict[str, Any]]:
    """Write the image's blobs into ``blobs``; its manifest and the manifest's descriptor."""
    config = image.config()
    blobs[digest(config)] = config
    layers = []
    for number, blob in enumerate(image.blobs()):
        blobs[digest(blob)] = blob
        layers.append({"mediaType": image.media_type(number), "digest": digest(blob), "size": len(blob)})
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": digest(config), "size": len(config)},
            "layers": layers,
        }
    ).encode()
    blobs[digest(manifest)] = manifest
    os, architecture, *variant = image.platform.split("/")
    platform = {"architecture": architecture, "os": os, **({"variant": variant[0]} if variant else {})}
    return manifest, {
        "mediaType": OCI_MANIFEST,
        "digest": digest(manifest),
        "size": len(manifest),
        "platform": platform,
    }


def oci_layout(path: Path, *images: ImageSpec, tarball: bool = False, multi_platform: str | None = None) -> Path:
    """An OCI image layout of ``images`` (a directory, or a tarball of one).

    With ``multi_platform`` (a reference), the images are the platforms of one image index under that name;
    otherwise each image is a descriptor of ``index.json`` named by its first tag.
    """
    blobs: dict[str, bytes] = {}
    descriptors = []
    for image in images:
        _, descriptor = _manifest(image, blobs)
        if multi_platform is None and image.tags:
            descriptor["annotations"] = {REF_NAME: image.tags[0]}
        descriptors.append(descriptor)
    if multi_platform is not None:
        index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": descriptors}).encode()
        blobs[digest(index)] = index
        descriptors = [
            {
                "mediaType": OCI_INDEX,
                "digest": digest(index),
                "size": len(index),
                "annotations": {REF_NAME: multi_platform},
            }
        ]
    files = {
        "oci-layout": json.dumps({"imageLayoutVersion": "1.0.0"}).encode(),
        "index.json": json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": descriptors}).encode(),
        **{f"blobs/sha256/{name[7:]}": data for name, data in blobs.items()},
    }
    if tarball:
        return write_tar(path, [file(name, data) for name, data in files.items()])
    for name, data in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)
    return path


def edit_archive(archive: Path, changes: dict[str, bytes | None]) -> None:
    """Give members of an uncompressed archive new content (``None`` removes the member); keep the rest."""
    with tarfile.open(archive) as source:
        members = []
        for info in source.getmembers():
            extracted = source.extractfile(info) if info.isreg() else None
            data = extracted.read() if extracted is not None else b""
            if info.name in changes:
                replacement = changes[info.name]
                if replacement is None:
                    continue
                data, info.size = replacement, len(replacement)
            members.append(Member(info, data))
    write_tar(archive, members)
