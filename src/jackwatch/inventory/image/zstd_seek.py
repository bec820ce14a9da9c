"""Random access to a zstd stream (one or several frames, skippable frames passed over): a
:class:`~jackwatch.inventory.image.seekable.SeekableReader` whose checkpoints are frame starts.

zstd's decoder state cannot be saved, so decompression can only start again where a frame starts. A layer
written as one frame (``zstd``, BuildKit's ``compression=zstd``) is therefore decompressed from its start
again when a file before the current position (and before the window) is read; a layer of many frames
(``zstd:chunked``, the seekable format) restarts at the nearest frame. Files read in archive order cost one
pass, whatever the layout of the frames.

Frames are walked block by block as their bytes are handed to the decompressor (``zstandard``'s streaming
reader): each frame's compressed end is known, so that the next frame's offset is exact and a stream that
ends inside a frame is reported as truncated (the library alone would end quietly). Frame format: RFC 8878.
"""

from __future__ import annotations

import io
from typing import Any

import zstandard

from jackwatch.inventory.image.seekable import FIRST_SPACING, INPUT_CHUNK, Checkpoint, SeekableReader
from jackwatch.inventory.image.streams import CorruptStream

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
SKIPPABLE_MAGIC = b"\x2a\x4d\x18"
"""Bytes 1 to 3 of a skippable frame's magic number (byte 0 is ``0x50`` to ``0x5f``)."""
_DICTIONARY_ID_BYTES = (0, 1, 2, 4)
_CONTENT_SIZE_BYTES = (0, 2, 4, 8)
_RLE_BLOCK = 1
_RESERVED_BLOCK = 3
_CHECKSUM_BYTES = 4


def is_zstd(magic: bytes) -> bool:
    """Whether a stream starting with these (4) bytes is zstd: a frame or a skippable frame."""
    return magic.startswith(ZSTD_MAGIC) or (
        len(magic) >= 4 and 0x50 <= magic[0] <= 0x5F and magic[1:4] == SKIPPABLE_MAGIC
    )


class ZstdReader(SeekableReader):
    """The decompressed content of a seekable zstd stream, seekable in turn."""

    def __init__(self, source: io.BufferedIOBase, spacing: int = FIRST_SPACING) -> None:
        super().__init__(source, _ZstdDecoder, spacing)


class _FrameBytes:
    """The compressed bytes of one frame, handed to the decompressor up to the frame's end and no further.

    The frame's header is read ahead; its blocks are walked as they pass (a 3-byte header giving the size of
    what follows), then its checksum. ``size`` counts the frame's bytes passed so far.
    """

    def __init__(self, source: io.BufferedIOBase, header: bytes, checksum: bool) -> None:
        self._source = source
        self._queue = header
        self._left = 0
        self._last_block = False
        self._checksum = checksum
        self.size = len(header)
        self.truncated = False
        self.invalid: str | None = None

    @property
    def finished(self) -> bool:
        """Whether every byte of the frame, checksum included, has been handed over."""
        return self._last_block and not self._left and not self._queue and not self._checksum

    def read(self, size: int = INPUT_CHUNK) -> bytes:
        size = size if size > 0 else INPUT_CHUNK
        if not self._queue and not self._left and not self.truncated and self.invalid is None:
            self._next_unit()
        if self._queue:
            data, self._queue = self._queue[:size], self._queue[size:]
            return data
        if not self._left:
            return b""
        data = self._source.read(min(size, self._left))
        if not data:
            self.truncated = True
        self._left -= len(data)
        self.size += len(data)
        return data

    def _next_unit(self) -> None:
        """Read the next block header (or schedule the checksum); nothing after the frame's end."""
        if self._last_block:
            if self._checksum:
                self._checksum = False
                self._left = _CHECKSUM_BYTES
            return
        header = self._source.read(3)
        self.size += len(header)
        self._queue = header
        if len(header) < 3:
            self.truncated = True
            return
        value = int.from_bytes(header, "little")
        kind = (value >> 1) & 3
        if kind == _RESERVED_BLOCK:
            self.invalid = f"a block of reserved type {kind}"
            return
        self._last_block = bool(value & 1)
        self._left = 1 if kind == _RLE_BLOCK else value >> 3


class _ZstdDecoder:
    """Decompresses frame after frame, from a frame start on."""

    def __init__(self, source: io.BufferedIOBase, checkpoint: Checkpoint) -> None:
        self._source = source
        source.seek(checkpoint.source_position)
        self._offset = checkpoint.source_position
        """Where the current frame starts in the compressed stream (or the next one, between frames)."""
        self._position = checkpoint.position
        self._context = zstandard.ZstdDecompressor()
        self._frame: _FrameBytes | None = None
        self._frame_position = checkpoint.position
        self._reader: Any = None
        self._at_start = checkpoint.source_position == 0
        self._ended = False

    def read(self, limit: int) -> bytes:
        while not self._ended:
            if self._frame is None and not self._next_frame():
                self._ended = True
                break
            frame = self._frame
            assert frame is not None
            try:
                data: bytes = self._reader.read(limit)
            except zstandard.ZstdError as exc:
                raise CorruptStream("invalid_zstd", f"corrupt zstd data: {exc}") from None
            if data:
                self._position += len(data)
                return data
            if frame.truncated:
                raise CorruptStream("truncated_zstd", "the zstd data ends inside a frame (truncated)")
            if frame.invalid is not None or not frame.finished:
                raise CorruptStream("invalid_zstd", f"corrupt zstd data: {frame.invalid or 'a frame ends early'}")
            self._offset += frame.size
            self._frame = self._reader = None
        return b""

    def resume_point(self) -> Checkpoint | None:
        """The start of the current frame (decompression of a frame cannot resume in its middle)."""
        if self._frame is None:
            return Checkpoint(self._position, self._offset)
        return Checkpoint(self._frame_position, self._offset)

    def _next_frame(self) -> bool:
        """Start the frame at ``_offset``; ``False`` at the end (the data ends, or padding follows a frame)."""
        while True:
            magic = self._source.read(4)
            if not is_zstd(magic):
                if self._at_start:
                    raise CorruptStream("invalid_zstd", "not zstd data: no zstd frame at its start")
                return False
            self._at_start = False
            if not magic.startswith(ZSTD_MAGIC):
                size = self._read_exactly(4, "a skippable frame")
                self._offset += 8 + int.from_bytes(size, "little")
                self._source.seek(self._offset)
                continue
            descriptor = self._read_exactly(1, "a frame header")[0]
            if descriptor & 0x08:
                raise CorruptStream("invalid_zstd", "corrupt zstd data: a frame header with its reserved bit set")
            single_segment = bool(descriptor & 0x20)
            content_size = _CONTENT_SIZE_BYTES[descriptor >> 6] or int(single_segment)
            rest = (0 if single_segment else 1) + _DICTIONARY_ID_BYTES[descriptor & 3] + content_size
            header = magic + bytes([descriptor]) + self._read_exactly(rest, "a frame header")
            self._frame = _FrameBytes(self._source, header, checksum=bool(descriptor & 0x04))
            self._frame_position = self._position
            self._reader = self._context.stream_reader(
                self._frame,  # type: ignore[arg-type]  # any object with read(size) will do
                read_size=INPUT_CHUNK,
                read_across_frames=False,
                closefd=False,
            )
            return True

    def _read_exactly(self, count: int, what: str) -> bytes:
        data = self._source.read(count)
        if len(data) < count:
            raise CorruptStream("truncated_zstd", f"the zstd data ends inside {what} (truncated)")
        return data
