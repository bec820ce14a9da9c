"""Member names made safe, symlinks resolved as inside a chroot: no path ever leaves the image root."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jackwatch.inventory.image.paths import (
    MAX_SYMLINKS,
    MemberName,
    SymlinkLoop,
    ancestors,
    normalize_member,
    resolve,
)
from jackwatch.inventory.image.refs import Platform, names_image, normalize_reference


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("usr/bin/python3", MemberName("usr/bin/python3")),
        ("./usr//bin/./python3", MemberName("usr/bin/python3")),
        ("etc/", MemberName("etc")),
        ("./", MemberName("")),
        ("a/b/../c", MemberName("a/c")),
        ("/etc/shadow", MemberName("etc/shadow", absolute=True)),
        ("//etc/shadow", MemberName("etc/shadow", absolute=True)),
        ("/../../etc/cron.d/x", MemberName("etc/cron.d/x", absolute=True)),
        ("../../escape", MemberName(None)),
        ("a/../../escape", MemberName(None)),
        ("..", MemberName(None)),
    ],
)
def test_member_names_are_normalised_or_refused(name: str, expected: MemberName) -> None:
    assert normalize_member(name) == expected


def test_ancestors() -> None:
    assert ancestors("a/b/c") == ["a", "a/b"]
    assert ancestors("a") == []


LINKS = {
    "lib": "usr/lib",
    "usr/lib/python3": "python3.11",
    "etc/alternatives/python": "/usr/bin/python3.11",
    "usr/bin/python": "../../etc/alternatives/python",
    "up": "../../../../..",
    "loop1": "loop2",
    "loop2": "/loop1",
}


@pytest.mark.parametrize(
    ("path", "follow_last", "expected"),
    [
        ("lib/python3/site.py", True, "usr/lib/python3.11/site.py"),
        ("/lib/python3", True, "usr/lib/python3.11"),
        ("lib/python3", False, "usr/lib/python3"),
        ("usr/bin/python", True, "usr/bin/python3.11"),
        ("up/etc/passwd", True, "etc/passwd"),
        ("../../../etc/passwd", True, "etc/passwd"),
        ("nowhere/x", True, "nowhere/x"),
        ("", True, ""),
    ],
)
def test_symlinks_are_followed_within_the_root(path: str, follow_last: bool, expected: str) -> None:
    assert resolve(path, LINKS.get, follow_last) == expected


def test_symlink_loops_stop() -> None:
    with pytest.raises(SymlinkLoop):
        resolve("loop1/x", LINKS.get)
    chain = {f"l{n}": f"l{n + 1}" for n in range(MAX_SYMLINKS)}
    assert resolve("l0", chain.get) == f"l{MAX_SYMLINKS}"
    chain[f"l{MAX_SYMLINKS}"] = "end"
    with pytest.raises(SymlinkLoop):
        resolve("l0", chain.get)


components = st.sampled_from(["a", "b", "etc", "..", ".", "", "lib"])
link_paths = st.lists(components, min_size=1, max_size=4).map("/".join)
targets = st.tuples(st.booleans(), link_paths).map(lambda pair: ("/" if pair[0] else "") + pair[1])


@given(path=targets, links=st.dictionaries(link_paths.map(lambda p: p.strip("/")), targets, max_size=6))
def test_resolution_never_leaves_the_root(path: str, links: dict[str, str]) -> None:
    try:
        resolved = resolve(path, links.get)
    except SymlinkLoop:
        return
    parts = resolved.split("/") if resolved else []
    assert all(part not in ("", ".", "..") for part in parts)


@given(name=st.lists(st.sampled_from(["a", "..", ".", "", "b"]), max_size=6).map("/".join), absolute=st.booleans())
def test_normalised_names_never_climb(name: str, absolute: bool) -> None:
    normal = normalize_member(("/" if absolute else "") + name)
    if normal.path is None:
        assert not absolute
    else:
        assert all(part not in (".", "..", "") for part in normal.path.split("/")) or normal.path == ""


@given(
    name=st.lists(st.sampled_from(["a", "b.c", ".x", "x..", "..y", ".", "..", ""]), max_size=5).map("/".join),
    lead=st.sampled_from(["", "/", "./", "//"]),
)
def test_normalisation_is_posix_normalisation_inside_the_root(name: str, lead: str) -> None:
    member = lead + name
    relative = posixpath.normpath(member)
    climbs = not member.startswith("/") and (relative == ".." or relative.startswith("../"))
    expected = None if climbs else posixpath.normpath("/" + member).lstrip("/")
    assert normalize_member(member).path == expected


@pytest.mark.parametrize(
    ("reference", "normal"),
    [
        ("python", "docker.io/library/python:latest"),
        ("python:3.11-slim", "docker.io/library/python:3.11-slim"),
        ("index.docker.io/library/python:3.11", "docker.io/library/python:3.11"),
        ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
        ("ghcr.io/org/app", "ghcr.io/org/app:latest"),
        ("localhost:5000/app:dev", "localhost:5000/app:dev"),
        ("localhost/app", "localhost/app:latest"),
        ("app@sha256:" + "a" * 64, "docker.io/library/app@sha256:" + "a" * 64),
    ],
)
def test_references_in_their_normal_form(reference: str, normal: str) -> None:
    assert normalize_reference(reference) == normal


def test_images_are_named_by_reference_or_digest() -> None:
    digest = "sha256:" + "0123456789abcdef" * 4
    assert names_image("app:1.0", ["docker.io/library/app:1.0"], [])
    assert names_image("latest", ["latest"], [])  # an OCI ref.name that is a bare tag
    assert not names_image("app:1.1", ["app:1.0"], [digest])
    assert names_image(digest, [], [digest])
    assert names_image("0123456789ab", [], [digest])
    assert names_image("app@" + digest, [], [digest])
    assert not names_image("0123456789a", [], [digest])  # 11 digits: too short to be a digest prefix
    assert not names_image("sha256:0123", [], [digest])


def test_platforms() -> None:
    assert str(Platform.parse("Linux/ARM64/v8")) == "linux/arm64/v8"
    assert Platform.parse("linux/arm64").accepts(Platform("linux", "arm64", "v8"))
    assert Platform.parse("linux/arm64/v8").accepts(Platform("linux", "arm64"))
    assert not Platform.parse("linux/arm/v7").accepts(Platform("linux", "arm", "v6"))
    assert not Platform.parse("linux/amd64").accepts(Platform("windows", "amd64"))
