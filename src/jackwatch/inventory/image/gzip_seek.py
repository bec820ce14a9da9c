"""Random access to a gzip stream (one or several members): a
:class:`~jackwatch.inventory.image.seekable.SeekableReader` whose checkpoints are copies of zlib's inflater.

A checkpoint costs about 39 KB (zlib's state and its 32 KB window) and can be taken anywhere but between two
members, so a seek back costs at most one spacing of decompression: 64 checkpoints per stream at most keep
memory under 2.5 MB per layer whatever its size (a 1 GB layer ends with a spacing of 16 to 32 MB).
"""

from __future__ import annotations

import io
import zlib
from typing import Any

from jackwatch.inventory.image.seekable import FIRST_SPACING, INPUT_CHUNK, Checkpoint, SeekableReader
from jackwatch.inventory.image.streams import CorruptStream

GZIP_MAGIC = b"\x1f\x8b"


class GzipReader(SeekableReader):
    """The decompressed content of a seekable gzip stream, seekable in turn."""

    def __init__(self, source: io.BufferedIOBase, spacing: int = FIRST_SPACING) -> None:
        super().__init__(source, _GzipDecoder, spacing)


def _new_inflater() -> Any:
    return zlib.decompressobj(wbits=31)


class _GzipDecoder:
    """Inflates gzip members one after the other, from a checkpoint on."""

    def __init__(self, source: io.BufferedIOBase, checkpoint: Checkpoint) -> None:
        self._source = source
        self._inflater: Any = checkpoint.state.copy() if checkpoint.state is not None else _new_inflater()
        source.seek(checkpoint.source_position)
        self._source_position = checkpoint.source_position
        self._position = checkpoint.position
        self._pending = b""
        self._ended = False

    def read(self, limit: int) -> bytes:
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
                self._position += len(data)
                return data
        return b""

    def resume_point(self) -> Checkpoint | None:
        """Here, with a copy of the inflater (not between members: the next one's header is not read yet)."""
        if self._inflater.eof:
            return None
        consumed = self._source_position - len(self._pending)
        return Checkpoint(self._position, consumed, self._inflater.copy())

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
