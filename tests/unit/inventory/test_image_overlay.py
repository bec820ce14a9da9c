"""Property: the merged view of any stack of layers is what unpacking them onto a real filesystem gives.

The oracle unpacks each layer into a directory with file-system calls, as an overlay mount shows it: the
whiteout markers first (``.wh.NAME`` removes ``NAME``, ``.wh..wh..opq`` empties its directory), then the
entries (a file replaces a directory and the reverse; parents are made directories).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.inventory.image_archives import ImageSpec, Member, directory, file, layer, oci_layout, opaque, whiteout

from jackwatch.inventory.image import open_image

paths = st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3).map("/".join)
entries = st.dictionaries(paths, st.one_of(st.none(), st.binary(min_size=0, max_size=8)), max_size=6)
markers = st.lists(st.tuples(st.sampled_from(["whiteout", "opaque"]), paths), max_size=3)
stacks = st.lists(st.tuples(markers, entries), min_size=1, max_size=4)


def consistent(found: dict[str, bytes | None]) -> dict[str, bytes | None]:
    """Drop entries under a file of the same layer (a tar cannot hold both ``a`` as a file and ``a/b``)."""
    return {
        path: data
        for path, data in found.items()
        if not any(found.get(path[:at]) is not None for at in range(len(path)) if path[at] == "/")
    }


def make_directory(top: Path, relative: str) -> None:
    """``relative`` becomes a directory, files in the way are replaced."""
    current = top
    for part in relative.split("/"):
        current = current / part
        if current.is_file():
            current.unlink()
        current.mkdir(exist_ok=True)


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def unpack(top: Path, stack: list[tuple[list[tuple[str, str]], dict[str, bytes | None]]]) -> dict[str, bytes]:
    for markers_of_layer, found in stack:
        for kind, path in markers_of_layer:
            if kind == "opaque":
                make_directory(top, path)
                for child in (top / path).iterdir():
                    remove(child)
            else:
                parent, _, _ = path.rpartition("/")
                if parent:
                    make_directory(top, parent)
                remove(top / path)
        for path, data in consistent(found).items():
            parent, _, _ = path.rpartition("/")
            if parent:
                make_directory(top, parent)
            target = top / path
            if data is None:
                if not target.is_dir():
                    remove(target)
                    target.mkdir()
            else:
                remove(target)
                target.write_bytes(data)
    return {
        str(Path(folder, name).relative_to(top)): Path(folder, name).read_bytes()
        for folder, _, names in os.walk(top)
        for name in names
    }


def as_layer(markers_of_layer: list[tuple[str, str]], found: dict[str, bytes | None]) -> bytes:
    members: list[Member] = [opaque(path) if kind == "opaque" else whiteout(path) for kind, path in markers_of_layer]
    members += [directory(path) if data is None else file(path, data) for path, data in consistent(found).items()]
    return layer(*members)


@settings(max_examples=80, deadline=None)
@given(stack=stacks, packed=st.booleans())
def test_the_merged_view_is_the_unpacked_filesystem(
    stack: list[tuple[list[tuple[str, str]], dict[str, bytes | None]]], packed: bool
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        top = Path(scratch)
        (top / "unpacked").mkdir()
        (top / "layout").mkdir()
        expected = unpack(top / "unpacked", stack)
        image = ImageSpec([as_layer(*item) for item in stack], gzip_layers=packed)
        with open_image(oci_layout(top / "layout", image)) as root:
            assert {path: root.read(path) for path in root.files()} == expected
            assert not root.stats.problems
