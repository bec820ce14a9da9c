"""Reordering a roughly time-ordered stream: sorted when late events stay within bounds, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from jackwatch.detect.order import time_ordered
from jackwatch.model import Event

T0 = datetime(2025, 6, 10, 14, 0, tzinfo=UTC)


def at(seconds: float, name: str = "e") -> Event:
    return Event("test", name, T0 + timedelta(seconds=seconds), f"{name}@{seconds}", {})


def test_files_of_one_slot_are_merged_into_time_order() -> None:
    # two regions' files of the same five minutes, read one after the other
    region_a = [at(10, "a"), at(130, "a"), at(250, "a")]
    region_b = [at(5, "b"), at(125, "b"), at(260, "b")]
    ordered = list(time_ordered(region_a + region_b))
    assert [e.id for e in ordered] == ["b@5", "a@10", "b@125", "a@130", "a@250", "b@260"]


def test_events_later_than_the_lateness_bound_are_passed_on_not_dropped() -> None:
    stream = [at(0), at(400), at(900), at(100, "late")]
    ordered = list(time_ordered(stream, lateness=timedelta(minutes=5)))
    assert sorted(e.id for e in ordered) == sorted(e.id for e in stream)
    # released as soon as it comes, after 400 which it should precede: too late to reorder, but kept
    assert [e.id for e in ordered] == ["e@0", "e@400", "late@100", "e@900"]


def test_capacity_bounds_what_is_held() -> None:
    source = (at(float(n)) for n in range(10, 0, -1))  # strictly decreasing times
    released = [event.id for event in time_ordered(source, lateness=timedelta(hours=1), capacity=3)]
    assert len(released) == 10
    assert released[:1] == ["e@7.0"]  # the fourth event pushed the oldest held one out


@given(st.lists(st.floats(min_value=0, max_value=10_000, allow_nan=False), max_size=60), st.integers(0, 300))
def test_output_is_sorted_when_disorder_stays_within_the_bound(offsets: list[float], jitter: int) -> None:
    times = sorted(offsets)
    # disorder: each event may come up to ``jitter`` seconds after a later one
    shuffled = sorted(times, key=lambda t: t + (hash(t) % (jitter + 1)))
    ordered = list(time_ordered([at(t) for t in shuffled], lateness=timedelta(seconds=jitter + 1), capacity=1000))
    assert [e.time for e in ordered] == sorted(e.time for e in ordered)
    assert sorted(e.id for e in ordered) == sorted(at(t).id for t in shuffled)
