"""Seekable byte streams over parts of an archive: a window on a shared stream, and a metered tar stream.

Everything is read in place: a layer inside a ``docker save`` tarball is a :class:`Section` of the tarball,
whose reads seek the one open file. Nothing is extracted, nothing is held beyond a buffer.
"""

from __future__ import annotations

import io
from typing import Any

from jackwatch.inventory.image.limits import Budget, LimitReached

BUFFER_SIZE = 64 * 1024
"""Bytes buffered per stream: a tar header read pulls in the small members that follow it."""

MAX_HEADER_READ = 1024 * 1024
"""The largest single read a tar walk makes: headers, long names and pax records; data is seeked over."""


class CorruptStream(OSError):
    """A stream that cannot be read to its end; ``reason`` is the stats counter (``truncated_gzip``…)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def buffered(raw: io.RawIOBase) -> io.BufferedReader:
    """``raw`` behind a read buffer (seeks inside the buffer cost nothing)."""
    return io.BufferedReader(raw, BUFFER_SIZE)


class Section(io.RawIOBase):
    """The bytes ``[start, start + size)`` of a seekable stream that other sections share."""

    def __init__(self, base: io.BufferedIOBase, start: int, size: int) -> None:
        super().__init__()
        self._base = base
        self._start = start
        self._size = size
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self._size - self._position)
        if count <= 0:
            return 0
        self._base.seek(self._start + self._position)
        got = self._base.readinto(memoryview(buffer)[:count])
        self._position += got
        return got

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError(f"negative seek position {base + offset}")
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position


class Metered(io.BufferedIOBase):
    """A tar stream that charges a :class:`Budget` for every byte read or skipped past, the first time only.

    Reads and seeks are charged before they happen, so a gzip bomb stops before it is decompressed; a read
    (a header, a long name, pax records) is refused beyond :data:`MAX_HEADER_READ`, since tarfile would load
    it whole in memory.
    """

    def __init__(self, stream: io.BufferedIOBase, budget: Budget) -> None:
        super().__init__()
        self._stream = stream
        self._budget = budget
        self._position = self._reached = stream.tell()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > MAX_HEADER_READ:
            raise CorruptStream("corrupt_tar", f"a tar header of {size} bytes at byte {self.tell():,} (absurd)")
        self._charge(self._position + size)
        data = self._stream.read(size)
        self._position += len(data)
        return data

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence != io.SEEK_SET:
            raise io.UnsupportedOperation("metered streams seek to absolute positions only")
        self._charge(offset)
        self._position = self._stream.seek(offset)
        return self._position

    def tell(self) -> int:
        return self._position

    def _charge(self, end: int) -> None:
        if end > self._reached:
            try:
                self._budget.charge(end - self._reached)
            except LimitReached as exc:
                exc.reached = self._reached
                raise
            self._reached = end
