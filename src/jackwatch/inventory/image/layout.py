"""The images an archive or layout holds: ``docker save``'s ``manifest.json`` or an OCI ``index.json``.

``docker save`` (every version) writes ``manifest.json``: one entry per image with its configuration, tags
and layer paths; Docker 25 and later also write an OCI layout beside it, which is then ignored. An OCI
layout lists descriptors in ``index.json``; a descriptor can be an image manifest or an image index (a
multi-platform image), followed down to the manifests. Attestation manifests (BuildKit provenance) are not
images and are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jackwatch.errors import ContentError, Location
from jackwatch.inventory.image.blobs import Blobs
from jackwatch.inventory.image.config import ImageConfig
from jackwatch.inventory.image.documents import (
    MissingBlob,
    json_list,
    json_object,
    json_string,
    json_strings,
    location_of,
    read_blob,
    read_json,
)
from jackwatch.inventory.image.limits import ImageLimits
from jackwatch.inventory.image.paths import normalize_member
from jackwatch.inventory.image.refs import Platform
from jackwatch.sources.stats import ReadStats

DOCKER_MANIFEST = "manifest.json"
OCI_INDEX = "index.json"
MANIFEST_TYPES = frozenset(
    {"application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"}
)
INDEX_TYPES = frozenset(
    {"application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"}
)
REFERENCE_ANNOTATIONS = ("io.containerd.image.name", "org.opencontainers.image.ref.name")
ATTESTATION_ANNOTATION = "vnd.docker.reference.type"
MAX_INDEX_DEPTH = 4
_DIGEST = re.compile(r"([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)")


@dataclass(frozen=True, slots=True)
class LayerBlob:
    """A layer as the manifest lists it: its path in the layout, and its digest and media type when given."""

    path: str
    digest: str | None = None
    media_type: str | None = None


@dataclass(frozen=True, slots=True)
class ImageEntry:
    """An image the layout offers, before its documents are read.

    ``digests`` are the manifest's and those of the indexes above it; ``platform`` is what an index says.
    An OCI image has ``manifest`` (its blob path); a ``docker save`` image has ``config`` and ``layers``.
    """

    references: tuple[str, ...]
    digests: tuple[str, ...] = ()
    platform: Platform | None = None
    manifest: str | None = None
    config: str | None = None
    layers: tuple[LayerBlob, ...] = ()


@dataclass(frozen=True, slots=True)
class Image:
    """An image whose manifest and configuration have been read."""

    entry: ImageEntry
    config: ImageConfig
    layers: tuple[LayerBlob, ...]

    @property
    def manifest_digest(self) -> str | None:
        """The digest of the image manifest (OCI layouts; ``None`` for ``docker save``'s own format)."""
        return self.entry.digests[-1] if self.entry.digests else None

    @property
    def digests(self) -> tuple[str, ...]:
        """Every digest that names the image: manifest, the indexes above it, configuration (image ID)."""
        return (*self.entry.digests, self.config.digest)


def list_images(blobs: Blobs, limits: ImageLimits, stats: ReadStats) -> list[ImageEntry]:
    """Every image the layout names, in its order."""
    if blobs.exists(DOCKER_MANIFEST):
        return _docker_images(blobs, limits)
    if blobs.exists(OCI_INDEX):
        return _oci_images(blobs, OCI_INDEX, (), (), limits, stats)
    raise ContentError(
        f"neither a docker save archive nor an OCI image layout: no {DOCKER_MANIFEST} or {OCI_INDEX}",
        Location(blobs.name),
    )


def read_image(blobs: Blobs, entry: ImageEntry, limits: ImageLimits) -> Image:
    """The manifest and configuration of ``entry``; ``ContentError`` (``MissingBlob``) when unusable."""
    if entry.manifest is None:
        config_path, layers = entry.config or "", entry.layers
    else:
        config_path, layers = _oci_manifest(blobs, entry.manifest, limits)
    raw = read_blob(blobs, config_path, limits.max_document_bytes)
    return Image(entry, ImageConfig.parse(raw, location_of(blobs, config_path)), layers)


def _docker_images(blobs: Blobs, limits: ImageLimits) -> list[ImageEntry]:
    where = location_of(blobs, DOCKER_MANIFEST)
    document = read_json(blobs, DOCKER_MANIFEST, limits.max_document_bytes)
    items = json_list(document, "manifest", where)
    if not items:
        raise ContentError("lists no image", where)
    entries = []
    for number, item in enumerate(items):
        what = f"[{number}]"
        image = json_object(item, what, where)
        layers = json_strings(image.get("Layers"), f"{what}.Layers", where) or ()
        entries.append(
            ImageEntry(
                references=json_strings(image.get("RepoTags"), f"{what}.RepoTags", where) or (),
                config=_inside(json_string(image.get("Config"), f"{what}.Config", where), where),
                layers=tuple(LayerBlob(_inside(layer, where)) for layer in layers),
            )
        )
    return entries


def _inside(path: str, where: Location) -> str:
    """``path`` made relative to the layout; ``ContentError`` when empty or outside it."""
    relative = normalize_member(path).path
    if not relative:
        raise ContentError(f"invalid path {path!r}: outside the archive", where)
    return relative


def _oci_images(
    blobs: Blobs,
    path: str,
    references: tuple[str, ...],
    digests: tuple[str, ...],
    limits: ImageLimits,
    stats: ReadStats,
) -> list[ImageEntry]:
    """The images an index (``index.json`` or an image index blob) leads to."""
    where = location_of(blobs, path)
    index = json_object(read_json(blobs, path, limits.max_document_bytes), "index", where)
    entries = []
    for number, item in enumerate(json_list(index.get("manifests"), "manifests", where)):
        what = f"manifests[{number}]"
        descriptor = json_object(item, what, where)
        media_type = json_string(descriptor.get("mediaType"), f"{what}.mediaType", where)
        digest = json_string(descriptor.get("digest"), f"{what}.digest", where)
        annotations = json_object(descriptor.get("annotations"), f"{what}.annotations", where)
        named = references + tuple(
            value for key in REFERENCE_ANNOTATIONS if isinstance(value := annotations.get(key), str)
        )
        if media_type in INDEX_TYPES:
            if len(digests) >= MAX_INDEX_DEPTH:
                stats.skip("index_too_deep", where, f"{what}: indexes nested more than {MAX_INDEX_DEPTH} deep")
                continue
            try:
                entries += _oci_images(blobs, blob_path(digest, where), named, (*digests, digest), limits, stats)
            except MissingBlob as exc:
                stats.skip("missing_blob", exc.location or where, f"image index {digest}: {exc.message}")
        elif media_type in MANIFEST_TYPES:
            if ATTESTATION_ANNOTATION not in annotations:
                platform = _platform(descriptor.get("platform"), f"{what}.platform", where)
                entries.append(ImageEntry(named, (*digests, digest), platform, manifest=blob_path(digest, where)))
        else:
            stats.skip("not_an_image", where, f"{what}: {media_type or 'no media type'} is not an image manifest")
    return entries


def _platform(value: Any, what: str, where: Location) -> Platform | None:
    platform = json_object(value, what, where)
    os, architecture = platform.get("os"), platform.get("architecture")
    if not isinstance(os, str) or not isinstance(architecture, str):
        return None
    variant = platform.get("variant")
    return Platform(os, architecture, variant if isinstance(variant, str) and variant else None)


def _oci_manifest(blobs: Blobs, path: str, limits: ImageLimits) -> tuple[str, tuple[LayerBlob, ...]]:
    """The configuration's blob path and the layers of an image manifest."""
    where = location_of(blobs, path)
    manifest = json_object(read_json(blobs, path, limits.max_document_bytes), "manifest", where)
    config = json_object(manifest.get("config"), "config", where)
    config_path = blob_path(json_string(config.get("digest"), "config.digest", where), where)
    layers = []
    for number, item in enumerate(json_list(manifest.get("layers"), "layers", where)):
        descriptor = json_object(item, f"layers[{number}]", where)
        digest = json_string(descriptor.get("digest"), f"layers[{number}].digest", where)
        media_type = json_string(descriptor.get("mediaType"), f"layers[{number}].mediaType", where)
        layers.append(LayerBlob(blob_path(digest, where), digest, media_type or None))
    return config_path, tuple(layers)


def blob_path(digest: str, where: Location) -> str:
    """``blobs/sha256/<hex>`` for ``sha256:<hex>``; ``ContentError`` for a malformed digest."""
    match = _DIGEST.fullmatch(digest)
    if match is None:
        raise ContentError(f"invalid digest {digest!r}", where)
    return f"blobs/{match[1]}/{match[2]}"
