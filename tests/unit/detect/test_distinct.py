"""Events read twice pass once: the same source, id and time within the horizon; everything else passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from jackwatch.detect.distinct import DUPLICATE, HORIZON, distinct_events
from jackwatch.model import Event
from jackwatch.sources.stats import ReadStats

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


def at(seconds: float, event_id: str = "e", origin: str = "a.json", source: str = "test") -> Event:
    return Event(source, "Call", T0 + timedelta(seconds=seconds), event_id, {}, origin)


def passed(events: list[Event], horizon: timedelta = HORIZON, limit: int = 100_000) -> tuple[list[Event], ReadStats]:
    stats = ReadStats(events_read=len(events))
    return list(distinct_events(events, stats, horizon, limit)), stats


def test_a_record_read_twice_passes_once_and_is_counted_as_skipped() -> None:
    first, again = at(10, "req-1", "a.json"), at(10, "req-1", "b.json")
    kept, stats = passed([first, at(20, "req-2"), again])
    assert kept == [first, at(20, "req-2")]
    assert stats.events_read == 2
    assert stats.skipped == {DUPLICATE: 1}
    (problem,) = stats.problems
    assert str(problem.location) == "b.json"
    assert "test event req-1" in problem.message and "read before" in problem.message


def test_same_id_at_another_time_or_from_another_source_is_another_event() -> None:
    events = [at(10, "req-1"), at(11, "req-1"), at(10, "req-1", source="other")]
    kept, stats = passed(events)
    assert kept == events
    assert not stats.skipped


def test_a_file_read_twice_is_one_problem_with_every_copy_counted() -> None:
    step = HORIZON.total_seconds() / 300  # the file's events within the horizon
    copy = [at(n * step, f"req-{n}") for n in range(300)]
    kept, stats = passed(copy + [at(n * step, f"req-{n}", "b.json") for n in range(300)])
    assert kept == copy
    assert stats.skipped == {DUPLICATE: 300}
    assert len(stats.problems) == 1


def test_a_copy_two_horizons_behind_its_first_is_not_recognised() -> None:
    horizon = HORIZON.total_seconds()
    early, middle, late = at(0, "req-1"), at(2 * horizon, "req-2"), at(4 * horizon, "req-3")
    copies = [at(0, "req-1", "b.json"), at(2 * horizon, "req-2", "b.json")]
    kept, stats = passed([early, middle, late, *copies])
    # the early event's id has been forgotten by the time its copy comes; the middle one's is still remembered
    assert kept == [early, middle, late, copies[0]]
    assert stats.skipped == {DUPLICATE: 1}


def test_an_event_stamped_years_ahead_does_not_keep_every_id_after_it() -> None:
    ahead = at(timedelta(days=3650).total_seconds(), "req-future")
    stream = [ahead, *(at(n, f"req-{n}") for n in range(30))]
    copies = [at(0, "req-0", "b.json"), at(29, "req-29", "b.json")]
    kept, stats = passed([*stream, *copies], limit=10)
    # generations of ten ids: the first event's id is long forgotten, the last one's is still remembered
    assert kept == [*stream, copies[0]]
    assert stats.skipped == {DUPLICATE: 1}


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), st.sampled_from(["a", "b"])), max_size=80))
def test_within_the_horizon_the_first_copy_of_each_event_passes_in_order(draws: list[tuple[int, int, str]]) -> None:
    step = HORIZON.total_seconds() / 3  # times from 0 to the horizon
    events = [at(offset * step, f"req-{number}", origin=f"{origin}.json") for number, offset, origin in draws]
    kept, stats = passed(events)
    first: dict[tuple[str, datetime], Event] = {}
    for event in events:
        first.setdefault((event.id, event.time), event)
    assert kept == list(first.values())
    assert all(kept_event is first[(kept_event.id, kept_event.time)] for kept_event in kept)
    assert stats.events_read == len(kept)
    assert stats.events_read + stats.events_skipped == len(events)
