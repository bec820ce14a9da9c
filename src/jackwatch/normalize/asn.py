"""Offline IP → autonomous system (number and organisation) lookup.

The data ships with jackwatch as one gzip-compressed binary file (built by ``tools/build_asn_db.py``
from the ip-location-db ASN tables). All integers are little-endian:

==============  ======================================================================================
header          ``MAGIC`` (8 bytes), format version (u16), reserved (u16), then u32 counts:
                ASNs, organisation bytes, IPv4 ranges, IPv6 ranges
ASN numbers     one u32 per ASN, ascending
organisations   UTF-8, one line per ASN (same order), ``\\n``-separated
IPv4 steps      two u32 per range: ``start - previous end`` (the first start itself), ``end - start``
IPv4 ASNs       one u32 per range: index into the ASN table
IPv6 steps      as for IPv4, each 128-bit value split in two u64 arrays: all high halves, then all low
                halves
IPv6 ASNs       one u32 per range
==============  ======================================================================================

Ranges are sorted, inclusive and disjoint, so a running sum of the steps gives
``start0, end0, start1, end1…`` and a lookup is one binary search.
"""

from __future__ import annotations

import gzip
import struct
import sys
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from ipaddress import IPv4Address, IPv6Address
from itertools import accumulate
from pathlib import Path
from typing import overload

from jackwatch.errors import ContentError, Location

MAGIC = b"JWASNDB\x00"
FORMAT_VERSION = 1
HEADER = struct.Struct("<8sHHIIII")
PACKAGED_NAME = "asn.bin.gz"


@dataclass(frozen=True, slots=True)
class Asn:
    """An autonomous system: its number and the organisation that holds it."""

    number: int
    org: str

    @property
    def label(self) -> str:
        """The number in the usual ``AS13335`` form."""
        return f"AS{self.number}"

    def __str__(self) -> str:
        return f"AS{self.number} {self.org}"


@dataclass(frozen=True, slots=True)
class AsnRange:
    """One range of the database: every address from ``start`` to ``end`` (inclusive) is in ``asn``."""

    start: IPv4Address | IPv6Address
    end: IPv4Address | IPv6Address
    asn: Asn


class AsnDb:
    """IP → :class:`Asn` lookups over sorted, disjoint address ranges (IPv4 and IPv6).

    Load it once per run with :meth:`load` and pass it to whoever needs it; it is immutable.
    """

    __slots__ = ("_numbers", "_orgs", "_v4_asn", "_v4_ends", "_v4_starts", "_v6_asn", "_v6_ends", "_v6_starts")

    def __init__(
        self,
        asns: tuple[Sequence[int], Sequence[str]],
        v4: tuple[Sequence[int], Sequence[int], Sequence[int]],
        v6: tuple[Sequence[int], Sequence[int], Sequence[int]],
    ) -> None:
        """Wrap decoded tables.

        ``asns`` is (numbers, organisations); ``v4`` and ``v6`` are (starts, ends, indexes into
        ``asns``); the sequences of each tuple are parallel.
        """
        self._numbers, self._orgs = asns
        self._v4_starts, self._v4_ends, self._v4_asn = v4
        self._v6_starts, self._v6_ends, self._v6_asn = v6

    @classmethod
    def load(cls, path: Path | None = None) -> AsnDb:
        """Read a database file; by default the one packaged with jackwatch.

        Raises :class:`~jackwatch.errors.ContentError` (with the path) when the file is not a valid
        database, and :class:`OSError` when it cannot be read.
        """
        if path is None:
            ref = resources.files("jackwatch").joinpath("content", "asn", PACKAGED_NAME)
            return cls.decode(ref.read_bytes(), str(ref))
        return cls.decode(path.read_bytes(), str(path))

    @classmethod
    def decode(cls, blob: bytes, origin: str = "<bytes>") -> AsnDb:
        """Decode the gzip-compressed database ``blob``; ``origin`` names it in error messages."""
        try:
            return cls._decode(gzip.decompress(blob))
        except (OSError, EOFError, zlib.error, struct.error, ValueError, OverflowError) as exc:
            raise ContentError(f"not a valid ASN database: {exc}", Location(origin)) from exc

    @classmethod
    def _decode(cls, data: bytes) -> AsnDb:
        magic, version, _, n_asn, org_len, n4, n6 = HEADER.unpack_from(data)
        if magic != MAGIC or version != FORMAT_VERSION:
            raise ValueError(f"unknown header {magic!r} version {version}")
        view = memoryview(data)
        pos = HEADER.size

        def take(size: int) -> memoryview:
            nonlocal pos
            if pos + size > len(data):
                raise ValueError("truncated")
            chunk = view[pos : pos + size]
            pos += size
            return chunk

        numbers = _u32(take(4 * n_asn))
        orgs = _Lines(bytes(take(org_len))) if n_asn else _Lines(b"")
        if len(orgs) != n_asn:
            raise ValueError(f"{len(orgs)} organisations for {n_asn} ASNs")
        v4_bounds = array("I", accumulate(_u32(take(8 * n4))))
        v4 = (v4_bounds[0::2], v4_bounds[1::2], _checked_index(_u32(take(4 * n4)), n_asn))
        high, low = _u64(take(16 * n6)), _u64(take(16 * n6))
        _running_sum_128(high, low)
        v6 = (
            _Wide(high[0::2], low[0::2]),
            _Wide(high[1::2], low[1::2]),
            _checked_index(_u32(take(4 * n6)), n_asn),
        )
        if pos != len(data):
            raise ValueError(f"{len(data) - pos} trailing bytes")
        return cls((numbers, orgs), v4, v6)

    def lookup(self, ip: IPv4Address | IPv6Address) -> Asn | None:
        """The ASN announcing ``ip``, or ``None`` (private, reserved or unrouted address)."""
        if isinstance(ip, IPv6Address):
            mapped = ip.ipv4_mapped
            if mapped is None:
                return self._find(int(ip), self._v6_starts, self._v6_ends, self._v6_asn)
            ip = mapped
        return self._find(int(ip), self._v4_starts, self._v4_ends, self._v4_asn)

    def _find(self, n: int, starts: Sequence[int], ends: Sequence[int], index: Sequence[int]) -> Asn | None:
        i = bisect_right(starts, n) - 1
        if i >= 0 and n <= ends[i]:
            found = index[i]
            return Asn(self._numbers[found], self._orgs[found])
        return None

    def ranges(self) -> Iterator[AsnRange]:
        """Every range, IPv4 first, in address order."""
        for starts, ends, index, make in (
            (self._v4_starts, self._v4_ends, self._v4_asn, IPv4Address),
            (self._v6_starts, self._v6_ends, self._v6_asn, IPv6Address),
        ):
            for start, end, i in zip(starts, ends, index, strict=True):
                yield AsnRange(make(start), make(end), Asn(self._numbers[i], self._orgs[i]))

    def __len__(self) -> int:
        """The number of ranges."""
        return len(self._v4_starts) + len(self._v6_starts)


class _Wide(Sequence[int]):
    """128-bit integers kept as two parallel u64 arrays (high and low halves): a fraction of the
    memory of Python ints, and still a sequence that :func:`bisect.bisect_right` can search."""

    __slots__ = ("_high", "_low")

    def __init__(self, high: array[int], low: array[int]) -> None:
        self._high, self._low = high, low

    def __len__(self) -> int:
        return len(self._high)

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[int]: ...
    def __getitem__(self, index: int | slice) -> int | Sequence[int]:
        if isinstance(index, slice):
            return _Wide(self._high[index], self._low[index])
        return (self._high[index] << 64) | self._low[index]


class _Lines(Sequence[str]):
    """The ``\\n``-separated lines of a UTF-8 text, decoded only when one is asked for."""

    __slots__ = ("_starts", "_text")

    def __init__(self, text: bytes) -> None:
        self._text = text
        self._starts = array("I", [0])
        position = text.find(b"\n")
        while position != -1:
            self._starts.append(position + 1)
            position = text.find(b"\n", position + 1)
        self._starts.append(len(text) + 1)
        text.decode("utf-8")  # reject bad UTF-8 now, not at the first lookup

    def __len__(self) -> int:
        return len(self._starts) - 1 if self._text else 0

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        index %= len(self)
        return self._text[self._starts[index] : self._starts[index + 1] - 1].decode("utf-8")


def _running_sum_128(high: array[int], low: array[int]) -> None:
    """Turn 128-bit steps (split in halves) into their running sums, in place; overflow is an error."""
    total_high = total_low = 0
    mask = (1 << 64) - 1
    for i in range(len(high)):
        total_low += low[i]
        total_high += high[i] + (total_low >> 64)
        total_low &= mask
        if total_high > mask:
            raise ValueError("IPv6 range past the address space")
        high[i], low[i] = total_high, total_low


def _u32(chunk: memoryview) -> array[int]:
    return _unsigned("I", chunk)


def _u64(chunk: memoryview) -> array[int]:
    return _unsigned("Q", chunk)


def _unsigned(code: str, chunk: memoryview) -> array[int]:
    values = array(code)
    values.frombytes(chunk)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _checked_index(index: array[int], n_asn: int) -> array[int]:
    if index and max(index) >= n_asn:
        raise ValueError("range points past the ASN table")
    return index
