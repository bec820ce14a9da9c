"""Choosing the image to scan when an archive holds several: by reference or digest, then by platform."""

from __future__ import annotations

from dataclasses import dataclass

from jackwatch.errors import ConfigError, ContentError, Location
from jackwatch.inventory.image.blobs import Blobs
from jackwatch.inventory.image.documents import MissingBlob
from jackwatch.inventory.image.layout import Image, ImageEntry, list_images, read_image
from jackwatch.inventory.image.limits import ImageLimits
from jackwatch.inventory.image.refs import DEFAULT_PLATFORM, SHORT_DIGEST, Platform, names_image
from jackwatch.sources.stats import ReadStats


class ImageChoiceError(ConfigError):
    """No single image answers the choice; ``choices`` describes each image the archive holds."""

    def __init__(self, message: str, choices: list[str]) -> None:
        super().__init__(f"{message}: {'; '.join(choices)}")
        self.choices = tuple(choices)


@dataclass(frozen=True, slots=True)
class _Option:
    """An image of the archive, read (``image``) or not readable (``error``)."""

    entry: ImageEntry
    image: Image | None
    error: ContentError | None = None

    @property
    def platform(self) -> Platform | None:
        if self.image is None:
            return self.entry.platform
        config = self.image.config
        return Platform(config.os, config.architecture, config.variant) if config.os else self.entry.platform

    def describe(self) -> str:
        names = ", ".join(self.entry.references) or "untagged"
        digests = self.image.digests if self.image else self.entry.digests
        details = [str(self.platform or "unknown platform")]
        if digests:
            details.append(digests[-1][: len("sha256:") + SHORT_DIGEST])
        if isinstance(self.error, MissingBlob):
            details.append("not in the archive")
        elif self.error is not None:
            details.append("unreadable")
        return f"{names} ({', '.join(details)})"


def choose_image(blobs: Blobs, query: str | None, platform: str | None, limits: ImageLimits, stats: ReadStats) -> Image:
    """The one image ``query`` (a reference or digest) and ``platform`` designate.

    Without ``query``, the only image; without ``platform``, linux/amd64 when several platforms remain.
    ``ImageChoiceError`` lists the images when none or several answer.
    """
    options = [_read(blobs, entry, limits) for entry in list_images(blobs, limits, stats)]
    if not options:
        raise ContentError("holds no image", Location(blobs.name))
    if query:
        named = [option for option in options if names_image(query, option.entry.references, _digests(option))]
        if not named:
            raise ImageChoiceError(f"{blobs.name}: no image is named {query!r}", _describe(options))
        options = named
    available = [(option, option.image) for option in options if option.image is not None]
    if not available:
        raise options[0].error or ContentError("no readable image", Location(blobs.name))
    if len(available) > 1 or platform:
        wanted = Platform.parse(platform or DEFAULT_PLATFORM)
        available = [pair for pair in available if pair[0].platform and wanted.accepts(pair[0].platform)]
        if not available:
            raise ImageChoiceError(f"{blobs.name}: no image for platform {wanted}", _describe(options))
    if len(available) > 1:
        message = f"{blobs.name} holds {len(available)} images: choose one with --image (a tag or a digest)"
        raise ImageChoiceError(message, _describe([option for option, _ in available]))
    for option in options:
        if option.error is not None and not isinstance(option.error, MissingBlob):
            stats.skip("unreadable_image", option.error.location or Location(blobs.name), option.error.message)
    return available[0][1]


def _read(blobs: Blobs, entry: ImageEntry, limits: ImageLimits) -> _Option:
    try:
        return _Option(entry, read_image(blobs, entry, limits))
    except ContentError as exc:
        return _Option(entry, None, exc)


def _digests(option: _Option) -> tuple[str, ...]:
    return option.image.digests if option.image else option.entry.digests


def _describe(options: list[_Option]) -> list[str]:
    return [option.describe() for option in options]
