"""Raw input as chunks of bytes: reading streams, and gzip detection and decompression in bounded pieces.

Gzip is inflated with zlib-ng (zlib's API and output, in about 55 % of its time: logs are mostly gzip)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import BinaryIO, cast

from zlib_ng import zlib_ng

CHUNK_SIZE = 1024 * 1024
"""Bytes read from a file, stream or object at a time."""

_INFLATE_SIZE = 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_PADDING = b"\x00 \t\r\n"
_CORRUPT = cast("type[Exception]", zlib_ng.error)  # its stub calls the exception class an instance


class StreamBroken(Exception):
    """Raised by a chunk iterator whose input ends early; ``reason`` is the stats counter it goes to."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def stream_chunks(stream: BinaryIO) -> Iterator[bytes]:
    """The content of an open binary stream, chunk by chunk; read errors become :class:`StreamBroken`."""
    try:
        while chunk := stream.read(CHUNK_SIZE):
            yield chunk
    except OSError as exc:
        raise StreamBroken("unreadable", f"read failed: {exc.strerror or exc}") from None


def gunzipped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The decompressed content when it starts with the gzip magic bytes, else the content as is."""
    first = b""
    for chunk in chunks:
        first += chunk
        if len(first) >= len(_GZIP_MAGIC):
            break
    if not first.startswith(_GZIP_MAGIC):
        if first:
            yield first
        yield from chunks
        return
    yield from _inflate(itertools.chain((first,), chunks))


def _inflate(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Gzip members (one or several, concatenated) decompressed in bounded pieces."""
    inflater = zlib_ng.decompressobj(wbits=31)
    for chunk in chunks:
        data = chunk
        while True:
            if inflater.eof:
                if not data.strip(_PADDING):
                    break
                inflater = zlib_ng.decompressobj(wbits=31)
            try:
                out = inflater.decompress(data, _INFLATE_SIZE)
            except _CORRUPT as exc:
                raise StreamBroken("invalid_gzip", f"corrupt gzip data: {exc}") from None
            if out:
                yield out
            if inflater.eof:
                data = inflater.unused_data
                if not data:
                    break
                continue
            data = inflater.unconsumed_tail
            if not data and len(out) < _INFLATE_SIZE:
                break
    if not inflater.eof:
        tail = inflater.flush()
        if tail:
            yield tail
        if not inflater.eof:
            raise StreamBroken("truncated_gzip", "the gzip data ends before its end marker (truncated file)")
