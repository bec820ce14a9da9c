"""Event times to bucket numbers."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from jackwatch.rules.buckets import TimeBuckets


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=-(10**11), max_value=10**11), min_size=1, max_size=30),
    st.sampled_from([0.5, 1.0, 60.0, 90.0, 3600.0, 86400.0]),
)
def test_time_buckets_agree_with_the_timestamps(microseconds: list[int], size: float) -> None:
    buckets = TimeBuckets(size, lambda seconds: math.floor(seconds / size))
    for offset in sorted(microseconds) + microseconds:  # in order (the remembered bucket serves), then not
        moment = datetime(2026, 11, 20, tzinfo=UTC) + timedelta(microseconds=offset)
        assert buckets.of(moment) == math.floor(moment.timestamp() / size)
