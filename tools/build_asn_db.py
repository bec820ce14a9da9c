"""Build jackwatch's packaged IP → ASN database from the ip-location-db ASN tables.

Usage::

    python tools/build_asn_db.py SOURCE_DIR [--output PATH]

``SOURCE_DIR`` holds ``asn-ipv4.csv.gz`` and ``asn-ipv6.csv.gz`` (rows ``start,end,asn,organisation``,
no header). The output (default: ``src/jackwatch/content/asn/asn.bin.gz``) is the format documented in
``jackwatch.normalize.asn``. The build is deterministic: the same input gives the same bytes.

Where input ranges overlap, each address goes to the most specific range holding it (the one starting
last, then the one ending first). An ASN listed with several organisation names keeps the most frequent
(ties: the first seen).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import heapq
import io
import struct
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from ipaddress import ip_address
from itertools import pairwise
from pathlib import Path

from jackwatch.errors import ContentError, Location
from jackwatch.normalize.asn import FORMAT_VERSION, HEADER, MAGIC

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "src/jackwatch/content/asn/asn.bin.gz"
SOURCES = {4: "asn-ipv4.csv.gz", 6: "asn-ipv6.csv.gz"}


@dataclass(frozen=True, slots=True, order=True)
class Row:
    """One input range (inclusive bounds as integers)."""

    start: int
    end: int
    asn: int


def read_rows(path: Path, version: int, orgs: defaultdict[int, Counter[str]]) -> list[Row]:
    """Parse one gzip CSV table; count each ASN's organisation names into ``orgs``."""
    rows: list[Row] = []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for line, fields in enumerate(csv.reader(handle), start=1):
            where = Location(str(path), line)
            if len(fields) != 4:
                raise ContentError(f"expected 4 columns, got {len(fields)}", where)
            try:
                start, end = ip_address(fields[0]), ip_address(fields[1])
                asn = int(fields[2])
            except ValueError as exc:
                raise ContentError(str(exc), where) from exc
            if start.version != version or end.version != version or int(start) > int(end):
                raise ContentError(f"bad IPv{version} range {fields[0]} - {fields[1]}", where)
            if not 0 < asn < 2**32 or "\n" in fields[3]:
                raise ContentError(f"bad ASN or organisation: {fields[2]!r} {fields[3]!r}", where)
            rows.append(Row(int(start), int(end), asn))
            orgs[asn][fields[3]] += 1
    return rows


def disjoint(rows: Iterable[Row]) -> list[Row]:
    """Sorted, disjoint ranges: each address goes to the most specific input range holding it.

    The most specific range is the one starting last, then the one ending first. Adjacent results of
    the same ASN are merged.
    """
    ordered = sorted(rows)
    points = sorted({row.start for row in ordered} | {row.end + 1 for row in ordered})
    active: list[tuple[int, int, int]] = []  # (-start, end, asn): the top is the most specific
    out: list[Row] = []
    pending = iter(ordered)
    upcoming = next(pending, None)
    for point, following in pairwise(points):
        while upcoming is not None and upcoming.start <= point:
            heapq.heappush(active, (-upcoming.start, upcoming.end, upcoming.asn))
            upcoming = next(pending, None)
        while active and active[0][1] < point:
            heapq.heappop(active)
        if not active:
            continue
        asn = active[0][2]
        if out and out[-1].end + 1 == point and out[-1].asn == asn:
            out[-1] = Row(out[-1].start, following - 1, asn)
        else:
            out.append(Row(point, following - 1, asn))
    return out


def steps(rows: list[Row]) -> Iterator[int]:
    """``start0, end0-start0, start1-end0, end1-start1…``: a running sum gives the bounds back."""
    previous_end = 0
    for row in rows:
        yield row.start - previous_end
        yield row.end - row.start
        previous_end = row.end


def u32(values: Iterable[int]) -> bytes:
    """Little-endian unsigned 32-bit integers."""
    return unsigned("I", values)


def u64(values: Iterable[int]) -> bytes:
    """Little-endian unsigned 64-bit integers."""
    return unsigned("Q", values)


def unsigned(code: str, values: Iterable[int]) -> bytes:
    """Little-endian unsigned integers of the ``array`` type ``code``."""
    packed = array(code, values)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def encode(v4: list[Row], v6: list[Row], orgs: dict[int, str]) -> bytes:
    """The database bytes (before compression) for disjoint sorted ``v4``/``v6`` ranges."""
    numbers = sorted(orgs)
    index = {asn: i for i, asn in enumerate(numbers)}
    org_blob = "\n".join(orgs[asn] for asn in numbers).encode("utf-8")
    out = io.BytesIO()
    out.write(HEADER.pack(MAGIC, FORMAT_VERSION, 0, len(numbers), len(org_blob), len(v4), len(v6)))
    out.write(u32(numbers))
    out.write(org_blob)
    out.write(u32(steps(v4)))
    out.write(u32(index[row.asn] for row in v4))
    v6_steps = list(steps(v6))
    out.write(u64(step >> 64 for step in v6_steps))
    out.write(u64(step & (2**64 - 1) for step in v6_steps))
    out.write(u32(index[row.asn] for row in v6))
    return out.getvalue()


def build(source: Path) -> bytes:
    """The compressed database built from the tables in ``source``."""
    names: defaultdict[int, Counter[str]] = defaultdict(Counter)
    v4 = disjoint(read_rows(source / SOURCES[4], 4, names))
    v6 = disjoint(read_rows(source / SOURCES[6], 6, names))
    orgs = {asn: counts.most_common(1)[0][0] for asn, counts in names.items()}
    return gzip.compress(encode(v4, v6, orgs), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="directory with asn-ipv4.csv.gz and asn-ipv6.csv.gz")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the database")
    args = parser.parse_args(argv)
    try:
        blob = build(args.source)
    except (ContentError, OSError, struct.error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    args.output.write_bytes(blob)
    print(f"wrote {args.output} ({len(blob):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
