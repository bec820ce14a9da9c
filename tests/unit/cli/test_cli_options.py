"""Option values shared by the commands: ``--since``/``--until`` moments and ``--fail-on``/``--severity``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st

from jackwatch.cli.options import parse_moment, parse_severity
from jackwatch.model import Severity

NOW = datetime(2026, 11, 24, 12, 30, tzinfo=UTC)


def test_no_value_means_no_bound() -> None:
    assert parse_moment(None, NOW) is None


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        ("0h", timedelta(0)),
        (" 36h ", timedelta(hours=36)),
        ("3 d", timedelta(days=3)),
    ],
)
def test_look_backs_count_from_now(text: str, back: timedelta) -> None:
    moment = parse_moment(text, NOW)
    assert moment == NOW - back
    assert moment is not None and moment.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24", datetime(2026, 11, 24, tzinfo=UTC)),
        ("2026-11-24T10:00:00Z", datetime(2026, 11, 24, 10, tzinfo=UTC)),
        ("2026-11-24T10:00:00", datetime(2026, 11, 24, 10, tzinfo=UTC)),
        ("2026-11-24 10:00", datetime(2026, 11, 24, 10, tzinfo=UTC)),
        ("2026-11-24T10:00:00.250Z", datetime(2026, 11, 24, 10, 0, 0, 250000, tzinfo=UTC)),
        ("2026-11-24T12:00:00+02:00", datetime(2026, 11, 24, 10, tzinfo=UTC)),
        ("2026-11-24T05:00:00-05:00", datetime(2026, 11, 24, 10, tzinfo=UTC)),
        ("  2026-11-24T10:00:00Z ", datetime(2026, 11, 24, 10, tzinfo=UTC)),
    ],
)
def test_iso_dates_and_times_are_read_in_utc(text: str, expected: datetime) -> None:
    moment = parse_moment(text, NOW)
    assert moment == expected
    assert moment is not None and moment.utcoffset() == timedelta(0)


def test_look_backs_from_a_clock_in_another_zone_come_back_in_utc() -> None:
    now = datetime(2026, 11, 24, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    moment = parse_moment("30m", now)
    assert moment == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert moment is not None and moment.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    ["", "  ", "yesterday", "24x", "-7d", "7days", "1y", "h24", "2026-13-01", "2026-11-31", "24/11/2026", "7d ago"],
)
def test_anything_else_is_a_bad_parameter_that_shows_both_forms(text: str) -> None:
    with pytest.raises(typer.BadParameter) as raised:
        parse_moment(text, NOW)
    message = str(raised.value)
    assert repr(text) in message
    assert "2026-11-24T10:00:00Z" in message
    assert "24h" in message


@pytest.mark.parametrize("text", ["99999999999d", "999999999w", "3000000d", "0001-01-01T00:30:00+01:00"])
def test_moments_out_of_range_are_a_bad_parameter_not_a_crash(text: str) -> None:
    with pytest.raises(typer.BadParameter, match="outside the range"):
        parse_moment(text, NOW)


_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@given(st.integers(min_value=0, max_value=100_000), st.sampled_from(sorted(_UNITS)))
def test_any_look_back_is_now_minus_that_duration(amount: int, unit: str) -> None:
    assert parse_moment(f"{amount}{unit}", NOW) == NOW - timedelta(**{_UNITS[unit]: amount})


@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_any_iso_time_with_an_offset_reads_back_as_the_same_instant(local: datetime, offset_minutes: int) -> None:
    moment = local.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    parsed = parse_moment(moment.isoformat(), NOW)
    assert parsed == moment
    assert parsed is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize("severity", list(Severity))
def test_every_severity_name_is_accepted(severity: Severity) -> None:
    assert parse_severity(severity.value) is severity


@pytest.mark.parametrize(
    ("text", "expected"),
    [("HIGH", Severity.HIGH), (" Critical ", Severity.CRITICAL), ("Info", Severity.INFO), ("mEdIuM", Severity.MEDIUM)],
)
def test_severity_is_case_and_space_insensitive(text: str, expected: Severity) -> None:
    assert parse_severity(text) is expected


def test_no_severity_means_no_threshold() -> None:
    assert parse_severity(None) is None


@pytest.mark.parametrize("text", ["", "severe", "warning", "4", "hi", "criticalx"])
def test_an_unknown_severity_is_a_bad_parameter_listing_the_names(text: str) -> None:
    with pytest.raises(typer.BadParameter) as raised:
        parse_severity(text)
    message = str(raised.value)
    assert repr(text) in message
    assert "info, low, medium, high, critical" in message
