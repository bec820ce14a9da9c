"""The ``spike`` operator: totals per key and bucket against the key's own robust baseline."""

from __future__ import annotations

import statistics
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.rules.ruleskit import REGISTRY, event
from tests.unit.rules.test_stateful import engine_of, feed

from jackwatch.errors import Location
from jackwatch.model import Event
from jackwatch.rules.docs import render_rule_docs
from jackwatch.rules.loader import load_texts
from jackwatch.rules.settings import apply_settings, parse_settings
from jackwatch.rules.spec import Spike
from jackwatch.rules.spike import MAD_SCALE
from jackwatch.rules.stateful import SpecError, override_stateful, parse_spike

HOUR = 3600


def tokens(hour: float, amount: float, user: str = "bob") -> Event:
    return event("A", hour * HOUR, user=user, count=amount)


def test_parse_defaults_and_values() -> None:
    spike = parse_spike({"by": ["t.user"], "bucket": "1h", "floor": 1000, "value": "t.count"})
    assert spike == Spike(("t.user",), timedelta(hours=1), 1000.0, "t.count", 24, 3.0, 5.0, None)
    seasonal = parse_spike({"bucket": "1h", "floor": 0, "season": "1d", "history": 7, "factor": 2})
    assert seasonal.season == timedelta(days=1) and seasonal.history == 7 and seasonal.value is None


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"floor": 1}, "bucket: is required"),
        ({"bucket": "1h"}, "floor: is required"),
        ({"bucket": "1h", "floor": -1}, "floor: must be a number ≥ 0"),
        ({"bucket": "1h", "floor": 1, "season": "90m"}, "season: must be a whole number of buckets"),
        ({"bucket": "1h", "floor": 1, "history": 0}, "history: must be a whole number ≥ 1"),
        ({"bucket": "1h", "floor": 1, "window": "1h"}, "window: unknown key"),
        ({"bucket": "soon", "floor": 1}, "bucket: 'soon' is not a duration"),
    ],
)
def test_parse_errors(block: dict[str, object], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_spike(block)


def test_unknown_value_field_is_a_load_error() -> None:
    text = (
        "- rule: Spiky\n  desc: d\n  condition: t.name = A\n  output: o\n  priority: INFO\n  source: test\n"
        "  spike: {bucket: 1h, floor: 10, value: t.nope}\n"
    )
    result = load_texts([("<test>", text)], REGISTRY)
    assert any("t.nope" in str(error) for error in result.errors)


def test_new_key_is_held_to_the_floor() -> None:
    engine = engine_of("t.name = A", spike="{by: [t.user], bucket: 1h, floor: 1000, value: t.count}")
    assert feed(engine, tokens(0, 600), tokens(0.2, 300)) == []
    (match,) = feed(engine, tokens(0.5, 200))
    assert match.count == 3 and len(match.events) == 3 and match.key == ("bob",)
    assert match.facts == {"bucket_total": 1100.0, "baseline": 0.0, "limit": 1000.0, "excess": 1100.0}
    (follow,) = feed(engine, tokens(0.6, 5))
    assert follow.count == 1 and follow.facts["bucket_total"] == 1105.0


def test_spike_against_the_keys_own_baseline() -> None:
    engine = engine_of("t.name = A", spike="{by: [t.user], bucket: 1h, floor: 1500, value: t.count, factor: 3}")
    steady = [tokens(hour + 0.1, 1000) for hour in range(10)]
    assert feed(engine, *steady) == []  # every hour alike, and below the floor
    assert feed(engine, tokens(10.1, 2900)) == []
    (match,) = feed(engine, tokens(10.2, 200))
    assert match.facts["baseline"] == 1000.0 and match.facts["limit"] == 3000.0
    assert match.facts["excess"] == 2100.0


def test_other_keys_do_not_share_a_baseline() -> None:
    engine = engine_of("t.name = A", spike="{by: [t.user], bucket: 1h, floor: 100, value: t.count}")
    feed(engine, *[tokens(hour, 10_000, "busy") for hour in range(5)])
    (match,) = feed(engine, tokens(5, 500, "quiet"))
    assert match.key == ("quiet",) and match.facts["limit"] == 100.0


def test_empty_buckets_count_as_zero_after_the_key_appeared() -> None:
    engine = engine_of("t.name = A", spike="{by: [t.user], bucket: 1h, floor: 50, value: t.count, history: 4}")
    assert feed(engine, tokens(0, 40)) == []
    # hours 1-3 are empty: the baseline of hour 4 is median(0, 0, 0, 40) = 0, so the floor decides
    (match,) = feed(engine, tokens(4, 60))
    assert match.facts["baseline"] == 0.0 and match.facts["limit"] == 50.0


def test_seasonal_baseline_uses_the_same_hour_of_previous_days() -> None:
    spike = "{by: [t.user], bucket: 1h, floor: 30, value: t.count, season: 1d, history: 3, factor: 2}"
    engine = engine_of("t.name = A", spike=spike)
    office = [tokens(hour, 5000 if 9 <= hour % 24 < 17 else 20) for hour in range(24 * 3)]
    first_day = {match.events[-1].time.hour for match in feed(engine, *office[:24])}
    # no same-hour history yet: each hour is compared with the 3 hours before it, so 9 and 10 a.m. stand out
    assert first_day == {9, 10}
    assert feed(engine, *office[24:]) == []
    (match,) = feed(engine, tokens(3 * 24 + 2, 9000))  # 2 a.m.: its baseline is 20
    assert match.facts["baseline"] == 20.0
    assert feed(engine, tokens(3 * 24 + 10, 9000)) == []  # office hours: below 2 × 5000


def test_count_mode_and_missing_values() -> None:
    engine = engine_of("t.name = A", spike="{by: [t.user], bucket: 10m, floor: 3}")
    assert feed(engine, *[event("A", s, user="u") for s in (0, 60, 120)])[0].count == 3
    valued = engine_of("t.name = A", spike="{by: [t.user], bucket: 1h, floor: 1, value: t.count}")
    assert feed(valued, event("A", 0, user="u"), event("A", 1, user="u", count="many")) == []


@pytest.mark.parametrize("value", ["many", True, float("inf"), float("nan"), None])
def test_a_value_that_is_no_finite_number_adds_nothing(value: object) -> None:
    valued = engine_of("t.name = A", spike="{by: [t.user], bucket: 1h, floor: 10, value: t.count}")
    assert feed(valued, event("A", 0, user="u", count=9), event("A", 1, user="u", count=value)) == []
    (match,) = feed(valued, event("A", 2, user="u", count=0.5), event("A", 3, user="u", count=1))
    assert match.facts["bucket_total"] == 10.5 and match.count == 3  # 9 + 0.5 + 1: the other one is left out


def test_late_events_feed_the_history_without_firing() -> None:
    engine = engine_of("t.name = A", spike="{by: [t.user], bucket: 1h, floor: 1000, value: t.count}")
    feed(engine, tokens(5, 10))
    assert feed(engine, tokens(4, 5000)) == []  # late: bucket 4 becomes history, and the key's first bucket
    assert feed(engine, tokens(5.5, 200)) == []
    # bucket 6's baseline is median(210, 5000) = 2605, its MAD 2395: limit 2605 + 5 × 1.4826 × 2395
    assert feed(engine, tokens(6, 20_000)) == []
    (match,) = feed(engine, tokens(6.5, 1000))
    assert match.facts["baseline"] == 2605.0
    assert match.facts["limit"] == pytest.approx(2605 + 5 * MAD_SCALE * 2395)


def test_idle_keys_are_swept() -> None:
    engine = engine_of("t.name = A", spike="{by: [t.user], bucket: 1h, floor: 1000000000, value: t.count, history: 2}")
    feed(engine, tokens(0, 1, "old"), tokens(1, 1, "other"))
    assert engine.tracked_keys() == 2
    feed(engine, tokens(10, 1, "new"))
    assert engine.tracked_keys() == 1


def test_settings_override_keeps_key_and_value() -> None:
    spike = parse_spike({"by": ["t.user"], "bucket": "1h", "floor": 10, "value": "t.count"})
    tuned = override_stateful(spike, {"floor": 5000, "season": "1d"})
    assert isinstance(tuned, Spike)
    assert (tuned.by, tuned.value, tuned.floor, tuned.season) == (("t.user",), "t.count", 5000.0, timedelta(days=1))
    with pytest.raises(SpecError, match="value: unknown key"):
        override_stateful(spike, {"value": "t.other"})


def test_docs_describe_the_parameters() -> None:
    text = (
        "- rule: Spiky\n  id: test.spike.tokens\n  desc: d\n  condition: t.name = A\n  output: o\n"
        "  priority: INFO\n  source: test\n  spike: {by: [t.user], bucket: 1h, floor: 10, value: t.count, season: 1d}\n"
    )
    result = load_texts([("<test>", text)], REGISTRY)
    docs = render_rule_docs(result.ruleset)
    assert "the total of `t.count` per key in a bucket of 1h" in docs
    assert "spike: {bucket: 1h, floor: 10, history: 24, factor: 3, deviations: 5, season: 1d}" in docs


def reference_limits(totals: list[float], history: int, factor: float, deviations: float, floor: float) -> list[float]:
    """The limit of each bucket, computed naively from all earlier buckets (consecutive, no season)."""
    limits = []
    for index in range(len(totals)):
        past = totals[max(0, index - history) : index]
        if not past:
            limits.append(floor)
            continue
        median = statistics.median(past)
        mad = statistics.median(abs(value - median) for value in past)
        limits.append(max(floor, factor * median, median + deviations * MAD_SCALE * mad))
    return limits


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=40),
    st.integers(min_value=1, max_value=8),
    st.sampled_from([1.5, 3.0]),
    st.integers(min_value=1, max_value=3000),
)
def test_fires_exactly_on_the_buckets_a_naive_reference_flags(
    totals: list[int], history: int, factor: float, floor: int
) -> None:
    spike = f"{{by: [t.user], bucket: 1h, floor: {floor}, value: t.count, history: {history}, factor: {factor}}}"
    engine = engine_of("t.name = A", spike=spike)
    fired = set()
    for hour, total in enumerate(totals):
        if total:
            matches = feed(engine, tokens(hour, total))
            if matches:
                fired.add(hour)
        else:
            feed(engine, tokens(hour, 0))
    limits = reference_limits([float(total) for total in totals], history, factor, 5.0, float(floor))
    expected = {hour for hour, total in enumerate(totals) if total >= limits[hour]}
    assert fired == expected


def test_settings_tune_a_spike_rule() -> None:
    text = (
        "- rule: Spiky\n  id: test.spike.tokens\n  desc: d\n  condition: t.name = A\n  output: o\n"
        "  priority: INFO\n  source: test\n  spike: {by: [t.user], bucket: 1h, floor: 10, value: t.count}\n"
    )
    ruleset = load_texts([("<test>", text)], REGISTRY).ruleset
    changes = {"test.spike.tokens": {"spike": {"floor": 500, "history": 48}}}
    tuned = apply_settings(ruleset, parse_settings(changes, Location("<config>")))
    spike = tuned.rule("test.spike.tokens").stateful
    assert isinstance(spike, Spike) and (spike.floor, spike.history) == (500.0, 48)


def test_matches_say_when_the_events_they_count_began() -> None:
    spiky = engine_of("t.name = A", spike="{by: [t.user], bucket: 1h, floor: 25, value: t.count}")
    (spike,) = feed(spiky, *[tokens(0.1 * i, 5) for i in range(5)])
    assert spike.start == tokens(0, 1).time and spike.count == 5
    counted = engine_of("t.name = A", threshold="{by: [t.user], window: 1h, count: 20}")
    (crossing,) = feed(counted, *[event("A", 60 * i, user="bob") for i in range(20)])
    assert crossing.count == 20 and len(crossing.events) < 20
    assert crossing.start == event("A", 0).time


def test_a_late_event_leaves_the_limit_of_the_open_bucket_as_its_history_made_it() -> None:
    engine = engine_of("t.name = A", spike="{by: [t.user], bucket: 1h, floor: 1000, value: t.count}")
    feed(engine, tokens(4, 100), tokens(5, 300))
    assert feed(engine, tokens(6, 10)) == []  # bucket 6 opens below the floor: its limit not yet worked out
    assert feed(engine, tokens(4.5, 50_000)) == []  # late: bucket 4's total changes after bucket 6 opened
    (match,) = feed(engine, tokens(6.5, 1500))
    # bucket 6's baseline is that of the history when it opened, median(100, 300) = 200, not median(50100, 300)
    assert match.facts["baseline"] == 200.0 and match.facts["limit"] == 1000.0
