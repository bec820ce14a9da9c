"""OSV range evaluation: the specification's examples, and the compiled timeline against the specification's
pseudocode over generated event lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from jackwatch.vulns.ranges import Timeline
from jackwatch.vulns.versions import PEP440, SEMVER

Events = list[tuple[str, str]]


def reference(events: Sequence[tuple[str, str]], version: Any, parse: Callable[[str], Any], bottom: Any) -> bool:
    """``IncludedInRanges`` of the OSV specification, written as it is there: ``bottom`` stands for ``"0"``."""

    def bound(kind: str, text: str) -> Any:
        return bottom if kind == "introduced" and text == "0" else parse(text)

    limits = [text for kind, text in events if kind == "limit"]
    if limits and not any("*" in text or version < parse(text) for text in limits):
        return False
    vulnerable = False
    for kind, text in sorted(events, key=lambda event: bound(*event) if event[0] != "limit" else bottom):
        if kind == "introduced" and version >= bound(kind, text):
            vulnerable = True
        elif kind == "fixed" and version >= bound(kind, text):  # noqa: SIM114 (as the specification writes it)
            vulnerable = False
        elif kind == "last_affected" and version > bound(kind, text):
            vulnerable = False
    return vulnerable


def semver_range(*events: tuple[str, str]) -> Timeline[Any]:
    return Timeline.compile(list(events), SEMVER.parse)


def test_introduced_zero_alone_affects_every_version() -> None:
    timeline = semver_range(("introduced", "0"))
    assert all(SEMVER.parse(v) in timeline for v in ("0.0.0", "0.0.1-alpha", "1.0.0", "999.0.0"))


def test_fixed_excludes_the_fix_and_everything_after() -> None:
    timeline = semver_range(("introduced", "0"), ("fixed", "1.0.2"))
    assert SEMVER.parse("1.0.1") in timeline
    assert SEMVER.parse("1.0.2-rc.1") in timeline  # a pre-release of the fix precedes it
    assert SEMVER.parse("1.0.2") not in timeline
    assert SEMVER.parse("2.0.0") not in timeline


def test_multiple_introduced_fixed_pairs() -> None:
    timeline = semver_range(("introduced", "1.0.0"), ("fixed", "1.0.2"), ("introduced", "3.0.0"), ("fixed", "3.2.5"))
    inside = ["1.0.0", "1.0.1", "3.0.0", "3.2.4"]
    outside = ["0.9.9", "1.0.2", "2.5.0", "3.2.5", "4.0.0"]
    assert [SEMVER.parse(v) in timeline for v in inside] == [True] * 4
    assert [SEMVER.parse(v) in timeline for v in outside] == [False] * 5


def test_last_affected_includes_itself_only() -> None:
    timeline = Timeline.compile([("introduced", "0"), ("last_affected", "2.1.214")], PEP440.parse)
    assert PEP440.parse("2.1.214") in timeline
    assert PEP440.parse("2.1.214.post1") not in timeline
    assert PEP440.parse("2.1.215") not in timeline


def test_limit_bounds_the_range_and_star_is_infinite() -> None:
    limited = semver_range(("introduced", "1.0.0"), ("limit", "1.5.0"))
    assert SEMVER.parse("1.4.9") in limited
    assert SEMVER.parse("1.5.0") not in limited
    assert SEMVER.parse("9.0.0") in semver_range(("introduced", "1.0.0"), ("limit", "*"))


def test_events_are_sorted_before_the_walk() -> None:
    written = Timeline.compile([("fixed", "2.11.6"), ("introduced", "2.11"), ("introduced", "0")], PEP440.parse)
    assert PEP440.parse("2.10") in written
    assert PEP440.parse("2.11.5") in written
    assert PEP440.parse("2.11.6") not in written


def test_pep440_ordering_of_pre_post_and_dev_releases() -> None:
    timeline = Timeline.compile([("introduced", "1.0a1"), ("fixed", "1.0.post1")], PEP440.parse)
    assert [PEP440.parse(v) in timeline for v in ("1.0.dev0", "1.0a1", "1.0rc2", "1.0", "1.0.post0")] == [
        False,
        True,
        True,
        True,
        True,
    ]
    assert PEP440.parse("1.0.post1") not in timeline
    assert PEP440.parse("1.0.post1.dev0") in timeline


@pytest.mark.parametrize(
    "events",
    [
        pytest.param([("introduced", "0"), ("fixed", "not a version")], id="bad-version"),
        pytest.param([("introduced", "0"), ("patched", "1.0")], id="unknown-kind"),
    ],
)
def test_bad_events_are_a_value_error(events: Events) -> None:
    with pytest.raises(ValueError):
        Timeline.compile(events, PEP440.parse)


KINDS = st.sampled_from(["introduced", "fixed", "last_affected", "limit"])


@st.composite
def integer_events(draw: st.DrawFn) -> Events:
    events: Events = []
    for kind in draw(st.lists(KINDS, max_size=8)):
        choices = [str(n) for n in range(10)] + (["*"] if kind == "limit" else [])
        events.append((kind, draw(st.sampled_from(choices))))
    return events


@given(integer_events(), st.integers(0, 11))
def test_timeline_agrees_with_the_specification_on_integers(events: Events, version: int) -> None:
    timeline = Timeline.compile(events, int)
    assert (version in timeline) == reference(events, version, int, -1)


class _Bottom:
    """Below every version."""

    def __lt__(self, other: object) -> bool:
        return other is not self

    def __le__(self, other: object) -> bool:
        return True

    def __gt__(self, other: object) -> bool:
        return False

    def __ge__(self, other: object) -> bool:
        return other is self


_BOTTOM = _Bottom()


POOL = ["0.1", "1.0.dev0", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1", "1.0.1", "1.1", "2.0.dev3", "2.0", "1!0.1"]


@st.composite
def pep440_events(draw: st.DrawFn) -> Events:
    events: Events = []
    for kind in draw(st.lists(KINDS, max_size=8)):
        extra = ["0"] if kind == "introduced" else ["*"] if kind == "limit" else []
        events.append((kind, draw(st.sampled_from([*POOL, *extra]))))
    return events


@given(pep440_events(), st.sampled_from([*POOL, "1.0.0", "1.0+local", "3.0"]))
def test_timeline_agrees_with_the_specification_on_pep440_versions(events: Events, text: str) -> None:
    timeline = Timeline.compile(events, PEP440.parse)
    version = Version(text)
    assert (version in timeline) == reference(events, version, Version, _BOTTOM)
