from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.rules.ruleskit import REGISTRY, event

from jackwatch.model import Event
from jackwatch.rules.engine import Engine, compile_ruleset
from jackwatch.rules.loader import load_texts
from jackwatch.rules.spec import Match, NewValue, Periodic, Sequence, Threshold
from jackwatch.rules.stateful import (
    MAX_PENDING,
    THRESHOLD_SAMPLE,
    SpecError,
    format_duration,
    override_stateful,
    parse_duration,
    parse_periodic,
    parse_threshold,
)


def engine_of(condition: str, **block: str) -> Engine:
    """An engine holding one ``test`` rule with the given stateful block (YAML flow text)."""
    text = "- list: actions\n  items: [A, B, C, D, E]\n"
    text += f"- rule: Stateful\n  desc: d\n  condition: {condition}\n  output: last=%t.name user=%t.user\n"
    text += "  priority: INFO\n  source: test\n" + "".join(f"  {key}: {value}\n" for key, value in block.items())
    result = load_texts([("<test>", text)], REGISTRY)
    assert not result.errors, [str(e) for e in result.errors]
    return Engine(compile_ruleset(result.ruleset, REGISTRY))


def feed(engine: Engine, *events: Event) -> list[Match]:
    return [match for item in events for match in engine.process(item)]


# -------------------------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("1h", 3600), ("7d", 604800), ("2w", 1209600), ("1h30m", 5400), (45, 45), (1.5, 1.5)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["soon", "-5s", -1, True, "5", "1y", None, "", float("inf"), "h1"])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@given(st.integers(min_value=0, max_value=10**9))
def test_format_duration_reads_back(seconds: int) -> None:
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value)) == value


def test_format_duration_is_short() -> None:
    assert [format_duration(timedelta(seconds=s)) for s in (0, 90, 5400, 604800, 1.5)] == [
        "0s",
        "1m30s",
        "1h30m",
        "7d",
        "1.5s",
    ]


# -------------------------------------------------------------------------------------------- threshold


def test_threshold_matches_once_reached_then_per_event() -> None:
    engine = engine_of("t.name = A", threshold="{by: [t.user], window: 60s, count: 3}")
    first = [event("A", s, user="bob") for s in (0, 10, 20)]
    assert feed(engine, *first[:2], event("A", 15, user="alice")) == []
    (crossing,) = feed(engine, first[2])
    assert crossing.events == tuple(first) and crossing.count == 3
    assert crossing.key == ("bob",) and crossing.output == "last=A user=bob"
    later = event("A", 30, user="bob")
    (follow,) = feed(engine, later)
    assert follow.events == (later,) and follow.count == 1


def test_threshold_window_slides_with_event_time() -> None:
    engine = engine_of("t.name = A", threshold="{by: [t.user], window: 60s, count: 3}")
    assert feed(engine, *(event("A", s, user="bob") for s in (0, 50, 100, 200, 230))) == []
    assert len(feed(engine, event("A", 240, user="bob"))) == 1


def test_threshold_tolerates_out_of_order_events() -> None:
    engine = engine_of("t.name = A", threshold="{window: 60s, count: 3}")
    early, later, late = event("A", 0), event("A", 20), event("A", 10)
    (match,) = feed(engine, early, later, late)
    assert match.events == (early, later, late) and match.key == ()
    assert feed(engine, event("A", 300), event("A", 100)) == []


def test_threshold_missing_key_field_is_na() -> None:
    engine = engine_of("t.name = A", threshold="{by: [t.user, t.region], window: 60s, count: 2}")
    (match,) = feed(engine, event("A", 0, region="x"), event("A", 1, region="x"))
    assert match.key == ("<NA>", "x")


def test_a_key_of_one_field_is_its_text_as_a_key_of_several_is() -> None:
    engine = engine_of("t.name = A", threshold="{by: [t.user], window: 60s, count: 2}")
    (missing,) = feed(engine, event("A", 0, region="x"), event("A", 1, region="x"))
    (number,) = feed(engine, event("A", 2, user=7), event("A", 3, user=7))
    (text,) = feed(engine, event("A", 4, user="bob"), event("A", 5, user="bob"))
    assert (missing.key, number.key, text.key) == (("<NA>",), ("7",), ("bob",))


def test_threshold_counts_each_event_once_after_a_dip() -> None:
    engine = engine_of("t.name = A", threshold="{window: 60s, count: 2}")
    counts = [m.count for m in feed(engine, *(event("A", s) for s in (0, 10, 20, 75, 200, 205)))]
    assert counts == [2, 1, 1, 2]


def test_threshold_caps_the_events_of_a_match_but_not_its_count() -> None:
    engine = engine_of("t.name = A", threshold="{window: 1h, count: 60}")
    events = [event("A", s) for s in range(60)]
    (match,) = feed(engine, *events)
    assert match.count == 60 and match.events == tuple(events[-THRESHOLD_SAMPLE:])


def test_distinct_threshold() -> None:
    engine = engine_of("t.name = A", threshold="{by: [t.user], window: 10m, distinct: t.region, count: 3}")
    regions = ("eu", "us", "eu", None)
    assert feed(engine, *(event("A", i, user="bob", region=r) for i, r in enumerate(regions))) == []
    (match,) = feed(engine, event("A", 10, user="bob", region="ap"))
    # the evidence is one event per distinct value (the latest of each), the trigger last
    assert match.count == 3 and match.key == ("bob",)
    assert [e.raw["region"] for e in match.events] == ["us", "eu", "ap"]


def test_distinct_share_of_a_universe() -> None:
    engine = engine_of("t.name exists", threshold="{window: 1h, distinct: t.name, universe: actions, count: 40%}")
    assert feed(engine, event("X", 0), event("Y", 1), event("A", 2), event("A", 3)) == []
    (match,) = feed(engine, event("B", 4))
    assert match.count == 2
    assert [e.name for e in match.events] == ["A", "B"]


@settings(deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=40))
def test_threshold_count_is_the_events_of_over_threshold_windows(gaps: list[int]) -> None:
    times = [sum(gaps[: i + 1]) for i in range(len(gaps))]
    engine = engine_of("t.name = A", threshold="{window: 100s, count: 3}")
    total = sum(match.count for match in feed(engine, *(event("A", t) for t in times)))
    counted: set[int] = set()
    for i, now in enumerate(times):
        window = {j for j in range(i + 1) if times[j] >= now - 100}
        if len(window) >= 3:
            counted |= window
    assert total == len(counted)


@settings(deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200), st.sampled_from(["eu", "us", "ap", "sa"])), min_size=1, max_size=40))
def test_distinct_threshold_counts_the_values_seen_within_the_window(steps: list[tuple[int, str]]) -> None:
    # in time order, each event sees the distinct values of the events of the last 5 minutes (itself included)
    times = [sum(gap for gap, _ in steps[: i + 1]) for i in range(len(steps))]
    regions = [region for _, region in steps]
    engine = engine_of("t.name = A", threshold="{window: 5m, distinct: t.region, count: 3}")
    was_over = False
    for i, (now, region) in enumerate(zip(times, regions, strict=True)):
        seen = {r for t, r in zip(times[: i + 1], regions, strict=False) if t >= now - 300}
        matches = feed(engine, event("A", now, region=region))
        over = len(seen) >= 3
        assert len(matches) == (1 if over else 0)
        if over and not was_over:  # crossing the count: one event per value, the latest of each
            (match,) = matches
            assert match.count == len(seen)
            assert sorted(e.raw["region"] for e in match.events) == sorted(seen)
        was_over = over


# --------------------------------------------------------------------------------------------- sequence

_SEQUENCE = "{by: [t.user], within: 5m, steps: [{condition: t.name = List}, {name: act, condition: t.name = Act}]}"


def test_sequence_in_order_within_the_window() -> None:
    engine = engine_of("t.user != root", sequence=_SEQUENCE)
    listing, act = event("List", 0, user="bob"), event("Act", 60, user="bob")
    (match,) = feed(engine, listing, act)
    assert match.events == (listing, act) and match.key == ("bob",) and match.count == 2
    assert match.output == "last=Act user=bob"
    assert feed(engine, event("Act", 70, user="bob")) == []


@pytest.mark.parametrize(
    "events",
    [
        [event("List", 0, user="bob"), event("Act", 400, user="bob")],
        [event("Act", 10, user="bob"), event("List", 20, user="bob")],
        [event("List", 0, user="bob"), event("Act", 10, user="alice")],
        [event("List", 0, user="root"), event("Act", 10, user="root")],
    ],
    ids=["too-slow", "wrong-order", "other-key", "top-condition"],
)
def test_sequence_negatives(events: list[Event]) -> None:
    assert feed(engine_of("t.user != root", sequence=_SEQUENCE), *events) == []


def test_sequence_step_arriving_late() -> None:
    engine = engine_of("t.user exists", sequence=_SEQUENCE)
    act, listing = event("Act", 60, user="bob"), event("List", 0, user="bob")
    (match,) = feed(engine, act, listing)
    assert match.events == (listing, act)


def test_sequence_event_never_fills_two_steps() -> None:
    steps = '{within: 5m, steps: [{condition: "t.name in (A, B)"}, {condition: t.name = B}]}'
    engine = engine_of("t.name exists", sequence=steps)
    assert feed(engine, event("B", 0)) == []
    assert len(feed(engine, event("B", 1))) == 1


def test_sequence_of_three_steps_takes_the_tightest_chain() -> None:
    steps = "{within: 10m, steps: [{condition: t.name = A}, {condition: t.name = B}, {condition: t.name = C}]}"
    engine = engine_of("t.name exists", sequence=steps)
    a_old, a_new, b, c = event("A", 0), event("A", 300), event("B", 400), event("C", 700)
    (match,) = feed(engine, a_old, a_new, b, c)
    assert match.events == (a_new, b, c)


# -------------------------------------------------------------------------------------------- new_value


def test_new_value_after_learning() -> None:
    engine = engine_of("t.name = A", new_value="{by: [t.user], field: t.ip, learning: 1d}")
    day = 86400
    learning = [event("A", 0, user="bob", ip="1"), event("A", 3600, user="bob", ip="2"), event("A", 10, user="bob")]
    assert feed(engine, *learning, event("A", 2 * day, user="bob", ip="1")) == []
    fresh = event("A", 2 * day + 1, user="bob", ip="3")
    (match,) = feed(engine, fresh)
    assert match.events == (fresh,) and match.key == ("bob",)
    assert feed(engine, event("A", 2 * day + 2, user="bob", ip="3")) == []
    assert feed(engine, event("A", 2 * day + 3, user="alice", ip="9")) == []


def test_new_value_learning_starts_at_the_earliest_event_seen() -> None:
    engine = engine_of("t.name = A", new_value="{by: [t.user], field: t.ip, learning: 1d}")
    day = 86400
    assert feed(engine, event("A", 5 * day, ip="1"), event("A", day, ip="2")) == []
    assert len(feed(engine, event("A", 5 * day + 3600, ip="3"))) == 1


def test_new_value_without_learning_matches_every_first_value() -> None:
    engine = engine_of("t.name = A", new_value="{field: t.user, learning: 0s}")
    assert len(feed(engine, event("A", 0, user="a"), event("A", 1, user="a"), event("A", 2, user="b"))) == 2


# -------------------------------------------------------------------------------------------- periodic

_PERIODIC = "{by: [t.user], min_count: 5, window: 2h, min_interval: 30s, max_interval: 30m, max_jitter: 0.25}"


def test_periodic_heartbeat() -> None:
    engine = engine_of("t.name = Check", periodic=_PERIODIC)
    beats = [event("Check", 180 * i + (5 if i % 2 else -5), user="proxy") for i in range(6)]
    assert feed(engine, *beats[:4]) == []
    (first,) = feed(engine, beats[4])
    assert first.events == tuple(beats[:5]) and first.count == 5 and first.key == ("proxy",)
    (second,) = feed(engine, beats[5])
    assert second.events == (beats[5],) and second.count == 1


@pytest.mark.parametrize(
    "times",
    [
        [0, 60, 1200, 1260, 3000],
        [0, 10, 20, 30, 40],
        [0, 2400, 4800, 7200, 9600],
        [0, 180, 180, 360, 540],
    ],
    ids=["irregular", "too-fast", "too-slow", "duplicate"],
)
def test_periodic_negatives(times: list[int]) -> None:
    engine = engine_of("t.name = Check", periodic=_PERIODIC)
    assert feed(engine, *(event("Check", t, user="proxy") for t in times)) == []


def test_periodic_beats_must_fit_the_window() -> None:
    engine = engine_of("t.name = Check", periodic="{min_count: 5, window: 1h, max_interval: 30m}")
    assert feed(engine, *(event("Check", 1740 * i) for i in range(5))) == []


# ---------------------------------------------------------------------------------------------- memory


@pytest.mark.parametrize(
    "block",
    [
        {"threshold": "{by: [t.user], window: 60s, count: 5}"},
        {"sequence": _SEQUENCE},
        {"periodic": "{by: [t.user], window: 60s, max_interval: 60s}"},
    ],
)
def test_idle_keys_are_dropped(block: dict[str, str]) -> None:
    engine = engine_of("t.name in (A, List)", **block)
    feed(engine, *(event("List", i % 10, user=f"user{i}") for i in range(500)))
    assert engine.tracked_keys() == 500
    feed(engine, event("List", 10_000, user="late"))
    assert engine.tracked_keys() == 1


# ------------------------------------------------------------------------------------ parsing/overrides


def test_override_stateful_changes_only_tunable_values() -> None:
    threshold = parse_threshold({"by": ["t.user"], "window": "1h", "count": 5})
    changed = override_stateful(threshold, {"count": 50, "window": "2h"})
    assert changed == Threshold(("t.user",), timedelta(hours=2), 50)
    with pytest.raises(SpecError, match="by: unknown key"):
        override_stateful(threshold, {"by": ["t.ip"]})
    with pytest.raises(SpecError, match="a percentage needs both"):
        override_stateful(threshold, {"count": "50%"})
    share = parse_threshold({"window": "1h", "count": 2, "distinct": "t.name", "universe": "actions"})
    assert override_stateful(share, {"count": "50%"}).count == Fraction(1, 2)  # type: ignore[union-attr]
    periodic = parse_periodic({"window": "2h", "max_interval": "30m"})
    assert override_stateful(periodic, {"min_count": 4}) == Periodic(
        (), 4, timedelta(hours=2), timedelta(0), timedelta(minutes=30), 0.25
    )
    with pytest.raises(SpecError, match="max_interval: must not exceed window"):
        override_stateful(periodic, {"window": "10m"})
    assert override_stateful(NewValue((), "t.ip", timedelta(0)), {"learning": "7d"}) == NewValue(
        (), "t.ip", timedelta(days=7)
    )
    sequence = Sequence((), timedelta(minutes=5), ())
    assert override_stateful(sequence, {"within": "1h"}) == Sequence((), timedelta(hours=1), ())


def test_threshold_required_rounds_a_share_up() -> None:
    base = Threshold((), timedelta(hours=1), Fraction(2, 5), "t.name", "actions", frozenset(map(str, range(14))))
    assert base.required == 6
    assert (
        Threshold((), timedelta(hours=1), Fraction(2, 5), "t.name", "actions", frozenset(map(str, range(15)))).required
        == 6
    )
    assert Threshold((), timedelta(hours=1), Fraction(1, 100), "t.name", "actions", frozenset("ab")).required == 1


def test_a_sequence_step_full_of_newer_entries_still_takes_a_late_one() -> None:
    seq = "{by: [t.user], within: 1h, steps: [{condition: t.name = A}, {condition: t.name = B}]}"
    engine = engine_of("t.user exists", sequence=seq)
    assert feed(engine, event("B", 2000, user="bob")) == []
    newer = [event("A", 2100 + n, user="bob") for n in range(MAX_PENDING)]  # after B: no chain
    assert feed(engine, *newer) == []
    late = event("A", 1900, user="bob")  # older than every pending A, while that step is full
    (match,) = feed(engine, late)
    assert [e.name for e in match.events] == ["A", "B"] and match.count == 2
