"""The layers of the chosen image: opened in place (plain tar, gzip or zstd), walked in order into the index."""

from __future__ import annotations

import functools
import io
import tarfile
from dataclasses import dataclass

from jackwatch.errors import Location
from jackwatch.inventory.image.blobs import Blobs
from jackwatch.inventory.image.documents import location_of
from jackwatch.inventory.image.gzip_seek import GZIP_MAGIC, GzipReader
from jackwatch.inventory.image.index import Entry, Index, LayerApplier, Report
from jackwatch.inventory.image.layout import Image, LayerBlob
from jackwatch.inventory.image.limits import Budget, ImageLimits, LimitReached
from jackwatch.inventory.image.seekable import SeekableReader
from jackwatch.inventory.image.streams import CorruptStream, buffered
from jackwatch.inventory.image.tarwalk import walk_tar
from jackwatch.inventory.image.zstd_seek import ZSTD_MAGIC, ZstdReader, is_zstd
from jackwatch.sources.stats import ReadStats

COMPRESSED = {"gzip": GzipReader, "zstd": ZstdReader}
"""Layer compressions read, and the stream that decompresses each."""
_DESCRIBED = {"none": "a plain tar", "gzip": "gzip-compressed", "zstd": "zstd-compressed"}
_TAR_MAGIC = b"ustar"
_TAR_MAGIC_AT = 257
"""Where a ustar, pax or GNU tar header has its magic."""


@dataclass(frozen=True, slots=True)
class LayerInfo:
    """A layer of the image, bottom first.

    ``diff_id`` (the digest of the uncompressed tar, from the configuration) is what :meth:`ImageRoot.layer`
    returns; ``digest`` is the blob's as distributed (``None`` in ``docker save``'s own format); ``path``
    is where the blob is in the archive; ``compression`` is ``none``, ``gzip``, ``zstd``, or why it was not
    read (``missing``, ``unreadable``).
    """

    diff_id: str
    digest: str | None
    path: str
    compression: str


@dataclass(frozen=True, slots=True)
class IndexedLayers:
    """The merged index, the layers, the open stream of each readable layer, and the bytes unpacked."""

    index: Index
    layers: tuple[LayerInfo, ...]
    streams: tuple[io.BufferedReader | None, ...]
    unpacked: int


def index_layers(blobs: Blobs, image: Image, limits: ImageLimits, stats: ReadStats) -> IndexedLayers:
    """Walk the layers bottom first into one index; problems are counted in ``stats``, the rest is kept."""
    diff_ids = image.config.diff_ids
    if len(diff_ids) != len(image.layers):
        message = f"the configuration lists {len(diff_ids)} layers, the manifest {len(image.layers)}"
        stats.skip("layer_count_mismatch", Location(blobs.name), f"{message}: layers are named by their blob", 0)
    index = Index()
    budget = Budget(limits.max_unpacked_bytes)
    layers, streams = [], []
    members = 0
    stopped = False
    for number, blob in enumerate(image.layers):
        where = location_of(blobs, blob.path)
        stream, compression = _open_layer(blobs, blob, where, stats)
        name = diff_ids[number] if len(diff_ids) == len(image.layers) else blob.digest or blob.path
        layers.append(LayerInfo(name, blob.digest, blob.path, compression))
        streams.append(stream)
        if stream is None or stopped:
            continue
        applier = LayerApplier(index, number, limits, _reporter(stats, where))
        try:
            for member in walk_tar(stream, budget):
                members += 1
                if members > limits.max_members:
                    raise LimitReached("too_many_members", f"the layers hold more than {limits.max_members:,} members")
                applier.add(member)
            stats.files_read += 1
        except CorruptStream as exc:
            stats.files_failed += 1
            cut = applier.drop_last_if_cut(functools.partial(_complete, stream))
            lost = f", except {cut!r} which is cut short" if cut else ""
            stats.skip(exc.reason, where, f"{exc.message}; the members before it are kept{lost}")
        except OSError as exc:
            stats.files_failed += 1
            stats.skip("unreadable", where, f"read failed ({exc.strerror or exc}); the members before it are kept")
        except LimitReached as exc:
            stopped = True
            if exc.reached is not None:
                applier.drop_last_if_cut(functools.partial(_ends_before, exc.reached))
            later = len(image.layers) - number - 1
            stats.skip(
                exc.reason, where, f"{exc.message}; the rest of this layer and {later} later layers are not read"
            )
        release(stream)
        applier.finish()
    return IndexedLayers(index, tuple(layers), tuple(streams), budget.used)


def _open_layer(
    blobs: Blobs, blob: LayerBlob, where: Location, stats: ReadStats
) -> tuple[io.BufferedReader | None, str]:
    """The layer's tar stream (decompressed when compressed) and its compression; ``None`` when unreadable."""
    try:
        stream = blobs.open(blob.path)
    except FileNotFoundError:
        stats.files_failed += 1
        stats.skip("missing_blob", where, "layer missing from the image: its files are not scanned")
        return None, "missing"
    except OSError as exc:
        stats.files_failed += 1
        stats.skip("unreadable", where, f"layer cannot be opened ({exc.strerror or exc}): its files are not scanned")
        return None, "unreadable"
    compression = _compression(stream.peek(tarfile.BLOCKSIZE), blob.media_type, where, stats)
    reader = COMPRESSED.get(compression)
    return (buffered(reader(stream)) if reader else stream), compression


def declared_compression(media_type: str | None) -> str | None:
    """The compression a layer media type names: ``gzip``, ``zstd``, ``none``, or ``None`` when unknown.

    ``application/vnd.oci.image.layer.v1.tar+zstd`` (and ``…+gzip``, ``….tar``), Docker's
    ``application/vnd.docker.image.rootfs.diff.tar.zstd`` (BuildKit's zstd with Docker media types),
    ``….tar.gzip`` and ``….tar``.
    """
    if not media_type:
        return None
    suffix = media_type.rpartition("+")[2] if "+" in media_type else media_type.rpartition(".")[2]
    return {"gzip": "gzip", "zstd": "zstd", "tar": "none"}.get(suffix)


def _compression(head: bytes, media_type: str | None, where: Location, stats: ReadStats) -> str:
    """How the layer is read: its first bytes decide (gzip, zstd, or a tar header); its media type decides
    when they show none of these (damaged data), and plain tar when it names no compression either.

    A media type that names another compression than the bytes show is reported (nothing is lost).
    """
    declared = declared_compression(media_type)
    found = _found_compression(head)
    compression = found or (declared if declared in COMPRESSED else "none")
    if declared is not None and declared != compression:
        message = f"the manifest says {media_type} but the layer is {_DESCRIBED[compression]}: read as such"
        stats.skip("media_type_mismatch", where, message, 0)
    return compression


def _found_compression(head: bytes) -> str | None:
    """What the first bytes of a layer show: ``gzip``, ``zstd``, ``none`` (a tar header), or ``None``."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if is_zstd(head[: len(ZSTD_MAGIC)]):
        return "zstd"
    if head[_TAR_MAGIC_AT : _TAR_MAGIC_AT + len(_TAR_MAGIC)] == _TAR_MAGIC:
        return "none"
    return None


def release(stream: io.BufferedReader | None) -> None:
    """Let a decompressed layer stream drop its decoder until it is read again (memory: see ``seekable``)."""
    if stream is not None and isinstance(stream.raw, SeekableReader):
        stream.raw.release()


def _reporter(stats: ReadStats, where: Location) -> Report:
    def report(reason: str, member: str, message: str, records: int) -> None:
        stats.skip(reason, Location(f"{where.path}!{member}"), message, records)

    return report


def _ends_before(offset: int, entry: Entry) -> bool:
    """Whether ``entry``'s data ends before ``offset`` of its layer's tar stream."""
    return entry.offset + entry.size <= offset


def _complete(stream: io.BufferedReader, entry: Entry) -> bool:
    """Whether the last byte of ``entry``'s data can be read."""
    if entry.size == 0:
        return True
    try:
        stream.seek(entry.offset + entry.size - 1)
        return len(stream.read(1)) == 1
    except OSError:
        return False
