"""Random access to a compressed stream without decompressing it to disk: a window of recent output, and
checkpoints where decompression can start again.

Reading a file in the middle of a compressed layer means decompressing the layer up to that file. Two things
keep that cheap, whatever the compression (gzip: :mod:`~jackwatch.inventory.image.gzip_seek`, zstd:
:mod:`~jackwatch.inventory.image.zstd_seek`):

* the last :data:`WINDOW` decompressed bytes are kept, so reading the files of one directory in any order
  (``METADATA``, then ``INSTALLER`` written before it) costs nothing more;
* while a stream is decompressed for the first time (its tar headers are walked), a checkpoint is kept every
  ``spacing`` decompressed bytes, where its :class:`Decoder` can give one (gzip: anywhere, a copy of the
  inflater; zstd: at the start of a frame). A seek further back restarts from the nearest checkpoint before
  the target, a seek forward goes on from the current position or jumps to a later checkpoint. At most
  :data:`MAX_CHECKPOINTS` are kept per stream: past that, every other one is dropped and the spacing
  doubles.

Decompression produces at most :data:`MAX_PIECE` bytes at a time, whatever a read asks, so that memory stays
bounded; the caller (:class:`~jackwatch.inventory.image.streams.Metered`) charges every byte against the
image's budget before asking for it, so that a decompression bomb stops before it is decompressed.
"""

from __future__ import annotations

import bisect
import io
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

WINDOW = 1024 * 1024
"""Recent decompressed bytes kept: seeking back within them is free."""
FIRST_SPACING = 1024 * 1024
"""Decompressed bytes between checkpoints, to begin with."""
MAX_CHECKPOINTS = 64
INPUT_CHUNK = 64 * 1024
"""Compressed bytes read from the source at a time."""
MIN_PIECE = 64 * 1024
MAX_PIECE = 1024 * 1024
"""Decompressed bytes produced at a time, whatever the read asks (a large file is read in pieces)."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where decompression can resume: decompressed offset, compressed offset, the decoder's state there."""

    position: int
    source_position: int
    state: Any = None  # what the decoder needs besides the offsets (a copy of zlib's inflater), or None


class Decoder(Protocol):
    """Decompression under way, from a checkpoint on."""

    def read(self, limit: int) -> bytes:
        """Up to ``limit`` decompressed bytes; ``b""`` at the end; ``CorruptStream`` where the data breaks."""
        ...

    def resume_point(self) -> Checkpoint | None:
        """The latest place, at or before the bytes produced so far, from which decompression can resume."""
        ...


Start = Callable[[io.BufferedIOBase, Checkpoint], Decoder]
"""Makes a decoder that reads ``source`` from a checkpoint (the start of the stream: ``Checkpoint(0, 0)``)."""


class SeekableReader(io.RawIOBase):
    """The decompressed content of a seekable compressed stream, seekable in turn."""

    def __init__(self, source: io.BufferedIOBase, start: Start, spacing: int = FIRST_SPACING) -> None:
        super().__init__()
        self._source = source
        self._start = start
        self._spacing = spacing
        self._checkpoints = [Checkpoint(0, 0)]
        self.produced = 0
        """Bytes decompressed so far, re-reads included (what the stream has cost)."""
        self._decoder: Decoder | None = None
        self._window: deque[bytes] = deque()
        self._window_size = 0
        self._window_start = self._inflated = self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            self._decoder = None
            self._source.close()
        super().close()

    def release(self) -> None:
        """Drop the decoder's state (the window stays): the next read past the window restarts from a checkpoint.

        A zstd decoder holds its frame's window (up to 128 MB): an image's layers release theirs when they are
        not being read.
        """
        self._decoder = None

    def readinto(self, buffer: Any) -> int:
        if not len(buffer):
            return 0
        position = self._position
        if position == self._inflated:
            self._fill(position + 1)
            if self._inflated <= position:
                return 0
        offset = position - self._window_start
        for chunk in self._window:
            if offset < len(chunk):
                piece = chunk[offset : offset + len(buffer)]
                break
            offset -= len(chunk)
        memoryview(buffer)[: len(piece)] = piece
        self._position = position + len(piece)
        return len(piece)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence not in (io.SEEK_SET, io.SEEK_CUR):
            raise io.UnsupportedOperation("compressed streams seek from the start or the current position")
        target = offset + (self._position if whence == io.SEEK_CUR else 0)
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        self._position = self._fill(target)
        return self._position

    def _fill(self, target: int) -> int:
        """Decompress until the window holds ``target``; where the stream is then (before ``target`` at its end)."""
        if target < self._window_start or target > self._inflated:
            nearest = self._checkpoints[bisect.bisect_right(self._checkpoints, target, key=_position_of) - 1]
            if target < self._window_start or nearest.position > self._inflated or self._decoder is None:
                self._restore(nearest)
        while self._inflated < target and self._more(target - self._inflated):
            pass
        return min(target, self._inflated)

    def _restore(self, checkpoint: Checkpoint) -> None:
        self._decoder = self._start(self._source, checkpoint)
        self._window.clear()
        self._window_size = 0
        self._window_start = self._inflated = checkpoint.position

    def _more(self, wanted: int) -> bool:
        """Decompress some more bytes into the window (dropping the oldest); ``False`` at the end."""
        assert self._decoder is not None  # _fill restores one first
        data = self._decoder.read(min(max(wanted, MIN_PIECE), MAX_PIECE))
        if not data:
            return False
        self._inflated += len(data)
        self.produced += len(data)
        self._window.append(data)
        self._window_size += len(data)
        while self._window_size - len(self._window[0]) >= WINDOW:
            dropped = self._window.popleft()
            self._window_size -= len(dropped)
            self._window_start += len(dropped)
        self._checkpoint()
        return True

    def _checkpoint(self) -> None:
        """Keep a checkpoint when decompression is a spacing past the last one and the decoder can give one."""
        last = self._checkpoints[-1].position
        if self._inflated < last + self._spacing or self._decoder is None:
            return
        point = self._decoder.resume_point()
        if point is None or point.position < last + self._spacing:
            return
        self._checkpoints.append(point)
        if len(self._checkpoints) > MAX_CHECKPOINTS:
            self._checkpoints = self._checkpoints[::2]
            self._spacing *= 2


def _position_of(checkpoint: Checkpoint) -> int:
    return checkpoint.position
