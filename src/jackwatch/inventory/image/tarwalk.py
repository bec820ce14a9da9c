"""Walking a tar stream's headers in bounded memory, with truncation and corruption reported, never ignored."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator

from jackwatch.inventory.image.limits import Budget
from jackwatch.inventory.image.streams import CorruptStream, Metered

_END_BLOCK = bytes(tarfile.BLOCKSIZE)


def walk_tar(stream: io.BufferedIOBase, budget: Budget) -> Iterator[tarfile.TarInfo]:
    """The members of the tar archive in ``stream``, in order; data is seeked over, never read.

    Raises :class:`CorruptStream` where the archive breaks off (after yielding the members before it):
    a header that is not one, data or a header cut short, no end-of-archive marker. Python's tarfile stops
    quietly at most of these; here they are errors.
    """
    metered = Metered(stream, budget)
    try:
        with tarfile.open(fileobj=metered, mode="r:") as archive:
            while (member := archive.next()) is not None:
                archive.members.clear()  # type: ignore[attr-defined]  # tarfile would keep every member otherwise
                yield member
            end = archive.offset
    except tarfile.ReadError as exc:
        truncated = str(exc) in ("unexpected end of data", "empty file")
        reason, what = ("truncated_tar", "cut short") if truncated else ("corrupt_tar", "not a valid tar archive")
        raise CorruptStream(reason, f"{what} at byte {metered.tell():,}: {exc}") from None
    _check_end(metered, end)


def _check_end(stream: Metered, offset: int) -> None:
    """The walk stopped at ``offset``: that must be the end-of-archive marker (a zero block)."""
    stream.seek(offset)
    block = stream.read(tarfile.BLOCKSIZE)
    if block == _END_BLOCK:
        return
    if len(block) < tarfile.BLOCKSIZE:
        raise CorruptStream("truncated_tar", f"ends at byte {offset:,} without the end-of-archive marker (truncated)")
    raise CorruptStream("corrupt_tar", f"invalid tar header at byte {offset:,}: the rest of the archive is skipped")
