"""Image archives and layouts: docker save (classic, Docker 25, gzipped), OCI layouts; choosing an image."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.unit.inventory.image_archives import (
    ImageSpec,
    digest,
    docker_save,
    edit_archive,
    file,
    gz,
    layer,
    oci_layout,
    write_tar,
    zst,
)

from jackwatch.errors import ConfigError, ContentError, SourceError
from jackwatch.inventory.image import ImageChoiceError, open_image
from jackwatch.inventory.image.layout import MANIFEST_TYPES

BASE = layer(file("etc/os-release", "ID=debian\n"), file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"))


def app(version: str, **options: object) -> ImageSpec:
    top = layer(file("srv/app/VERSION", version))
    return ImageSpec([BASE, top], tags=(f"registry.example.com/team/app:{version}",), **options)  # type: ignore[arg-type]


def test_docker_save_classic_layout(tmp_path: Path) -> None:
    image = app("1.0")
    with open_image(docker_save(tmp_path / "app.tar", image)) as root:
        assert root.repo_tags == ("registry.example.com/team/app:1.0",)
        assert root.image_id == digest(image.config())
        assert root.manifest_digest is None
        assert root.platform == "linux/amd64"
        assert root.read("srv/app/VERSION") == b"1.0"
        assert [info.compression for info in root.layers] == ["none", "none"]
        assert root.name == str(tmp_path / "app.tar")


def test_docker_save_of_docker_25_with_gzip_layers(tmp_path: Path) -> None:
    image = app("2.0", gzip_layers=True)
    with open_image(docker_save(tmp_path / "app.tar", image, modern=True)) as root:
        assert root.read("srv/app/VERSION") == b"2.0"
        assert [info.compression for info in root.layers] == ["gzip", "gzip"]
        assert [info.path for info in root.layers] == [f"blobs/sha256/{digest(blob)[7:]}" for blob in image.blobs()]


def test_gzipped_docker_save(tmp_path: Path) -> None:
    with open_image(docker_save(tmp_path / "app.tar.gz", app("1.0"), compress=True)) as root:
        assert root.read("etc/os-release") == b"ID=debian\n"


def test_oci_layout_directory_and_tarball(tmp_path: Path) -> None:
    image = app("1.0", gzip_layers=True)
    (tmp_path / "layout").mkdir()
    for where in (oci_layout(tmp_path / "layout", image), oci_layout(tmp_path / "oci.tar", image, tarball=True)):
        with open_image(where) as root:
            assert root.repo_tags == ("registry.example.com/team/app:1.0",)
            assert root.image_id == digest(image.config())
            assert root.manifest_digest is not None and root.manifest_digest.startswith("sha256:")
            assert [info.digest for info in root.layers] == [digest(blob) for blob in image.blobs()]
            assert [info.diff_id for info in root.layers] == [digest(data) for data in image.layers]
            assert root.read("srv/app/VERSION") == b"1.0"


def test_zstd_layers_in_an_oci_layout_directory_and_tarball(tmp_path: Path) -> None:
    image = app("1.0", zstd_layers=True)
    assert all(blob.startswith(b"\x28\xb5\x2f\xfd") for blob in image.blobs())
    (tmp_path / "layout").mkdir()
    for where in (oci_layout(tmp_path / "layout", image), oci_layout(tmp_path / "oci.tar", image, tarball=True)):
        with open_image(where) as root:
            assert [info.compression for info in root.layers] == ["zstd", "zstd"]
            assert [info.diff_id for info in root.layers] == [digest(data) for data in image.layers]
            assert list(root.files()) == ["etc/os-release", "etc/passwd", "srv/app/VERSION"]
            assert root.read("srv/app/VERSION") == b"1.0"
            assert root.read("etc/passwd") == b"root:x:0:0::/root:/bin/sh\n"
            assert root.read("etc/os-release") == b"ID=debian\n"  # back to the first file of a layer read before
            assert not root.stats.problems
            decoders = [stream.raw._decoder for stream in root._streams if stream is not None]  # type: ignore[attr-defined]
            assert decoders[1] is None  # released when another layer is read


def test_zstd_layers_with_docker_media_types_in_a_docker_25_save(tmp_path: Path) -> None:
    image = app("2.0", zstd_layers=True, media_types=["application/vnd.docker.image.rootfs.diff.tar.zstd"] * 2)
    (tmp_path / "layout").mkdir()
    for where in (oci_layout(tmp_path / "layout", image), docker_save(tmp_path / "app.tar", image, modern=True)):
        with open_image(where) as root:
            assert [info.compression for info in root.layers] == ["zstd", "zstd"]
            assert root.read("srv/app/VERSION") == b"2.0"
            assert not root.stats.problems


def test_a_zstd_layer_of_many_frames(tmp_path: Path) -> None:
    """zstd:chunked and the seekable format cut a layer in frames (and add skippable frames of their own)."""
    files = [file(f"srv/data/part{n:02}.txt", f"part {n}\n".encode() * 2000) for n in range(30)]
    data = layer(*files)
    skippable = b"\x50\x2a\x4d\x18" + (4).to_bytes(4, "little") + b"toc!"
    chunked = zst(data, frame_size=16 * 1024) + skippable
    image = ImageSpec([data], zstd_layers=True)
    layout = oci_layout(tmp_path / "image.tar", image, tarball=True)
    edit_archive(layout, {f"blobs/sha256/{digest(zst(data))[7:]}": chunked})
    with open_image(layout) as root:
        for member in reversed(files):
            assert root.read(member.info.name) == member.data
        assert not root.stats.problems


@pytest.mark.parametrize(
    ("compression", "declared"),
    [
        ("zstd", "application/vnd.oci.image.layer.v1.tar+gzip"),
        ("gzip", "application/vnd.oci.image.layer.v1.tar+zstd"),
        ("none", "application/vnd.oci.image.layer.v1.tar+zstd"),
        ("zstd", "application/vnd.docker.image.rootfs.diff.tar"),
    ],
)
def test_a_layer_whose_media_type_lies_is_read_as_its_bytes_show(
    tmp_path: Path, compression: str, declared: str
) -> None:
    image = app("1.0", media_types=[declared] * 2)
    packed = {"zstd": zst, "gzip": gz, "none": bytes}[compression]
    (tmp_path / "layout").mkdir()
    layout = oci_layout(tmp_path / "layout", image)
    for data in image.layers:  # the blobs as they really are, under the digests the manifest gives
        (layout / "blobs/sha256" / digest(data)[7:]).write_bytes(packed(data))
    with open_image(layout) as root:
        assert [info.compression for info in root.layers] == [compression] * 2
        assert root.read("srv/app/VERSION") == b"1.0"
        assert not root.stats.skipped  # nothing lost
        assert [problem.reason for problem in root.stats.problems] == ["media_type_mismatch"] * 2
        assert declared in root.stats.problems[0].message


def test_the_configuration_is_exposed(tmp_path: Path) -> None:
    image = app("1.0", env=("PATH=/usr/bin", "OPENAI_API_KEY=sk-proj-abc", "EMPTY="))
    with open_image(docker_save(tmp_path / "app.tar", image)) as root:
        config = root.config
    assert config.env == ("PATH=/usr/bin", "OPENAI_API_KEY=sk-proj-abc", "EMPTY=")
    assert config.environment == {"PATH": "/usr/bin", "OPENAI_API_KEY": "sk-proj-abc", "EMPTY": ""}
    assert config.entrypoint == ("python", "-m") and config.cmd == ("app.server",)
    assert (config.working_dir, config.user, config.created) == ("/srv/app", "app", "2024-05-01T10:00:02Z")
    assert config.labels == {"org.opencontainers.image.source": "https://example.org"}
    assert config.diff_ids == tuple(digest(data) for data in image.layers)
    commands = [(step.created_by, step.empty_layer, step.layer) for step in config.history]
    assert commands == [
        ("/bin/sh -c #(nop) ADD file:4b1d in / ", False, digest(BASE)),
        ("/bin/sh -c #(nop)  ENV LANG=C.UTF-8", True, None),
        ("RUN /bin/sh -c step 1 # buildkit", False, digest(image.layers[1])),
    ]


def test_a_configuration_of_the_wrong_shape_is_a_content_error(tmp_path: Path) -> None:
    image = app("1.0", extra_config={"config": {"Env": "OPENAI_API_KEY=sk-x"}})
    with pytest.raises(ContentError, match=r"config\.Env: expected a list of strings") as caught:
        open_image(docker_save(tmp_path / "app.tar", image))
    assert caught.value.location is not None and caught.value.location.path.endswith(".json")


def test_docker_save_with_two_images_sharing_a_layer(tmp_path: Path) -> None:
    archive = docker_save(tmp_path / "apps.tar", app("1.0"), app("2.0"))
    with pytest.raises(ImageChoiceError, match="holds 2 images: choose one with --image") as caught:
        open_image(archive)
    assert [choice.split(" (")[0] for choice in caught.value.choices] == [
        "registry.example.com/team/app:1.0",
        "registry.example.com/team/app:2.0",
    ]
    assert all("linux/amd64, sha256:" in choice for choice in caught.value.choices)
    second = app("2.0")
    image_id = digest(second.config())
    for query in ("registry.example.com/team/app:2.0", image_id, image_id[7:19], f"sha256:{image_id[7:19]}"):
        with open_image(archive, image=query) as root:
            assert root.read("srv/app/VERSION") == b"2.0"
            assert root.read("etc/os-release") == b"ID=debian\n"  # the shared layer, a symlink in the archive


def test_docker_references_are_matched_in_their_normal_form(tmp_path: Path) -> None:
    archive = docker_save(tmp_path / "apps.tar", ImageSpec([BASE], tags=("python:3.11-slim", "python:latest")))
    for query in ("python:3.11-slim", "docker.io/library/python:3.11-slim", "python", "docker.io/python:latest"):
        with open_image(archive, image=query) as root:
            assert root.repo_tags == ("python:3.11-slim", "python:latest")
    with pytest.raises(ImageChoiceError, match=r"no image is named 'python:3\.12'"):
        open_image(archive, image="python:3.12")
    with pytest.raises(ImageChoiceError, match="no image is named 'sha256:abc'"):
        open_image(archive, image="sha256:abc")  # too short to name anything


def test_an_oci_index_with_two_images(tmp_path: Path) -> None:
    layout = oci_layout(tmp_path / "two.tar", app("1.0"), app("2.0", gzip_layers=True), tarball=True)
    with pytest.raises(ImageChoiceError) as caught:
        open_image(layout)
    assert len(caught.value.choices) == 2 and "registry.example.com/team/app:2.0" in str(caught.value)
    with open_image(layout, image="registry.example.com/team/app:2.0") as root:
        assert root.read("srv/app/VERSION") == b"2.0"
        manifest = root.manifest_digest
    assert manifest is not None
    with open_image(layout, image=manifest) as root:
        assert root.read("srv/app/VERSION") == b"2.0"


def test_a_multi_platform_index_chooses_linux_amd64_unless_told(tmp_path: Path) -> None:
    amd64 = ImageSpec([BASE, layer(file("arch", "x86_64"))], platform="linux/amd64", gzip_layers=True)
    arm64 = ImageSpec([BASE, layer(file("arch", "aarch64"))], platform="linux/arm64/v8", gzip_layers=True)
    (tmp_path / "multi").mkdir()
    layout = oci_layout(tmp_path / "multi", amd64, arm64, multi_platform="app:1.0")
    with open_image(layout) as root:
        assert (root.read("arch"), root.platform, root.repo_tags) == (b"x86_64", "linux/amd64", ("app:1.0",))
    for platform in ("linux/arm64", "linux/arm64/v8"):
        with open_image(layout, image="app:1.0", platform=platform) as root:
            assert (root.read("arch"), root.platform) == (b"aarch64", "linux/arm64/v8")
    with pytest.raises(ImageChoiceError, match="no image for platform windows/amd64") as caught:
        open_image(layout, platform="windows/amd64")
    assert sorted(choice.split("(")[1].split(",")[0] for choice in caught.value.choices) == [
        "linux/amd64",
        "linux/arm64/v8",
    ]
    with pytest.raises(ConfigError, match="invalid platform"):
        open_image(layout, platform="amd64")


def test_platforms_missing_from_the_archive_are_not_chosen(tmp_path: Path) -> None:
    """Docker saves a multi-platform index whole, with the blobs of the platforms it pulled only."""
    amd64 = ImageSpec([BASE], platform="linux/amd64")
    arm64 = ImageSpec([BASE, layer(file("arch", "aarch64"))], platform="linux/arm64/v8")
    (tmp_path / "multi").mkdir()
    layout = oci_layout(tmp_path / "multi", amd64, arm64, multi_platform="app:1.0")
    index = json.loads((layout / "index.json").read_bytes())
    nested = json.loads((layout / "blobs/sha256" / index["manifests"][0]["digest"][7:]).read_bytes())
    (layout / "blobs/sha256" / nested["manifests"][0]["digest"][7:]).unlink()  # the amd64 manifest
    with open_image(layout) as root:
        assert root.read("arch") == b"aarch64"
    with pytest.raises(ImageChoiceError, match="no image for platform linux/amd64") as caught:
        open_image(layout, platform="linux/amd64")
    assert any("linux/amd64" in choice and "not in the archive" in choice for choice in caught.value.choices)


def test_attestation_manifests_are_not_images(tmp_path: Path) -> None:
    (tmp_path / "layout").mkdir()
    layout = oci_layout(tmp_path / "layout", app("1.0"))
    index = json.loads((layout / "index.json").read_bytes())
    attestation = dict(index["manifests"][0])
    attestation["annotations"] = {"vnd.docker.reference.type": "attestation-manifest"}
    attestation["platform"] = {"os": "unknown", "architecture": "unknown"}
    index["manifests"].append(attestation)
    index["manifests"].append({"mediaType": "application/vnd.in-toto+json", "digest": "sha256:" + "0" * 64})
    (layout / "index.json").write_text(json.dumps(index))
    with open_image(layout) as root:
        assert root.read("srv/app/VERSION") == b"1.0"
        assert dict(root.stats.skipped) == {"not_an_image": 1}


def test_a_docker_distribution_manifest_is_an_image_manifest() -> None:
    assert "application/vnd.docker.distribution.manifest.v2+json" in MANIFEST_TYPES


def test_what_is_not_an_image_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot open image"):
        open_image(tmp_path / "absent.tar")
    with pytest.raises(ContentError, match=r"no manifest\.json or index\.json"):
        open_image(write_tar(tmp_path / "plain.tar", [file("README", "hello")]))
    (tmp_path / "random.bin").write_bytes(b"\x01\x02 not a tar" * 100)
    with pytest.raises(ContentError, match="not a readable image archive"):
        open_image(tmp_path / "random.bin")
    (tmp_path / "image.tar.zst").write_bytes(zst(write_tar(tmp_path / "x.tar", [file("README", "x")]).read_bytes()))
    with pytest.raises(ContentError, match="zstd-compressed archive"):
        open_image(tmp_path / "image.tar.zst")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ContentError, match="neither a docker save archive nor an OCI image layout"):
        open_image(tmp_path / "empty")
    (tmp_path / "bad.tar.gz").write_bytes(gz(b"not a tar at all" * 64))
    with pytest.raises(ContentError, match="not a readable image archive"):
        open_image(tmp_path / "bad.tar.gz")
