"""``jackwatch accept --expires``: a duration from now, a date (through that day, UTC) or a time; never the past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jackwatch.cli.accept import parse_expiry
from jackwatch.errors import ConfigError

NOW = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, None),
        ("30d", NOW + timedelta(days=30)),
        ("1h30m", NOW + timedelta(hours=1, minutes=30)),
        ("2026-12-31", datetime(2027, 1, 1, tzinfo=UTC)),
        ("2026-11-29", datetime(2026, 11, 30, tzinfo=UTC)),
        ("2026-12-01T08:00:00Z", datetime(2026, 12, 1, 8, tzinfo=UTC)),
        ("2026-12-01T10:00:00+02:00", datetime(2026, 12, 1, 8, tzinfo=UTC)),
        ("2026-12-01T08:00:00", datetime(2026, 12, 1, 8, tzinfo=UTC)),
    ],
)
def test_expiries(text: str | None, expected: datetime | None) -> None:
    assert parse_expiry(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0s", "must be positive"),
        ("2026-11-28", "already past"),
        ("2026-11-29T09:00:00Z", "already past"),
        ("next week", "neither a duration"),
        ("31/12/2026", "neither a duration"),
    ],
)
def test_bad_expiries(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_expiry(text, NOW)
