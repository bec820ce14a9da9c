"""Streams that read image archives in place: seekable gzip and zstd, sections, metered tar walks."""

from __future__ import annotations

import gzip
import io
import random
import tracemalloc

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.inventory.image_archives import file, gz, layer, zst

from jackwatch.inventory.image.gzip_seek import GzipReader
from jackwatch.inventory.image.limits import Budget, LimitReached
from jackwatch.inventory.image.seekable import MAX_CHECKPOINTS, SeekableReader
from jackwatch.inventory.image.streams import BUFFER_SIZE, CorruptStream, Metered, Section, buffered
from jackwatch.inventory.image.tarwalk import walk_tar
from jackwatch.inventory.image.zstd_seek import ZstdReader

MiB = 1024 * 1024
CODECS = ("gzip", "zstd")


def sample(size: int, seed: int = 7) -> bytes:
    """Half noise, half text: inflate takes every path (stored and Huffman-coded blocks)."""
    text = b"".join(b"line %d of the sample\n" % n for n in range(size // 20 + 1))
    return random.Random(seed).randbytes(size // 2) + text[: size - size // 2]


def pack(data: bytes, codec: str, pieces: int = 1) -> bytes:
    """``data`` compressed in ``pieces`` gzip members or zstd frames."""
    step = -(-len(data) // pieces) or 1
    parts = [data[at : at + step] for at in range(0, max(len(data), 1), step)]
    return b"".join(gzip.compress(part, mtime=0) if codec == "gzip" else zst(part) for part in parts)


def open_packed(packed: bytes, codec: str, spacing: int = 4096) -> SeekableReader:
    source = io.BufferedReader(io.BytesIO(packed))  # type: ignore[arg-type]
    return GzipReader(source, spacing) if codec == "gzip" else ZstdReader(source, spacing)


def reader(data: bytes, spacing: int = 4096, members: int = 1, codec: str = "gzip") -> SeekableReader:
    return open_packed(pack(data, codec, members), codec, spacing)


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(0, 200_000),
    members=st.integers(1, 4),
    codec=st.sampled_from(CODECS),
    operations=st.lists(st.tuples(st.integers(0, 210_000), st.integers(0, 30_000)), max_size=12),
)
def test_any_seek_and_read_gives_the_bytes_at_that_offset(
    size: int, members: int, codec: str, operations: list[tuple[int, int]]
) -> None:
    data = sample(size)
    stream = buffered(reader(data, spacing=1024, members=members, codec=codec))
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


def test_zstd_checkpoints_are_frame_starts() -> None:
    data = sample(2 * MiB)
    chunked = reader(data, spacing=4096, members=64, codec="zstd")  # 32 KiB frames, as zstd:chunked cuts them
    assert chunked.read() == data
    assert 16 <= len(chunked._checkpoints) <= MAX_CHECKPOINTS
    before = chunked.produced
    chunked.seek(1_500_000)
    assert chunked.read(100) == data[1_500_000:1_500_100]
    assert chunked.produced - before <= 2 * MiB // (MAX_CHECKPOINTS // 2)  # the frame (or two) before, no more
    whole = reader(data, spacing=4096, codec="zstd")  # one frame: it can only start again at its start
    assert whole.read() == data
    assert len(whole._checkpoints) == 1
    before = whole.produced
    whole.seek(100)
    assert whole.read(100) == data[100:200]
    assert whole.produced - before <= 64 * 1024 + 200


@pytest.mark.parametrize("codec", CODECS)
def test_a_released_stream_starts_again_from_a_checkpoint(codec: str) -> None:
    data = sample(3 * MiB)
    stream = buffered(reader(data, spacing=MiB // 4, members=12, codec=codec))
    stream.seek(2 * MiB)
    assert stream.read(1000) == data[2 * MiB : 2 * MiB + 1000]
    raw = stream.raw
    assert isinstance(raw, SeekableReader)
    raw.release()
    assert raw._decoder is None
    before = raw.produced
    stream.seek(2 * MiB - 300_000)  # inside the window: nothing to decompress
    assert stream.read(1000) == data[2 * MiB - 300_000 : 2 * MiB - 299_000]
    assert raw.produced == before
    stream.seek(2 * MiB + 500_000)
    assert stream.read(1000) == data[2 * MiB + 500_000 : 2 * MiB + 501_000]
    assert stream.read() == data[2 * MiB + 501_000 :]


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


@pytest.mark.parametrize("codec", CODECS)
def test_a_large_read_holds_the_file_and_a_window_not_more(codec: str) -> None:
    data = sample(16 * MiB)
    stream = buffered(reader(data, spacing=MiB, codec=codec))
    tracemalloc.start()
    try:
        stream.seek(MiB)
        got = stream.read(12 * MiB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert got == data[MiB : 13 * MiB]
    assert peak < 12 * MiB + 4 * MiB


@pytest.mark.parametrize("codec", CODECS)
def test_a_truncated_stream_raises_after_its_good_bytes(codec: str) -> None:
    data = sample(300_000)
    packed = pack(data, codec)
    stream = buffered(open_packed(packed[: len(packed) // 2], codec))
    got = bytearray()
    with pytest.raises(CorruptStream) as caught:
        while chunk := stream.read(10_000):
            got += chunk
    assert caught.value.reason == f"truncated_{codec}"
    assert 0 < len(got) < len(data) and data.startswith(bytes(got))


@pytest.mark.parametrize("cut", [4, 6, 8, 12])  # magic only, in the header, in a block header, in a block
def test_a_zstd_stream_cut_in_a_header_is_truncated(cut: int) -> None:
    packed = zst(sample(1000))
    with pytest.raises(CorruptStream) as caught:
        open_packed(packed[:cut], "zstd").read(2000)
    assert caught.value.reason == "truncated_zstd"


def test_corrupt_gzip_data_raises() -> None:
    packed = bytearray(gzip.compress(sample(100_000), mtime=0))
    packed[40:60] = b"\x00" * 20
    stream = GzipReader(io.BufferedReader(io.BytesIO(bytes(packed))))  # type: ignore[arg-type]
    with pytest.raises(CorruptStream) as caught:
        stream.read(200_000)
        stream.read(200_000)
    assert caught.value.reason == "invalid_gzip"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda packed: packed[:-2] + b"\x00\x00", "checksum"),  # the content checksum
        (lambda packed: packed[:40] + b"\xff" * 40 + packed[80:], "corrupt zstd data"),  # a compressed block
        (lambda packed: packed[:4] + b"\x08" + packed[5:], "reserved bit"),  # the frame header descriptor
        (lambda packed: b"not zstd at all", "not zstd data"),
    ],
)
def test_corrupt_zstd_data_raises(damage: object, message: str) -> None:
    packed = zst(b"".join(b"record %d\n" % n for n in range(20_000)))
    stream = open_packed(damage(packed), "zstd")  # type: ignore[operator]
    with pytest.raises(CorruptStream, match=message) as caught:
        stream.read()
    assert caught.value.reason == "invalid_zstd"


def test_a_zstd_frame_that_asks_for_a_huge_window_is_refused() -> None:
    parameters = zstandard.ZstdCompressionParameters(window_log=30, compression_level=3)
    compressor = zstandard.ZstdCompressor(compression_params=parameters).compressobj()
    packed = compressor.compress(b"x" * 1000) + compressor.flush()  # streamed: the window stays at 1 GiB
    with pytest.raises(CorruptStream, match="too much memory") as caught:
        open_packed(packed, "zstd").read()
    assert caught.value.reason == "invalid_zstd"


def test_padding_after_the_last_member_ends_the_stream() -> None:
    stream = GzipReader(io.BufferedReader(io.BytesIO(gzip.compress(b"abc") + bytes(1000))))  # type: ignore[arg-type]
    assert stream.read() == b"abc"


def test_zstd_skippable_frames_and_padding_are_passed_over() -> None:
    skippable = b"\x5e\x2a\x4d\x18" + (9).to_bytes(4, "little") + b"TOC bytes"  # as zstd:chunked writes its TOC
    packed = skippable + zst(b"abc") + skippable + zst(b"def") + bytes(1000)
    assert open_packed(packed, "zstd").read() == b"abcdef"


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


@pytest.mark.parametrize("codec", CODECS)
def test_a_bomb_stops_before_it_is_decompressed(codec: str) -> None:
    bomb = layer(file("first", "x"), file("zeros", bytes(50 * MiB)), file("last", "y"))
    packed = gz(bomb) if codec == "gzip" else zst(bomb)
    assert len(packed) < MiB // 8
    inflated = open_packed(packed, codec, spacing=MiB)
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
