"""The packaged IP → ASN database, its binary format and its builder."""

from __future__ import annotations

import gzip
import hashlib
import struct
from ipaddress import IPv4Address, IPv6Address, ip_address
from itertools import pairwise
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.scripts import load_script

from jackwatch.errors import ContentError
from jackwatch.normalize import Asn, AsnDb, AsnRange
from jackwatch.normalize.asn import FORMAT_VERSION, HEADER, MAGIC

ROOT = Path(__file__).resolve().parents[3]
PACKAGED = ROOT / "src/jackwatch/content/asn"


def _load_builder() -> ModuleType:
    return load_script(ROOT / "tools/build_asn_db.py")


builder = _load_builder()


@pytest.fixture(scope="module")
def db() -> AsnDb:
    return AsnDb.load()


@pytest.fixture(scope="module")
def ranges(db: AsnDb) -> list[AsnRange]:
    return list(db.ranges())


@pytest.mark.parametrize(
    ("ip", "number", "org"),
    [
        ("1.1.1.1", 13335, "Cloudflare, Inc."),
        ("8.8.8.8", 15169, "Google LLC"),
        ("194.48.248.108", 200019, "ALEXHOST SRL"),
        ("83.7.139.184", 5617, "Orange Polska Spolka Akcyjna"),
        ("2606:4700::1111", 13335, "Cloudflare, Inc."),
        ("::ffff:8.8.8.8", 15169, "Google LLC"),
    ],
)
def test_known_addresses(db: AsnDb, ip: str, number: int, org: str) -> None:
    assert db.lookup(ip_address(ip)) == Asn(number, org)


@pytest.mark.parametrize("ip", ["10.1.2.3", "192.168.0.1", "127.0.0.1", "0.0.0.0", "255.255.255.255", "::1", "fe80::1"])
def test_private_and_reserved_addresses_have_no_asn(db: AsnDb, ip: str) -> None:
    assert db.lookup(ip_address(ip)) is None


def test_asn_text_forms() -> None:
    asn = Asn(13335, "Cloudflare, Inc.")
    assert (asn.label, str(asn)) == ("AS13335", "AS13335 Cloudflare, Inc.")


def test_ranges_are_sorted_disjoint_and_both_families_present(db: AsnDb, ranges: list[AsnRange]) -> None:
    assert len(ranges) == len(db) > 400_000
    assert {item.start.version for item in ranges} == {4, 6}
    for family in (4, 6):
        bounds = [(int(r.start), int(r.end)) for r in ranges if r.start.version == family]
        assert all(start <= end for start, end in bounds)
        assert all(prev[1] < cur[0] for prev, cur in pairwise(bounds))


def test_every_range_maps_its_start_and_end_to_its_asn(db: AsnDb, ranges: list[AsnRange]) -> None:
    wrong = [item for item in ranges if db.lookup(item.start) != item.asn or db.lookup(item.end) != item.asn]
    assert wrong == []


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_addresses_inside_a_range_map_to_its_asn(db: AsnDb, ranges: list[AsnRange], data: st.DataObject) -> None:
    item = ranges[data.draw(st.integers(0, len(ranges) - 1))]
    inside = data.draw(st.integers(int(item.start), int(item.end)))
    assert db.lookup(type(item.start)(inside)) == item.asn


def test_packaged_data_ships_its_licenses() -> None:
    notice = (PACKAGED / "NOTICE").read_text()
    assert "IP Geolocation by DB-IP" in notice
    assert "tools/build_asn_db.py" in notice
    assert hashlib.sha256((PACKAGED / "asn.bin.gz").read_bytes()).hexdigest() in notice
    for name in ("DBIP-LICENSE", "ROUTEVIEWS-LICENSE", "NRO_LICENSE"):
        assert "Creative Commons Attribution 4.0" in (PACKAGED / name).read_text()


# ------------------------------------------------------------------------------------------- builder


def _write_tables(directory: Path, v4: list[str], v6: list[str]) -> None:
    for name, rows in (("asn-ipv4.csv.gz", v4), ("asn-ipv6.csv.gz", v6)):
        (directory / name).write_bytes(gzip.compress("".join(row + "\n" for row in rows).encode()))


def test_build_then_load_round_trip(tmp_path: Path) -> None:
    _write_tables(
        tmp_path,
        [
            '1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."',
            "1.0.4.0,1.0.7.255,38803,Gtelecom Pty Ltd",
            "214.95.0.0,215.0.255.255,749,United States Department of Defense (DoD)",
            "215.0.0.0,215.1.3.255,721,DoD Network Information Center",
            "255.255.255.0,255.255.255.255,64512,Top",
        ],
        [
            "2001:500:30ff::,2001:500:30ff::2f,396585,VeriSign Global Registry Services",
            "2001:500:30ff::30,2001:500:30ff::30,396552,VeriSign Global Registry Services",
            "2606:4700::,2606:4700:ffff:ffff:ffff:ffff:ffff:ffff,13335,Cloudflare Renamed",
        ],
    )
    out = tmp_path / "asn.bin.gz"
    assert builder.main([str(tmp_path), "--output", str(out)]) == 0
    db = AsnDb.load(out)
    cloudflare = Asn(13335, "Cloudflare, Inc.")
    assert db.lookup(IPv4Address("1.0.0.7")) == cloudflare
    assert db.lookup(IPv6Address("2606:4700::1111")) == cloudflare
    assert db.lookup(IPv4Address("1.0.1.0")) is None
    assert db.lookup(IPv4Address("214.255.255.255")) == Asn(749, "United States Department of Defense (DoD)")
    assert db.lookup(IPv4Address("215.0.0.1")) == Asn(721, "DoD Network Information Center")
    assert db.lookup(IPv4Address("255.255.255.255")) == Asn(64512, "Top")
    assert db.lookup(IPv6Address("2001:500:30ff::30")) == Asn(396552, "VeriSign Global Registry Services")
    assert db.lookup(IPv6Address("2001:500:30ff::31")) is None
    assert len(db) == 8
    assert out.read_bytes() == builder.build(tmp_path)


def test_builder_reports_a_bad_row_with_its_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_tables(tmp_path, ["1.0.0.0,1.0.0.255,13335,Cloudflare", "1.0.1.0,not-an-ip,1,X"], [])
    assert builder.main([str(tmp_path), "--output", str(tmp_path / "out.gz")]) == 1
    assert "asn-ipv4.csv.gz:2" in capsys.readouterr().err
    assert not (tmp_path / "out.gz").exists()


def test_builder_rejects_a_range_of_the_wrong_family(tmp_path: Path) -> None:
    _write_tables(tmp_path, ["::1,::2,1,X"], [])
    with pytest.raises(ContentError, match=r"asn-ipv4\.csv\.gz:1: bad IPv4 range"):
        builder.build(tmp_path)


@given(
    st.lists(
        st.tuples(st.integers(0, 1000), st.integers(0, 50), st.integers(1, 5)),
        max_size=30,
    )
)
def test_disjoint_keeps_the_most_specific_range_everywhere(spans: list[tuple[int, int, int]]) -> None:
    rows = [builder.Row(start, start + length, asn) for start, length, asn in spans]
    out = builder.disjoint(rows)
    assert all(a.end < b.start for a, b in pairwise(out))
    covered = {n for row in rows for n in range(row.start, row.end + 1)}
    assert {n for row in out for n in range(row.start, row.end + 1)} == covered
    for n in covered:
        holders = [row for row in rows if row.start <= n <= row.end]
        winner = next(row for row in out if row.start <= n <= row.end)
        best = max(holders, key=lambda row: (row.start, -row.end))
        assert winner.asn in {row.asn for row in holders if (row.start, row.end) == (best.start, best.end)}


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


@pytest.mark.parametrize(
    "blob",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not gzip at all", id="not-gzip"),
        pytest.param(_gz(b"short"), id="short-header"),
        pytest.param(_gz(HEADER.pack(b"BADMAGIC", FORMAT_VERSION, 0, 0, 0, 0, 0)), id="bad-magic"),
        pytest.param(_gz(HEADER.pack(MAGIC, FORMAT_VERSION + 1, 0, 0, 0, 0, 0)), id="unknown-version"),
        pytest.param(_gz(HEADER.pack(MAGIC, FORMAT_VERSION, 0, 2, 3, 0, 0) + b"\x00" * 8), id="truncated"),
        pytest.param(
            _gz(
                HEADER.pack(MAGIC, FORMAT_VERSION, 0, 1, 1, 1, 0)
                + struct.pack("<I", 7)
                + b"x"
                + struct.pack("<III", 1, 2, 5)
            ),
            id="index-past-table",
        ),
        pytest.param(_gz(HEADER.pack(MAGIC, FORMAT_VERSION, 0, 0, 0, 0, 0) + b"extra"), id="trailing-bytes"),
        pytest.param(
            _gz(HEADER.pack(MAGIC, FORMAT_VERSION, 0, 0, 0, 0, 1) + struct.pack("<QQQQI", 2**63, 2**63, 0, 0, 0)),
            id="ipv6-overflow",
        ),
        pytest.param(
            _gz(HEADER.pack(MAGIC, FORMAT_VERSION, 0, 0, 0, 1, 0) + struct.pack("<III", 2**32 - 1, 5, 0)),
            id="ipv4-overflow",
        ),
        pytest.param(_gz(HEADER.pack(MAGIC, FORMAT_VERSION, 0, 1, 3, 0, 0) + b"\x00" * 4 + b"a\nb"), id="org-count"),
    ],
)
def test_corrupt_database_is_a_content_error_naming_the_file(tmp_path: Path, blob: bytes) -> None:
    path = tmp_path / "broken.bin.gz"
    path.write_bytes(blob)
    with pytest.raises(ContentError, match=r"broken\.bin\.gz"):
        AsnDb.load(path)
