"""A container image as a :class:`~jackwatch.inventory.root.Root`: its merged files, read in place."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from jackwatch.inventory.image.blobs import Blobs, open_blobs
from jackwatch.inventory.image.choose import choose_image
from jackwatch.inventory.image.config import ImageConfig
from jackwatch.inventory.image.index import Entry, Kind
from jackwatch.inventory.image.layers import IndexedLayers, LayerInfo, index_layers, release
from jackwatch.inventory.image.layout import Image
from jackwatch.inventory.image.limits import ImageLimits
from jackwatch.inventory.image.paths import resolve
from jackwatch.inventory.root import MAX_FILE_BYTES, FileTooLarge
from jackwatch.sources.stats import ReadStats


def open_image(
    path: str | Path,
    *,
    image: str | None = None,
    platform: str | None = None,
    limits: ImageLimits | None = None,
) -> ImageRoot:
    """Open the image in a ``docker save`` tarball, an OCI layout directory or an OCI layout tarball.

    ``image`` chooses by reference (``app:1.0``) or digest (manifest or image ID, 12 hex digits at least)
    when the archive holds several; ``platform`` (``linux/arm64``) chooses in a multi-platform index
    (linux/amd64 by default). Raises ``SourceError`` (cannot open), ``ContentError`` (no usable image) or
    ``ImageChoiceError`` (none or several images answer); what is skipped inside is in ``stats``.
    """
    limits = limits or ImageLimits()
    stats = ReadStats()
    blobs = open_blobs(Path(path), limits, stats)
    try:
        chosen = choose_image(blobs, image, platform, limits, stats)
        return ImageRoot(blobs, chosen, index_layers(blobs, chosen, limits, stats), stats)
    except BaseException:
        blobs.close()
        raise


class ImageRoot:
    """The files of one image: layers applied in order, whiteouts honoured, nothing extracted.

    ``files()`` lists regular files in archive order (layer by layer, as stored), so that reading them in
    that order is one pass over each layer. ``read`` follows symlinks within the image; ``layer`` gives the
    diff id of the layer that holds the file's final version. Close it (or use ``with``) when done.
    """

    def __init__(self, blobs: Blobs, image: Image, layers: IndexedLayers, stats: ReadStats) -> None:
        self._blobs = blobs
        self._image = image
        self._index = layers.index.entries
        self._symlink_target = layers.index.symlink_target
        self._streams = layers.streams
        self._reading: int | None = None
        """The layer read last: the decoder of a compressed layer is kept only while it is being read."""
        self.layers: tuple[LayerInfo, ...] = layers.layers
        self.stats = stats
        self.bytes_unpacked = layers.unpacked
        """Bytes of layer tar streams read or skipped while indexing (decompressed)."""
        files = [
            (entry.data_layer, entry.offset, path) for path, entry in self._index.items() if entry.kind is Kind.FILE
        ]
        self._files = [path for _, _, path in sorted(files)]

    @property
    def name(self) -> str:
        return self._blobs.name

    @property
    def config(self) -> ImageConfig:
        """The image configuration (environment, entrypoint, user, labels, history…)."""
        return self._image.config

    @property
    def image_id(self) -> str:
        """The digest of the configuration (``sha256:…``): the image ID Docker shows."""
        return self._image.config.digest

    @property
    def manifest_digest(self) -> str | None:
        """The digest of the image manifest, when the layout has one (OCI layouts)."""
        return self._image.manifest_digest

    @property
    def repo_tags(self) -> tuple[str, ...]:
        """The references the archive gives the image (``app:1.0``, ``docker.io/library/app:1.0``)."""
        return self._image.entry.references

    @property
    def platform(self) -> str:
        """``os/architecture[/variant]`` from the configuration."""
        return self._image.config.platform

    def files(self) -> Iterator[str]:
        return iter(self._files)

    def read(self, path: str, limit: int = MAX_FILE_BYTES) -> bytes:
        entry = self._entry(path)
        if entry.size > limit:
            raise FileTooLarge(errno.EFBIG, f"{entry.size:,} bytes, more than {limit:,}", self._where(path))
        stream = self._streams[entry.data_layer]
        if stream is None:
            raise OSError(errno.EIO, "its layer cannot be read", self._where(path))
        if self._reading is not None and self._reading != entry.data_layer:
            release(self._streams[self._reading])
        self._reading = entry.data_layer
        stream.seek(entry.offset)
        data = stream.read(entry.size)
        if len(data) != entry.size:
            raise OSError(errno.EIO, "cut short in its layer", self._where(path))
        return data

    def layer(self, path: str) -> str | None:
        return self.layers[self._entry(path).layer].diff_id

    def close(self) -> None:
        """Close the archive or the layout's files."""
        self._blobs.close()

    def __enter__(self) -> ImageRoot:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _entry(self, path: str) -> Entry:
        """The regular file ``path`` leads to; ``FileNotFoundError``/``IsADirectoryError``/``OSError``."""
        entry = self._index.get(resolve(path, self._symlink_target))
        if entry is None:
            raise FileNotFoundError(errno.ENOENT, "no such file in the image", self._where(path))
        if entry.kind is Kind.DIRECTORY:
            raise IsADirectoryError(errno.EISDIR, "a directory", self._where(path))
        if entry.kind is not Kind.FILE:
            raise OSError(errno.ENODEV, "not a regular file", self._where(path))
        return entry

    def _where(self, path: str) -> str:
        return f"{self.name}!{path}"
