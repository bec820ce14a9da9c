"""Caps that keep a broken or hostile image from exhausting memory or time (documented in docs/images.md)."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """What an image may hold before jackwatch stops reading it.

    ``max_members``: tar members of all layers together (each costs a few hundred bytes of index).
    ``max_unpacked_bytes``: bytes of all layers' tar streams together, decompressed (a decompression bomb
    stops here). ``max_member_bytes``: the size of one file; a bigger member is not indexed.
    ``max_document_bytes``: a manifest, index or configuration document.
    """

    max_members: int = 1_000_000
    max_unpacked_bytes: int = 64 * GiB
    max_member_bytes: int = 16 * GiB
    max_document_bytes: int = 16 * MiB


class LimitReached(Exception):
    """A cap of :class:`ImageLimits` was reached; ``reason`` is the stats counter it goes to.

    ``reached`` is, for the byte cap, the offset of the tar stream up to which bytes were read.
    """

    def __init__(self, reason: str, message: str, reached: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.reached = reached


class Budget:
    """Decompressed bytes that the layers of one image may still produce."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def charge(self, count: int) -> None:
        """Take ``count`` bytes; :class:`LimitReached` (and nothing taken) when that would pass the limit."""
        if self.used + count > self.limit:
            raise LimitReached(
                "unpacked_bytes_cap",
                f"the layers unpack to more than {self.limit:,} bytes (decompression bomb?): reading stopped there",
            )
        self.used += count
