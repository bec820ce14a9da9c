"""Random access to a gzip stream without decompressing it to disk: a window of recent output, and
checkpoints of the inflater state.

Reading a file in the middle of a gzip layer means decompressing the layer up to that file. Two things keep
that cheap:

* the last :data:`WINDOW` decompressed bytes are kept, so reading the files of one directory in any order
  (``METADATA``, then ``INSTALLER`` written before it) costs nothing more;
* while a layer is decompressed for the first time (its tar headers are walked), a copy of the inflater is
  kept every ``spacing`` decompressed bytes (about 39 KB each: zlib's state and its 32 KB window). A seek
  further back restarts from the nearest checkpoint before the target, a seek forward goes on from the
  current position or jumps to a later checkpoint. A read therefore costs at most ``spacing`` bytes of
  decompression, and reads in archive order cost one pass. At most :data:`MAX_CHECKPOINTS` are kept per
  stream: past that, every other one is dropped and the spacing doubles, so that memory stays under
  2.5 MB per layer whatever its size (a 1 GB layer ends with a spacing of 16 to 32 MB).
"""

from __future__ import annotations

import bisect
import io
import zlib
from collections import deque
from dataclasses import dataclass
from typing import Any

from jackwatch.inventory.image.streams import CorruptStream

GZIP_MAGIC = b"\x1f\x8b"
WINDOW = 1024 * 1024
"""Recent decompressed bytes kept: seeking back within them is free."""
FIRST_SPACING = 1024 * 1024
"""Decompressed bytes between checkpoints, to begin with."""
MAX_CHECKPOINTS = 64
INPUT_CHUNK = 64 * 1024
MIN_PIECE = 64 * 1024
MAX_PIECE = 1024 * 1024
"""Decompressed bytes produced at a time, whatever the read asks (a large file is read in pieces)."""


@dataclass(frozen=True, slots=True)
class _Checkpoint:
    """Where decompression can resume: decompressed offset, compressed offset, a copy of the inflater."""

    position: int
    source_position: int
    inflater: Any  # zlib's Decompress object (its type is not public)


def _new_inflater() -> Any:
    return zlib.decompressobj(wbits=31)


class GzipReader(io.RawIOBase):
    """The decompressed content of a seekable gzip stream (one or several members), seekable in turn."""

    def __init__(self, source: io.BufferedIOBase, spacing: int = FIRST_SPACING) -> None:
        super().__init__()
        self._source = source
        self._spacing = spacing
        self._checkpoints = [_Checkpoint(0, 0, _new_inflater())]
        self.produced = 0
        """Bytes decompressed so far, re-reads included (what the stream has cost)."""
        self._inflater: Any = None
        self._source_position = 0
        self._pending = b""
        self._ended = False
        self._window: deque[bytes] = deque()
        self._window_size = 0
        self._window_start = self._inflated = self._position = 0
        self._restore(self._checkpoints[0])

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()

    def readinto(self, buffer: Any) -> int:
        if not len(buffer) or (self._position == self._inflated and not self._more(len(buffer))):
            return 0
        offset = self._position - self._window_start
        for chunk in self._window:
            if offset < len(chunk):
                piece = chunk[offset : offset + len(buffer)]
                break
            offset -= len(chunk)
        memoryview(buffer)[: len(piece)] = piece
        self._position += len(piece)
        return len(piece)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence not in (io.SEEK_SET, io.SEEK_CUR):
            raise io.UnsupportedOperation("gzip streams seek from the start or the current position")
        target = offset + (self._position if whence == io.SEEK_CUR else 0)
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        if target < self._window_start or target > self._inflated:
            nearest = self._checkpoints[bisect.bisect_right(self._checkpoints, target, key=_position_of) - 1]
            if target < self._window_start or nearest.position > self._inflated:
                self._restore(nearest)
        while self._inflated < target and self._more(target - self._inflated):
            pass
        self._position = min(target, self._inflated)
        return self._position

    def _restore(self, checkpoint: _Checkpoint) -> None:
        self._inflater = checkpoint.inflater.copy()
        self._source.seek(checkpoint.source_position)
        self._source_position = checkpoint.source_position
        self._pending = b""
        self._ended = False
        self._window.clear()
        self._window_size = 0
        self._window_start = self._inflated = self._position = checkpoint.position

    def _more(self, wanted: int) -> bool:
        """Decompress some more bytes into the window (dropping the oldest); ``False`` at the end."""
        data = self._inflate(min(max(wanted, MIN_PIECE), MAX_PIECE))
        if not data:
            return False
        self._window.append(data)
        self._window_size += len(data)
        while self._window_size - len(self._window[0]) >= WINDOW:
            dropped = self._window.popleft()
            self._window_size -= len(dropped)
            self._window_start += len(dropped)
        return True

    def _inflate(self, limit: int) -> bytes:
        """Up to ``limit`` decompressed bytes (``b""`` at the end of the stream)."""
        while not self._ended:
            if self._inflater.eof and not self._next_member():
                self._ended = True
                break
            if not self._pending:
                self._pending = self._read_source()
                if not self._pending:
                    raise CorruptStream("truncated_gzip", "the gzip data ends before its end marker (truncated)")
            try:
                data: bytes = self._inflater.decompress(self._pending, limit)
            except zlib.error as exc:
                raise CorruptStream("invalid_gzip", f"corrupt gzip data: {exc}") from None
            self._pending = self._inflater.unused_data if self._inflater.eof else self._inflater.unconsumed_tail
            if data:
                self._inflated += len(data)
                self.produced += len(data)
                self._checkpoint()
                return data
        return b""

    def _next_member(self) -> bool:
        """After a gzip member: start the next one if another follows (trailing padding ends the stream)."""
        while len(self._pending) < len(GZIP_MAGIC) and (more := self._read_source()):
            self._pending += more
        if not self._pending.startswith(GZIP_MAGIC):
            return False
        self._inflater = _new_inflater()
        return True

    def _read_source(self) -> bytes:
        data = self._source.read(INPUT_CHUNK)
        self._source_position += len(data)
        return data

    def _checkpoint(self) -> None:
        """Keep a copy of the inflater when decompression is a spacing past the last checkpoint."""
        if self._inflater.eof or self._inflated < self._checkpoints[-1].position + self._spacing:
            return
        consumed = self._source_position - len(self._pending)
        self._checkpoints.append(_Checkpoint(self._inflated, consumed, self._inflater.copy()))
        if len(self._checkpoints) > MAX_CHECKPOINTS:
            self._checkpoints = self._checkpoints[::2]
            self._spacing *= 2


def _position_of(checkpoint: _Checkpoint) -> int:
    return checkpoint.position
