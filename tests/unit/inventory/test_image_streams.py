"""Streams that read image archives in place: seekable gzip, sections, metered tar walks."""

from __future__ import annotations

import gzip
import io
import random
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.inventory.image_archives import file, gz, layer

from jackwatch.inventory.image.gzip_seek import MAX_CHECKPOINTS, GzipReader
from jackwatch.inventory.image.limits import Budget, LimitReached
from jackwatch.inventory.image.streams import BUFFER_SIZE, CorruptStream, Metered, Section, buffered
from jackwatch.inventory.image.tarwalk import walk_tar

MiB = 1024 * 1024


def sample(size: int, seed: int = 7) -> bytes:
    """Half noise, half text: inflate takes every path (stored and Huffman-coded blocks)."""
    text = b"".join(b"line %d of the sample\n" % n for n in range(size // 20 + 1))
    return random.Random(seed).randbytes(size // 2) + text[: size - size // 2]


def reader(data: bytes, spacing: int = 4096, members: int = 1) -> GzipReader:
    step = -(-len(data) // members) or 1
    packed = b"".join(gzip.compress(data[at : at + step], mtime=0) for at in range(0, max(len(data), 1), step))
    return GzipReader(io.BufferedReader(io.BytesIO(packed)), spacing)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(0, 200_000),
    members=st.integers(1, 4),
    operations=st.lists(st.tuples(st.integers(0, 210_000), st.integers(0, 30_000)), max_size=12),
)
def test_any_seek_and_read_gives_the_bytes_at_that_offset(
    size: int, members: int, operations: list[tuple[int, int]]
) -> None:
    data = sample(size)
    stream = buffered(reader(data, spacing=1024, members=members))
    for offset, length in operations:
        assert stream.seek(offset) == min(offset, size)
        assert stream.read(length) == data[offset : offset + length]
        assert stream.tell() == (min(offset + length, size) if offset <= size else size)


def test_a_seek_back_costs_at_most_the_spacing_not_the_whole_stream() -> None:
    data = sample(2 * MiB)
    stream = reader(data, spacing=4096)
    assert stream.read() == data
    assert len(stream._checkpoints) <= MAX_CHECKPOINTS
    before = stream.produced
    stream.seek(1_500_000)
    assert stream.read(100) == data[1_500_000:1_500_100]
    assert stream.produced - before <= 2 * MiB // (MAX_CHECKPOINTS // 2)  # one spacing, not 1.5 MB
    before = stream.produced
    stream.seek(1_600_000)  # forward and close: goes on from where it is
    assert stream.produced - before <= 100_000 + 100


def test_seeking_back_within_the_window_decompresses_nothing() -> None:
    data = sample(3 * MiB)
    stream = buffered(reader(data, spacing=MiB))
    stream.seek(2 * MiB)
    assert stream.read(1000) == data[2 * MiB : 2 * MiB + 1000]
    before = stream.raw.produced  # type: ignore[attr-defined]
    for offset in (2 * MiB - 500_000, 2 * MiB - 1000, 2 * MiB + 10):
        stream.seek(offset)
        assert stream.read(700) == data[offset : offset + 700]
    assert stream.raw.produced == before  # type: ignore[attr-defined]


def test_a_large_read_holds_the_file_and_a_window_not_more() -> None:
    data = sample(16 * MiB)
    stream = buffered(reader(data, spacing=MiB))
    tracemalloc.start()
    try:
        stream.seek(MiB)
        got = stream.read(12 * MiB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert got == data[MiB : 13 * MiB]
    assert peak < 12 * MiB + 4 * MiB


def test_a_truncated_gzip_stream_raises_after_its_good_bytes() -> None:
    data = sample(300_000)
    packed = gzip.compress(data, mtime=0)
    stream = buffered(GzipReader(io.BufferedReader(io.BytesIO(packed[: len(packed) // 2]))))  # type: ignore[arg-type]
    got = bytearray()
    with pytest.raises(CorruptStream) as caught:
        while chunk := stream.read(10_000):
            got += chunk
    assert caught.value.reason == "truncated_gzip"
    assert 0 < len(got) < len(data) and data.startswith(bytes(got))


def test_corrupt_gzip_data_raises() -> None:
    packed = bytearray(gzip.compress(sample(100_000), mtime=0))
    packed[40:60] = b"\x00" * 20
    stream = GzipReader(io.BufferedReader(io.BytesIO(bytes(packed))))  # type: ignore[arg-type]
    with pytest.raises(CorruptStream) as caught:
        stream.read(200_000)
        stream.read(200_000)
    assert caught.value.reason == "invalid_gzip"


def test_padding_after_the_last_member_ends_the_stream() -> None:
    stream = GzipReader(io.BufferedReader(io.BytesIO(gzip.compress(b"abc") + bytes(1000))))  # type: ignore[arg-type]
    assert stream.read() == b"abc"


def test_sections_share_one_stream() -> None:
    base = io.BufferedReader(io.BytesIO(b"0123456789abcdef"))  # type: ignore[arg-type]
    left, right = buffered(Section(base, 2, 4)), buffered(Section(base, 10, 6))
    assert left.read(2) == b"23"
    assert right.read(3) == b"abc"
    assert left.read() == b"45"
    assert right.seek(4) == 4 and right.read() == b"ef"
    assert left.seek(100) == 100 and left.read(1) == b""
    with pytest.raises(ValueError, match="negative"):
        Section(base, 0, 1).seek(-1)


def test_metered_streams_charge_each_byte_once_and_before_reading() -> None:
    budget = Budget(1000)
    stream = Metered(io.BufferedReader(io.BytesIO(bytes(5000))), budget)  # type: ignore[arg-type]
    stream.read(300)
    stream.seek(0)
    stream.read(300)
    assert budget.used == 300
    stream.seek(900)
    assert budget.used == 900
    with pytest.raises(LimitReached) as caught:
        stream.seek(1200)
    assert (caught.value.reason, caught.value.reached, budget.used, stream.tell()) == (
        "unpacked_bytes_cap",
        900,
        900,
        900,
    )


def test_a_gzip_bomb_stops_before_it_is_decompressed() -> None:
    bomb = layer(file("first", "x"), file("zeros", bytes(50 * MiB)), file("last", "y"))
    inflated = GzipReader(io.BufferedReader(io.BytesIO(gz(bomb))))  # type: ignore[arg-type]
    cap = 2 * MiB
    names = []
    with pytest.raises(LimitReached):
        names.extend(member.name for member in walk_tar(buffered(inflated), Budget(cap)))
    assert names == ["first", "zeros"]
    assert inflated.produced <= cap + BUFFER_SIZE  # decompression stopped at the cap


def test_walk_tar_reports_what_tarfile_would_pass_over() -> None:
    whole = layer(file("a", "a"), file("b", "b"))

    def walk(data: bytes) -> list[str]:
        return [
            member.name
            for member in walk_tar(buffered(Section(io.BufferedReader(io.BytesIO(data)), 0, len(data))), Budget(MiB))
        ]  # type: ignore[arg-type]

    assert walk(whole) == ["a", "b"]
    for cut, reason in (
        (2048, "truncated_tar"),
        (1800, "truncated_tar"),
        (1100, "truncated_tar"),
        (0, "truncated_tar"),
    ):
        with pytest.raises(CorruptStream) as caught:
            walk(whole[:cut])
        assert caught.value.reason == reason, cut
    garbage = whole[:1024] + b"\xffnot a header" * 40
    with pytest.raises(CorruptStream, match="invalid tar header at byte 1,024") as corrupt:
        walk(garbage[:1536])
    assert corrupt.value.reason == "corrupt_tar"
    with pytest.raises(CorruptStream, match="not a valid tar archive"):
        walk(b"\x01" * 1024)


def test_members_are_not_kept_by_the_walk() -> None:
    big = layer(*(file(f"site-packages/pkg/module_{n}.py", "") for n in range(5000)))
    stream = buffered(Section(io.BufferedReader(io.BytesIO(big)), 0, len(big)))  # type: ignore[arg-type]
    tracemalloc.start()
    try:
        count = sum(1 for _ in walk_tar(stream, Budget(len(big))))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 5000
    assert peak < 1_000_000  # 5,000 TarInfo objects kept would take several MB
