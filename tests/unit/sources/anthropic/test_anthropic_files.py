"""Reading Anthropic activities from files and directories: formats, bad input, the window, specs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from tests.unit.sources.sourcekit import json_lines, reader_of

from jackwatch.errors import ConfigError, Location, SourceError
from jackwatch.sources.anthropic import read_anthropic_activity
from jackwatch.sources.stats import ReadStats

from .conftest import feed_page, make_activity

read = reader_of(read_anthropic_activity)


def test_feed_pages_and_json_lines(tmp_path: Path) -> None:
    (tmp_path / "page.json").write_bytes(orjson.dumps(feed_page([make_activity(1), make_activity(0)])))
    (tmp_path / "activities.ndjson").write_bytes(json_lines(make_activity(i) for i in (2, 3)))
    events, stats = read([str(tmp_path)])
    assert sorted(event.id for event in events) == sorted(make_activity(i)["id"] for i in range(4))
    assert {event.source for event in events} == {"anthropic_activity"}
    assert (stats.files_read, stats.events_skipped) == (2, 0)


def test_bad_records_are_counted_with_their_location(tmp_path: Path) -> None:
    path = tmp_path / "activities.jsonl"
    records = [make_activity(0), make_activity(1, created_at="yesterday"), "activity", make_activity(3)]
    path.write_bytes(json_lines(records))
    events, stats = read([str(path)])
    assert [event.id for event in events] == [make_activity(0)["id"], make_activity(3)["id"]]
    assert dict(stats.skipped) == {"invalid_field": 1, "not_an_object": 1}
    assert [problem.location for problem in stats.problems] == [Location(str(path), 2), Location(str(path), 3)]


def test_the_time_window(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_bytes(orjson.dumps(feed_page([make_activity(i) for i in range(4)])))
    since, until = datetime(2026, 3, 11, 9, 1, tzinfo=UTC), datetime(2026, 3, 11, 9, 3, tzinfo=UTC)
    events, _ = read([str(path)], since=since, until=until)
    assert [event.time.minute for event in events] == [1, 2]


@pytest.mark.parametrize(
    ("specs", "error", "message"),
    [
        ([], ConfigError, "no Anthropic activity input given"),
        (["sqs://activity-queue"], ConfigError, "unsupported input"),
        (["/nonexistent/activities"], SourceError, "no such file or directory"),
        (["api://"], ConfigError, "ANTHROPIC_ADMIN_KEY is not set"),
    ],
)
def test_specs_are_checked_before_anything_is_read(
    specs: list[str], error: type[Exception], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_ADMIN_KEY", raising=False)
    with pytest.raises(error, match=message):
        read_anthropic_activity(specs, ReadStats())
