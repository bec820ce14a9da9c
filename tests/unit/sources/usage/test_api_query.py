"""The query window of the usage and cost APIs: defaults, bucket width, whole buckets; and the ``api://`` input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jackwatch.errors import ConfigError
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage.api_query import (
    DEFAULT_SPAN,
    QueryWindow,
    Width,
    check_api_specs,
    in_time_order,
    query_window,
)
from jackwatch.sources.usage.row import Provider, UsageRow

NOW = datetime(2026, 3, 11, 10, 42, 17, tzinfo=UTC)


def test_without_bounds_the_window_is_the_last_seven_days_in_hours() -> None:
    window = query_window(None, None, now=NOW)
    assert window == QueryWindow(NOW - DEFAULT_SPAN, NOW, Width.HOUR)
    assert window.snapped() == (datetime(2026, 3, 4, 10, tzinfo=UTC), datetime(2026, 3, 11, 11, tzinfo=UTC))
    assert window.snapped(Width.DAY) == (datetime(2026, 3, 4, tzinfo=UTC), datetime(2026, 3, 12, tzinfo=UTC))


def test_the_bounds_given_are_kept_and_naive_ones_are_utc() -> None:
    since = datetime(2026, 3, 1, 8, 30)
    until = datetime(2026, 3, 9, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    window = query_window(since, until, now=NOW)
    assert (window.since, window.until) == (since.replace(tzinfo=UTC), datetime(2026, 3, 9, 10, tzinfo=UTC))
    assert window.width is Width.DAY
    assert query_window(None, until, now=NOW).since == datetime(2026, 3, 2, 10, tzinfo=UTC)


def test_seven_days_are_hourly_and_a_second_more_is_daily() -> None:
    assert query_window(NOW - timedelta(days=7), NOW).width is Width.HOUR
    assert query_window(NOW - timedelta(days=7, seconds=1), NOW).width is Width.DAY


def test_an_empty_window_is_refused() -> None:
    with pytest.raises(ConfigError, match="must be before"):
        query_window(NOW, NOW)
    with pytest.raises(ConfigError, match="must be before"):
        query_window(NOW + timedelta(hours=1), None, now=NOW)


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
    st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=60)),
    st.sampled_from(Width),
)
def test_snapped_bounds_are_whole_buckets_that_cover_the_window(since: datetime, span: timedelta, width: Width) -> None:
    window = query_window(since, since + span)
    start, end = window.snapped(width)
    seconds = width.size.total_seconds()
    assert start <= window.since and end >= window.until
    assert start.timestamp() % seconds == 0 and end.timestamp() % seconds == 0
    assert window.since - start < width.size and end - window.until < width.size


def test_an_api_kind_takes_exactly_one_api_input() -> None:
    check_api_specs(["api://"], "openai-usage")
    for specs in ([], ["api://", "api://"], ["usage.csv"], ["s3://bucket/usage/"]):
        with pytest.raises(ConfigError, match="give the input openai-usage:api://"):
            check_api_specs(specs, "openai-usage")


def test_rows_become_events_oldest_first_and_are_counted() -> None:
    def row(hour: int) -> UsageRow:
        start = datetime(2026, 3, 11, hour, tzinfo=UTC)
        return UsageRow(
            Provider.OPENAI, "org-Xq2Lw8Rt5Nv1Bc7M", start, start + timedelta(hours=1), "test", output_tokens=hour
        )

    stats = ReadStats()
    events = list(in_time_order([row(12), row(9), row(11)], stats))
    assert [event.time.hour for event in events] == [9, 11, 12]
    assert stats.events_read == 3
