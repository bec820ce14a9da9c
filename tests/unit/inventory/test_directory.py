"""The directory root: a sorted walk that never leaves the directory, and reads with a size limit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.unit.inventory.trees import reasons, write

from jackwatch.errors import SourceError
from jackwatch.inventory.directory import DirectoryRoot, PathOutsideRoot
from jackwatch.inventory.root import FileTooLarge
from jackwatch.sources.stats import ReadStats


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    top = tmp_path / "app"
    write(top, "b.txt", "b")
    write(top, "a/z.py", "z")
    write(top, "a/b/c.py", "c")
    write(top, "a-b.txt", "dash")
    write(top, ".hidden/config", "x")
    return top


def test_the_walk_lists_every_regular_file_sorted_as_posix_relative_paths(tree: Path) -> None:
    root = DirectoryRoot(tree)
    assert list(root.files()) == [".hidden/config", "a-b.txt", "a/b/c.py", "a/z.py", "b.txt"]
    assert root.name == str(tree)
    assert root.layer("a/z.py") is None


def test_the_walk_is_done_once_and_its_problems_reported_once(tree: Path, tmp_path: Path) -> None:
    (tree / "escape").symlink_to(tmp_path)
    stats = ReadStats()
    root = DirectoryRoot(tree, stats)
    first = list(root.files())
    write(tree, "late.txt", "added after the walk")
    assert list(root.files()) == first
    assert reasons(stats) == [("symlink_outside_root", f"{tree}/escape")]


def test_links_inside_the_root_are_followed_for_files_not_descended_for_directories(tree: Path) -> None:
    (tree / "link.py").symlink_to("a/z.py")
    (tree / "a/up.txt").symlink_to("../b.txt")
    (tree / "alias").symlink_to("a", target_is_directory=True)  # lib64 -> lib in every virtualenv
    stats = ReadStats()
    root = DirectoryRoot(tree, stats)
    files = list(root.files())
    assert "link.py" in files and "a/up.txt" in files
    assert not any(path.startswith("alias/") for path in files)
    assert root.read("link.py") == b"z" and root.read("a/up.txt") == b"b"
    assert stats.problems == []


def test_links_leaving_the_root_are_skipped_and_reported_relative_or_absolute(tree: Path, tmp_path: Path) -> None:
    write(tmp_path, "secret.txt", "outside")
    (tree / "rel").symlink_to("../secret.txt")
    (tree / "abs").symlink_to(tmp_path / "secret.txt")
    (tree / "a/dir").symlink_to("../../", target_is_directory=True)
    (tree / "a/b/python3").symlink_to("/usr/bin/python3")
    stats = ReadStats()
    files = list(DirectoryRoot(tree, stats).files())
    assert files == [".hidden/config", "a-b.txt", "a/b/c.py", "a/z.py", "b.txt"]
    assert reasons(stats) == [
        ("symlink_outside_root", f"{tree}/a/b/python3"),
        ("symlink_outside_root", f"{tree}/a/dir"),
        ("symlink_outside_root", f"{tree}/abs"),
        ("symlink_outside_root", f"{tree}/rel"),
    ]
    assert stats.skipped["symlink_outside_root"] == 4
    assert "/usr/bin/python3" in stats.problems[0].message


def test_dangling_and_looping_links_are_reported(tree: Path) -> None:
    (tree / "gone").symlink_to("missing.txt")
    (tree / "loop").symlink_to("loop")
    stats = ReadStats()
    assert "gone" not in list(DirectoryRoot(tree, stats).files())
    assert reasons(stats) == [("dangling_symlink", f"{tree}/gone"), ("dangling_symlink", f"{tree}/loop")]
    assert "Too many levels" in stats.problems[1].message


def test_a_fifo_is_not_a_file_and_reading_it_does_not_block(tree: Path) -> None:
    os.mkfifo(tree / "pipe")
    root = DirectoryRoot(tree)
    assert "pipe" not in list(root.files())
    with pytest.raises(OSError, match="not a regular file"):
        root.read("pipe")


def test_read_returns_the_bytes_up_to_the_limit_and_refuses_more(tree: Path) -> None:
    write(tree, "big.bin", b"\0" * 1000)
    root = DirectoryRoot(tree)
    assert root.read("big.bin", limit=1000) == b"\0" * 1000
    with pytest.raises(FileTooLarge, match="1000 bytes, more than the 999"):
        root.read("big.bin", limit=999)


@pytest.mark.parametrize("path", ["../app/b.txt", "/etc/passwd", "a/../../x", ".."])
def test_read_refuses_paths_that_climb_out(tree: Path, path: str) -> None:
    with pytest.raises(PathOutsideRoot):
        DirectoryRoot(tree).read(path)


def test_read_refuses_a_link_whose_target_is_outside(tree: Path, tmp_path: Path) -> None:
    write(tmp_path, "secret.txt", "outside")
    (tree / "a/rel").symlink_to("../../secret.txt")
    (tree / "up").symlink_to("..", target_is_directory=True)
    root = DirectoryRoot(tree)
    for path in ("a/rel", "up/secret.txt"):
        with pytest.raises(PathOutsideRoot, match="resolves outside"):
            root.read(path)


def test_read_of_a_missing_file_or_a_directory_is_an_os_error(tree: Path) -> None:
    root = DirectoryRoot(tree)
    with pytest.raises(FileNotFoundError):
        root.read("nope.txt")
    with pytest.raises(OSError):
        root.read("a")


def test_the_root_must_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not a directory"):
        DirectoryRoot(tmp_path / "missing")
    with pytest.raises(SourceError, match="not a directory"):
        DirectoryRoot(write(tmp_path, "file.txt", "x"))


def test_a_root_given_through_a_link_is_walked_where_it_really_is(tree: Path, tmp_path: Path) -> None:
    (tmp_path / "current").symlink_to(tree, target_is_directory=True)
    root = DirectoryRoot(tmp_path / "current")
    assert list(root.files()) == list(DirectoryRoot(tree).files())
    assert root.read("a/z.py") == b"z"


_UNPRIVILEGED_SCAN = """
import json, sys
from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.inventory.discover import discover_packages
from jackwatch.sources.stats import ReadStats
stats = ReadStats()
packages = discover_packages(DirectoryRoot(sys.argv[1], stats), stats)
print(json.dumps({"packages": [p.name for p in packages], "problems": stats.as_dict()["problems"]}))
"""


@pytest.fixture
def world_readable_tree() -> Iterator[Path]:
    top = Path(tempfile.mkdtemp(prefix="jackwatch-perm-"))
    top.chmod(0o755)
    try:
        yield top
    finally:
        for path in top.rglob("*"):
            path.chmod(0o755)
        shutil.rmtree(top)


def _run_without_privileges(script: str, *args: str) -> dict[str, list[object]]:
    command = [sys.executable, "-c", script, *args]
    if os.geteuid() == 0:  # root reads everything: drop every capability, keep the uid (the interpreter is root's)
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot be denied")
        command = [setpriv, "--bounding-set=-all", "--inh-caps=-all", *command]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    result: dict[str, list[object]] = json.loads(done.stdout)
    return result


def test_unreadable_directories_and_files_are_reported_and_the_rest_scanned(world_readable_tree: Path) -> None:
    top = world_readable_tree
    write(top, "requirements.txt", "fastapi==0.109.0\n")
    write(top, "locked/requirements-dev.txt", "pytest==8.0.0\n")
    write(top, "api/requirements.txt", "httpx==0.27.0\n")
    (top / "locked").chmod(0o000)
    (top / "api/requirements.txt").chmod(0o000)
    result = _run_without_privileges(_UNPRIVILEGED_SCAN, str(top))
    assert result["packages"] == ["fastapi"]
    assert [(p["reason"], p["location"]) for p in result["problems"]] == [  # type: ignore[index]
        ("unreadable", f"{top}/locked"),
        ("unreadable", f"{top}/api/requirements.txt"),
    ]


def test_a_tree_deeper_than_the_stack_is_walked(tmp_path: Path) -> None:
    levels = [tmp_path / "/".join(["d"] * depth) for depth in range(1, 1101)]  # beyond the recursion limit
    for level in levels:  # made and removed level by level: pathlib and shutil would recurse
        level.mkdir()
    (levels[-1] / "requirements.txt").write_text("rich==13.7.1\n")
    try:
        assert list(DirectoryRoot(tmp_path).files()) == [f"{levels[-1].relative_to(tmp_path)}/requirements.txt"]
    finally:
        (levels[-1] / "requirements.txt").unlink()
        for level in reversed(levels):
            level.rmdir()
