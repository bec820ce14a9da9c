"""Layer semantics of image roots: replacement, whiteouts, opaque directories, links, unsafe member names.

Every test runs on each archive format (docker save classic, Docker 25, gzipped; OCI directory and tarball)
with plain and gzip layers, since each reads layers through different streams.
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.unit.inventory.image_archives import (
    ImageSpec,
    Member,
    digest,
    directory,
    docker_save,
    file,
    hardlink,
    layer,
    oci_layout,
    opaque,
    symlink,
    whiteout,
)

from jackwatch.inventory.image import ImageRoot, open_image
from jackwatch.inventory.root import FileTooLarge

Writer = Callable[[Path, ImageSpec], Path]
WRITERS: dict[str, Writer] = {
    "docker-save": lambda top, image: docker_save(top / "image.tar", image),
    "docker-save-25": lambda top, image: docker_save(top / "image.tar", image, modern=True),
    "docker-save-gzipped": lambda top, image: docker_save(top / "image.tar.gz", image, compress=True),
    "oci-directory": lambda top, image: oci_layout(top / "layout", image),
    "oci-tarball": lambda top, image: oci_layout(top / "oci.tar", image, tarball=True),
}
SITE = "usr/local/lib/python3.11/site-packages"
IMAGE_PASSWD = "root:x:0:0:root in the image:/root:/bin/sh\n"


@pytest.fixture(
    params=[(name, packed) for name in WRITERS for packed in (False, True)],
    ids=lambda p: f"{p[0]}-{'gz' if p[1] else 'tar'}",
)
def build(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., ImageRoot]]:
    """Open an image made of the given layers, written in the parametrized format."""
    name, packed = request.param
    opened: list[ImageRoot] = []

    def make(*layers: bytes) -> ImageRoot:
        root = open_image(WRITERS[name](tmp_path, ImageSpec(layers, gzip_layers=packed)))
        opened.append(root)
        return root

    yield make
    for root in opened:
        root.close()


def contents(root: ImageRoot) -> dict[str, bytes]:
    return {path: root.read(path) for path in root.files()}


def reasons(root: ImageRoot) -> dict[str, int]:
    return dict(root.stats.skipped)


def three_layers() -> tuple[bytes, bytes, bytes]:
    base = layer(
        directory("etc"),
        file("etc/passwd", IMAGE_PASSWD),
        file("etc/os-release", 'ID=debian\nVERSION_ID="12"\n'),
        directory("opt/app"),
        file("opt/app/config.yaml", "debug: false\n"),
        file("opt/app/old.py", "print('v1')\n"),
        directory("opt/cache"),
        file("opt/cache/a", "a"),
        file("opt/cache/sub/b", "b"),
        file(f"{SITE}/requests-2.31.0.dist-info/METADATA", "Name: requests\nVersion: 2.31.0\n"),
        file(f"{SITE}/requests-2.31.0.dist-info/RECORD", "requests/__init__.py,,\n"),
    )
    update = layer(
        whiteout("opt/app/old.py"),
        file("opt/cache/new", "fresh"),  # before the opaque marker of its own directory: it must survive
        opaque("opt/cache"),
        file("etc/os-release", 'ID=debian\nVERSION_ID="12.5"\n'),
        whiteout(f"{SITE}/requests-2.31.0.dist-info"),
        file(f"{SITE}/requests-2.32.3.dist-info/METADATA", "Name: requests\nVersion: 2.32.3\n"),
    )
    top = layer(
        file("opt/app/old.py", "print('v3')\n"),
        opaque("opt/app"),
        file("opt/app/main.py", "print('main')\n"),
        whiteout("etc/passwd"),
    )
    return base, update, top


def test_whiteouts_and_opaque_directories_across_three_layers(build: Callable[..., ImageRoot]) -> None:
    base, update, top = three_layers()
    root = build(base, update, top)
    assert contents(root) == {
        "etc/os-release": b'ID=debian\nVERSION_ID="12.5"\n',
        "opt/cache/new": b"fresh",
        f"{SITE}/requests-2.32.3.dist-info/METADATA": b"Name: requests\nVersion: 2.32.3\n",
        "opt/app/old.py": b"print('v3')\n",
        "opt/app/main.py": b"print('main')\n",
    }
    assert root.layer("etc/os-release") == digest(update)
    assert root.layer("opt/app/old.py") == digest(top)
    assert root.layer("opt/cache/new") == digest(update)
    assert [info.diff_id for info in root.layers] == [digest(base), digest(update), digest(top)]
    assert not root.stats.problems
    assert root.stats.files_read == 3


def test_files_are_listed_in_archive_order_and_read_whole(build: Callable[..., ImageRoot]) -> None:
    base, update, top = three_layers()
    root = build(base, update, top)
    listed = list(root.files())
    assert listed == [
        "opt/cache/new",
        "etc/os-release",
        f"{SITE}/requests-2.32.3.dist-info/METADATA",
        "opt/app/old.py",
        "opt/app/main.py",
    ]
    # reading backwards (against the archive order) gives the same bytes
    assert {path: root.read(path) for path in reversed(listed)} == contents(root)


def test_a_file_replaced_in_a_later_layer_reads_its_last_version(build: Callable[..., ImageRoot]) -> None:
    first = layer(file("app/settings.py", "DEBUG = True\n"), file("app/keep.py", "x = 1\n"))
    second = layer(file("app/unrelated.txt", "-"))
    third = layer(file("app/settings.py", "DEBUG = False\n"))
    root = build(first, second, third)
    assert root.read("app/settings.py") == b"DEBUG = False\n"
    assert root.layer("app/settings.py") == digest(third)
    assert root.layer("app/keep.py") == digest(first)


def test_a_directory_replaced_by_a_file_hides_its_content(build: Callable[..., ImageRoot]) -> None:
    root = build(
        layer(directory("opt/data"), file("opt/data/model.bin", "weights"), file("opt/conf", "flat")),
        layer(file("opt/data", "now a file"), file("opt/conf/app.yaml", "nested: true\n")),
    )
    assert contents(root) == {"opt/data": b"now a file", "opt/conf/app.yaml": b"nested: true\n"}


def test_hard_links_share_the_data_of_their_target(build: Callable[..., ImageRoot]) -> None:
    interpreter = b"\x7fELF python"
    base = layer(file("usr/bin/python3.11", interpreter, 0o755), hardlink("usr/bin/python3", "usr/bin/python3.11"))
    later = layer(hardlink("usr/local/bin/python", "usr/bin/python3.11"))
    root = build(base, later)
    assert root.read("usr/bin/python3") == root.read("usr/local/bin/python") == interpreter
    assert root.layer("usr/bin/python3") == digest(base)
    assert root.layer("usr/local/bin/python") == digest(later)
    assert sorted(root.files()) == ["usr/bin/python3", "usr/bin/python3.11", "usr/local/bin/python"]


def test_a_hard_link_to_nothing_is_skipped_and_reported(build: Callable[..., ImageRoot]) -> None:
    root = build(layer(file("a", "a"), hardlink("b", "missing/file"), hardlink("c", "../../etc/shadow")))
    assert list(root.files()) == ["a"]
    assert reasons(root) == {"dangling_link": 1, "path_escape": 1}
    where = {problem.reason: problem.location.path for problem in root.stats.problems}
    assert where["dangling_link"].endswith("!b") and where["path_escape"].endswith("!c")


def test_symlinks_resolve_inside_the_image_never_on_the_host(build: Callable[..., ImageRoot]) -> None:
    root = build(
        layer(
            file("etc/passwd", IMAGE_PASSWD),
            symlink("srv/passwd", "/etc/passwd"),
            symlink("srv/climbing", "../../../../../../etc/passwd"),
            symlink("srv/relative", "../etc/passwd"),
        )
    )
    for link in ("srv/passwd", "srv/climbing", "srv/relative"):
        assert root.read(link) == IMAGE_PASSWD.encode()
        assert root.layer(link) == root.layer("etc/passwd")
    assert list(root.files()) == ["etc/passwd"]  # symlinks are not files of their own


def test_symlinked_directories_are_followed_when_reading_and_unpacking(build: Callable[..., ImageRoot]) -> None:
    root = build(
        layer(directory("usr/lib"), symlink("lib", "usr/lib"), file("usr/lib/os-release", "ID=debian\n")),
        layer(file("lib/libssl.so.3", "\x7fELF ssl")),  # lands where the symlink leads, as when unpacked
    )
    assert sorted(root.files()) == ["usr/lib/libssl.so.3", "usr/lib/os-release"]
    assert root.read("lib/os-release") == b"ID=debian\n"
    assert root.read("/lib/libssl.so.3") == root.read("usr/lib/libssl.so.3") == b"\x7fELF ssl"


def test_symlink_loops_and_dangling_links_cannot_be_read(build: Callable[..., ImageRoot]) -> None:
    root = build(layer(symlink("a", "b"), symlink("b", "a"), symlink("c", "/nowhere"), directory("d")))
    with pytest.raises(OSError, match="symbolic links"):
        root.read("a")
    with pytest.raises(FileNotFoundError):
        root.read("c")
    with pytest.raises(IsADirectoryError):
        root.read("d")
    with pytest.raises(FileNotFoundError):
        root.layer("nothing/here")


def test_a_member_climbing_out_is_refused_and_reported(build: Callable[..., ImageRoot]) -> None:
    root = build(layer(file("../../escape", "pwned"), file("app/../../../escape2", "pwned"), file("ok", "fine")))
    assert list(root.files()) == ["ok"]
    assert reasons(root) == {"path_escape": 2}
    assert {problem.location.path.rpartition("!")[2] for problem in root.stats.problems} == {
        "../../escape",
        "app/../../../escape2",
    }


def test_an_absolute_member_is_read_as_relative_and_reported(build: Callable[..., ImageRoot]) -> None:
    root = build(layer(file("/etc/shadow", "root:*:19000::::::\n"), file("./usr/bin/env", "#!")))
    assert root.read("etc/shadow") == b"root:*:19000::::::\n"
    assert root.read("usr/bin/env") == b"#!"
    [problem] = root.stats.problems
    assert problem.reason == "absolute_member" and problem.location.path.endswith("!/etc/shadow")
    assert root.stats.events_skipped == 0  # nothing was lost


def test_reading_past_the_limit_raises_file_too_large(build: Callable[..., ImageRoot]) -> None:
    root = build(layer(file("big.bin", bytes(5000))))
    assert root.read("big.bin", limit=5000) == bytes(5000)
    with pytest.raises(FileTooLarge):
        root.read("big.bin", limit=4999)


def test_devices_and_fifos_shadow_lower_files_but_are_not_listed(build: Callable[..., ImageRoot]) -> None:
    fifo = tarfile.TarInfo("run/pipe")
    fifo.type = tarfile.FIFOTYPE
    root = build(layer(file("run/pipe", "was a file")), layer(Member(fifo)))
    assert list(root.files()) == []
    with pytest.raises(OSError, match="not a regular file"):
        root.read("run/pipe")
