"""Broken and hostile images: truncated or corrupt layers and documents, missing blobs, caps reached."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from tests.unit.inventory.image_archives import (
    ImageSpec,
    Member,
    digest,
    docker_save,
    edit_archive,
    file,
    gz,
    layer,
    oci_layout,
    zst,
)

from jackwatch.errors import ContentError
from jackwatch.inventory.image import ImageLimits, open_image
from jackwatch.inventory.image.documents import MissingBlob

MiB = 1024 * 1024
COMPRESS = {"gzip": gz, "zstd": zst}
NOISE = bytes(range(256)) * 64  # 16 KiB that gzip cannot shrink much at level 6


def many_files(prefix: str, count: int) -> bytes:
    return layer(*(file(f"{prefix}/f{n:03}.txt", NOISE[n:] + str(n).encode()) for n in range(count)))


def oci_directory(tmp_path: Path, image: ImageSpec) -> Path:
    (tmp_path / "layout").mkdir()
    return oci_layout(tmp_path / "layout", image)


def blob(layout: Path, data: bytes) -> Path:
    return layout / "blobs/sha256" / digest(data)[7:]


@pytest.mark.parametrize("codec", COMPRESS)
def test_a_truncated_compressed_layer_keeps_what_precedes_the_cut(tmp_path: Path, codec: str) -> None:
    middle = many_files("srv/middle", 40)
    layers = [layer(file("etc/hostname", "base")), middle, layer(file("srv/top", "top"))]
    image = ImageSpec(layers, gzip_layers=codec == "gzip", zstd_layers=codec == "zstd")
    layout = oci_directory(tmp_path, image)
    packed = blob(layout, COMPRESS[codec](middle))
    packed.write_bytes(packed.read_bytes()[: packed.stat().st_size // 2])
    with open_image(layout) as root:
        files = list(root.files())
        assert files[0] == "etc/hostname" and files[-1] == "srv/top"  # the layers around it are whole
        kept = [path for path in files if path.startswith("srv/middle/")]
        assert 5 < len(kept) < 40
        assert kept == [f"srv/middle/f{n:03}.txt" for n in range(len(kept))]
        for n, path in enumerate(kept):  # every file kept is whole
            assert root.read(path) == NOISE[n:] + str(n).encode()
        assert root.read("srv/top") == b"top" and root.read("etc/hostname") == b"base"
        [problem] = root.stats.problems
        assert problem.reason == f"truncated_{codec}"
        assert problem.location.path == f"{layout.resolve()}!blobs/sha256/{digest(COMPRESS[codec](middle))[7:]}"
        assert "members before it are kept" in problem.message
        assert (root.stats.files_read, root.stats.files_failed) == (2, 1)
        assert [info.compression for info in root.layers] == [codec] * 3


def test_a_truncated_plain_layer_drops_the_file_cut_short(tmp_path: Path) -> None:
    middle = many_files("srv/middle", 10)
    archive = docker_save(tmp_path / "image.tar", ImageSpec([middle, layer(file("srv/top", "top"))]))
    with tarfile.open(archive) as source:
        name = next(member.name for member in source if member.name.endswith("layer.tar"))
    cut = len(middle) // 2 + 100  # inside the data of a file
    edit_archive(archive, {name: middle[:cut]})
    with open_image(archive) as root:
        kept = [path for path in root.files() if path.startswith("srv/middle/")]
        assert 0 < len(kept) < 10 and "srv/top" in set(root.files())
        for path in kept:
            n = int(path[-7:-4])
            assert root.read(path) == NOISE[n:] + str(n).encode()
        [problem] = root.stats.problems
        assert problem.reason == "truncated_tar" and problem.location.path.endswith(f"!{name}")
        assert "cut short" in problem.message


def test_a_layer_without_its_end_marker_is_reported(tmp_path: Path) -> None:
    whole = layer(file("a", "a"), file("b", "b"))
    archive = docker_save(tmp_path / "image.tar", ImageSpec([whole]))
    with tarfile.open(archive) as source:
        name = next(member.name for member in source if member.name.endswith("layer.tar"))
    edit_archive(archive, {name: whole[: 4 * 512]})  # two members, no zero blocks after them
    with open_image(archive) as root:
        assert list(root.files()) == ["a", "b"]
        assert dict(root.stats.skipped) == {"truncated_tar": 1}


def test_a_corrupt_header_in_a_layer_stops_that_layer_only(tmp_path: Path) -> None:
    broken = bytearray(layer(file("a", "a"), file("b", "b"), file("c", "c")))
    broken[1024 + 100 : 1024 + 140] = b"\xff" * 40  # the header of the second file
    archive = docker_save(tmp_path / "image.tar", ImageSpec([bytes(broken), layer(file("d", "d"))]))
    with open_image(archive) as root:
        assert set(root.files()) == {"a", "d"}
        assert dict(root.stats.skipped) == {"corrupt_tar": 1}


def test_an_absurd_pax_header_is_refused_not_loaded(tmp_path: Path) -> None:
    header = tarfile.TarInfo("././@PaxHeader")
    header.type, header.size = tarfile.XHDTYPE, 512 * MiB
    absurd = header.tobuf(tarfile.USTAR_FORMAT) + b"path=x\n" + bytes(505)
    archive = docker_save(tmp_path / "image.tar", ImageSpec([layer(file("ok", "ok"))[:1024] + absurd]))
    with open_image(archive) as root:
        assert list(root.files()) == ["ok"]
        [problem] = root.stats.problems
        assert problem.reason == "corrupt_tar" and "absurd" in problem.message


def test_a_corrupt_manifest_is_a_content_error_with_its_line(tmp_path: Path) -> None:
    archive = docker_save(tmp_path / "image.tar", ImageSpec([layer(file("a", "a"))]))
    edit_archive(archive, {"manifest.json": b'[\n  {"Config": "x.json",\n   "Layers": [,]}\n]'})
    with pytest.raises(ContentError, match="invalid JSON") as caught:
        open_image(archive)
    assert caught.value.location is not None
    assert (caught.value.location.path, caught.value.location.line) == (f"{archive}!manifest.json", 3)


def test_a_manifest_of_the_wrong_shape_is_a_content_error(tmp_path: Path) -> None:
    archive = docker_save(tmp_path / "image.tar", ImageSpec([layer(file("a", "a"))]))
    for document, message in (
        (b"{}", "expected a list"),
        (b"[]", "lists no image"),
        (b'[{"Config": "c.json", "Layers": "l.tar"}]', r"\[0\]\.Layers: expected a list of strings"),
        (b'[{"Config": "../../etc/passwd", "Layers": []}]', "outside the archive"),
    ):
        edit_archive(archive, {"manifest.json": document})
        with pytest.raises(ContentError, match=message):
            open_image(archive)


def test_a_corrupt_oci_manifest_or_index(tmp_path: Path) -> None:
    image = ImageSpec([layer(file("a", "a"))])
    layout = oci_directory(tmp_path, image)
    index = json.loads((layout / "index.json").read_bytes())
    manifest = layout / "blobs/sha256" / index["manifests"][0]["digest"][7:]
    manifest.write_bytes(b'{"schemaVersion": 2, "config": {"digest": "sha256:../../../etc/passwd"}}')
    with pytest.raises(ContentError, match="invalid digest"):
        open_image(layout)
    (layout / "index.json").write_bytes(b"{not json")
    with pytest.raises(ContentError, match="invalid JSON") as caught:
        open_image(layout)
    assert caught.value.location is not None and caught.value.location.col == 2


def test_a_missing_layer_blob_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    first, second = layer(file("a", "a")), layer(file("b", "b"))
    layout = oci_directory(tmp_path, ImageSpec([first, second], gzip_layers=True))
    blob(layout, gz(first)).unlink()
    with open_image(layout) as root:
        assert list(root.files()) == ["b"]
        assert root.layer("b") == digest(second)
        [problem] = root.stats.problems
        assert problem.reason == "missing_blob" and problem.location.path.endswith(digest(gz(first))[7:])
        assert [info.compression for info in root.layers] == ["missing", "gzip"]


def test_a_layer_that_cannot_be_opened_is_reported(tmp_path: Path) -> None:
    first, second = layer(file("a", "a")), layer(file("b", "b"))
    layout = oci_directory(tmp_path, ImageSpec([first, second]))
    blob(layout, first).unlink()
    blob(layout, first).mkdir()
    with open_image(layout) as root:
        assert list(root.files()) == ["b"]
        assert dict(root.stats.skipped) == {"unreadable": 1}
        assert [info.compression for info in root.layers] == ["unreadable", "none"]


def test_a_missing_configuration_is_a_content_error(tmp_path: Path) -> None:
    image = ImageSpec([layer(file("a", "a"))])
    layout = oci_directory(tmp_path, image)
    blob(layout, image.config()).unlink()
    with pytest.raises(MissingBlob, match="missing from the image"):
        open_image(layout)


@pytest.mark.parametrize("codec", COMPRESS)
def test_a_decompression_bomb_stops_at_the_cap(tmp_path: Path, codec: str) -> None:
    bomb = layer(file("srv/before", "kept"), file("srv/zeros.bin", bytes(64 * MiB)), file("srv/after", "never"))
    packed = COMPRESS[codec](bomb)
    assert len(packed) < MiB // 8  # a small blob that unpacks to 64 MiB
    layers = [bomb, layer(file("srv/next-layer", "skipped"))]
    image = ImageSpec(layers, gzip_layers=codec == "gzip", zstd_layers=codec == "zstd")
    limits = ImageLimits(max_unpacked_bytes=4 * MiB)
    with open_image(oci_directory(tmp_path, image), limits=limits) as root:
        assert list(root.files()) == ["srv/before"]
        assert root.bytes_unpacked <= limits.max_unpacked_bytes
        [problem] = root.stats.problems
        assert problem.reason == "unpacked_bytes_cap"
        assert "decompression bomb" in problem.message and "1 later layers are not read" in problem.message


def test_the_member_count_cap(tmp_path: Path) -> None:
    image = ImageSpec([many_files("one", 3), many_files("two", 3)])
    with open_image(docker_save(tmp_path / "image.tar", image), limits=ImageLimits(max_members=4)) as root:
        assert list(root.files()) == ["one/f000.txt", "one/f001.txt", "one/f002.txt", "two/f000.txt"]
        assert dict(root.stats.skipped) == {"too_many_members": 1}


def test_the_single_file_size_cap(tmp_path: Path) -> None:
    image = ImageSpec([layer(file("model.safetensors", bytes(4096)), file("config.json", "{}"))], gzip_layers=True)
    limits = ImageLimits(max_member_bytes=1024)
    with open_image(oci_directory(tmp_path, image), limits=limits) as root:
        assert list(root.files()) == ["config.json"]
        [problem] = root.stats.problems
        assert problem.reason == "member_too_large" and problem.location.path.endswith("!model.safetensors")


@pytest.mark.parametrize(
    ("damaged", "reason"),
    [
        (b"\x28\xb5\x2f\xfd" + bytes(64), "truncated_zstd"),  # a frame header, then empty blocks until the end
        (b"\x28\xb5\x2f\xfd\x08" + bytes(64), "invalid_zstd"),  # the reserved bit of the frame header
        (zst(layer(file("a", "a")))[:-2] + b"\x00\x00", "invalid_zstd"),  # the checksum does not match
        (b"\x13" * 2048, "invalid_zstd"),  # no frame at all, and the manifest says zstd
    ],
)
def test_a_damaged_zstd_layer_is_reported_and_the_others_read(tmp_path: Path, damaged: bytes, reason: str) -> None:
    first = layer(file("a", "a"))
    layout = oci_directory(tmp_path, ImageSpec([first, layer(file("b", "b"))], zstd_layers=True))
    blob(layout, zst(first)).write_bytes(damaged)
    with open_image(layout) as root:
        assert list(root.files()) == ["b"]
        assert root.read("b") == b"b"
        [problem] = root.stats.problems
        assert problem.reason == reason and problem.location.path.endswith(digest(zst(first))[7:])
        assert [info.compression for info in root.layers] == ["zstd", "zstd"]


def test_gnu_sparse_members_are_reported(tmp_path: Path) -> None:
    sparse = tarfile.TarInfo("var/lib/sparse.img")
    sparse.type = tarfile.GNUTYPE_SPARSE
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        archive.addfile(sparse)
        archive.addfile(file("ok", "ok").info, io.BytesIO(b"ok"))
    archive_path = docker_save(tmp_path / "image.tar", ImageSpec([buffer.getvalue()]))
    with open_image(archive_path) as root:
        assert list(root.files()) == ["ok"]
        assert dict(root.stats.skipped) == {"unsupported_member": 1}


def test_a_layer_file_path_outside_a_layout_directory_is_missing(tmp_path: Path) -> None:
    outside = tmp_path / "secret"
    outside.write_bytes(layer(file("stolen", "x")))
    layout = oci_directory(tmp_path, ImageSpec([layer(file("a", "a"))]))
    target = blob(layout, layer(file("a", "a")))
    target.unlink()
    target.symlink_to(outside)  # a blob that is a symlink leaving the layout
    with open_image(layout) as root:
        assert list(root.files()) == []
        assert dict(root.stats.skipped) == {"missing_blob": 1}


def test_members_are_normalised_before_whiteouts_apply(tmp_path: Path) -> None:
    image = ImageSpec([layer(file("etc/app.conf", "x")), layer(Member(file("./etc/.wh.app.conf", b"").info))])
    with open_image(docker_save(tmp_path / "image.tar", image)) as root:
        assert list(root.files()) == []
