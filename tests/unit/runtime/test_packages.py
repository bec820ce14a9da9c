"""Which distribution a file belongs to: RECORD entries, compiled files, unlisted files in package directories,
namespace packages, console scripts, links inside the root; reading a live root never leaves it."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from tests.unit.inventory.trees import install_wheel, write

from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.runtime.liveroot import LiveRoot
from jackwatch.runtime.packages import DirectoryIndex, PackageIndex, RootIndex
from jackwatch.sources.stats import ReadStats

SITE = "venv/lib/python3.11/site-packages"


@pytest.fixture
def top(tmp_path: Path) -> Path:
    site = tmp_path / SITE
    install_wheel(site, "openai", "1.30.1", modules=["openai", "openai/types"], scripts=["openai"])
    install_wheel(site, "anthropic", "0.25.0", modules=["anthropic"])
    install_wheel(site, "google-auth", "2.29.0", modules=["google/auth"])
    install_wheel(site, "protobuf", "4.25.3", modules=["google/protobuf"])
    write(site, "openai/data/models.json", "{}")  # not in RECORD: written after installation
    (tmp_path / "venv/lib64").symlink_to("lib")
    write(tmp_path, "etc/passwd", "root:x:0:0::/root:/bin/sh\n")
    return tmp_path


def owner(index: PackageIndex, path: str) -> str | None:
    found = index.lookup(path)
    return None if found is None else found.name


CASES = [
    (f"/{SITE}/openai/__init__.py", "openai"),
    (f"/{SITE}/openai/types/__init__.py", "openai"),
    (f"/{SITE}/openai/__pycache__/__init__.cpython-311.pyc", "openai"),
    (f"/{SITE}/openai/data/models.json", "openai"),
    (f"/{SITE}/openai-1.30.1.dist-info/METADATA", "openai"),
    (f"/{SITE}/anthropic/__init__.py", "anthropic"),
    (f"/{SITE}/google/protobuf/__init__.py", "protobuf"),
    (f"/{SITE}/google/protobuf/internal/api.py", "protobuf"),
    (f"/{SITE}/google/auth/__init__.py", "google-auth"),
    (f"/{SITE}/google/__init__.py", None),  # a namespace package: both have files below it
    (f"/{SITE}/six.py", None),
    ("/venv/bin/openai", "openai"),
    ("/etc/passwd", None),
    (f"{SITE}/openai/__init__.py", None),  # relative: the process's cwd is not known
    ("/", None),
]


@pytest.mark.parametrize(("path", "expected"), CASES)
def test_a_live_directory_index_finds_the_owner(top: Path, path: str, expected: str | None) -> None:
    assert owner(DirectoryIndex(str(top), ReadStats()), path) == expected


@pytest.mark.parametrize(("path", "expected"), CASES)
def test_a_root_index_finds_the_same_owner(top: Path, path: str, expected: str | None) -> None:
    stats = ReadStats()
    assert owner(RootIndex(DirectoryRoot(top, stats), stats), path) == expected


def test_paths_through_links_inside_the_root_are_resolved(top: Path) -> None:
    index = DirectoryIndex(str(top), ReadStats())
    assert owner(index, "/venv/lib64/python3.11/site-packages/anthropic/__init__.py") == "anthropic"


def test_a_live_index_reads_each_site_directory_once_and_reports_what_it_found(top: Path) -> None:
    index = DirectoryIndex(str(top), ReadStats())
    assert index.drain_new() == []
    assert owner(index, f"/{SITE}/anthropic/__init__.py") == "anthropic"
    assert sorted(package.name for package in index.drain_new()) == ["anthropic", "google-auth", "openai", "protobuf"]
    assert owner(index, f"/{SITE}/openai/__init__.py") == "openai"
    assert index.drain_new() == []


def test_executing_a_virtualenvs_interpreter_indexes_its_site_directory(top: Path) -> None:
    index = DirectoryIndex(str(top), ReadStats())
    index.note_program("/venv/bin/python3")
    assert {package.name for package in index.drain_new()} == {"anthropic", "google-auth", "openai", "protobuf"}
    index.note_program("/usr/bin/true")
    assert index.drain_new() == []


def test_the_system_site_directories_are_indexed_first(tmp_path: Path) -> None:
    install_wheel(tmp_path / "usr/lib/python3/dist-packages", "requests", "2.31.0", modules=["requests"])
    install_wheel(tmp_path / "usr/local/lib/python3.11/dist-packages", "numpy", "1.26.4", modules=["numpy"])
    index = DirectoryIndex(str(tmp_path), ReadStats())
    assert owner(index, "/usr/local/lib/python3.11/dist-packages/numpy/__init__.py") == "numpy"
    assert {package.name for package in index.drain_new()} == {"numpy", "requests"}


def test_a_root_index_gives_every_distribution_at_once(top: Path) -> None:
    stats = ReadStats()
    index = RootIndex(DirectoryRoot(top, stats), stats)
    assert {package.name for package in index.drain_new()} == {"anthropic", "google-auth", "openai", "protobuf"}
    assert index.drain_new() == []


def test_a_live_root_never_reads_outside_its_top(tmp_path: Path) -> None:
    top = tmp_path / "container"
    write(top, "etc/hostname", "app\n")
    (top / "escape").symlink_to("/etc")
    (top / "up").symlink_to("../../..")
    (top / "loop").symlink_to("loop")
    root = LiveRoot(str(top))
    assert root.read("escape/hostname") == b"app\n"  # /etc of the container, not of this machine
    assert root.resolve("up/etc/hostname") == "etc/hostname"
    assert root.resolve("../../etc/hostname") == "etc/hostname"
    with pytest.raises(FileNotFoundError):
        root.read("escape/passwd")
    with pytest.raises(OSError) as raised:
        root.read("loop/x")
    assert raised.value.errno == errno.ELOOP
    with pytest.raises(OSError):
        root.read("etc")
    assert root.listdir("escape") == ["hostname"] and root.is_dir("up") and not root.is_dir("missing")


def test_a_live_root_refuses_files_too_large(tmp_path: Path) -> None:
    write(tmp_path, "big", b"x" * 100)
    with pytest.raises(OSError, match="more than"):
        LiveRoot(str(tmp_path)).read("big", limit=10)


def test_a_processs_root_is_read_through_proc(top: Path) -> None:
    root = LiveRoot(f"/proc/{os.getpid()}/root")
    assert root.read(str(top / "etc/passwd").lstrip("/")).startswith(b"root:")
