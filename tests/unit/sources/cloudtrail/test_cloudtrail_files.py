"""Local inputs: files, directory trees (with the AWSLogs layout), standard input, and bad paths."""

from __future__ import annotations

import gzip
import io
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from tests.unit.sources.sourcekit import put

from jackwatch.errors import ConfigError, Location, SourceError
from jackwatch.sources.cloudtrail import ReadOptions, read_cloudtrail
from jackwatch.sources.stats import ReadStats

from .conftest import Reader, RecordFactory

ACCOUNT = "111122223333"


def trail_file(records: list[dict[str, object]]) -> bytes:
    return gzip.compress(orjson.dumps({"Records": records}))


def day_file(root: Path, region: str, day: str, stamp: str, account: str = ACCOUNT, org: str = "") -> Path:
    year, month, date = day.split("/")
    folder = root / "AWSLogs" / org / account / "CloudTrail" / region / year / month / date
    return folder / f"{account}_CloudTrail_{region}_{year}{month}{date}T{stamp}Z_Xy12Ab34Cd56Ef78.json.gz"


@pytest.fixture
def trail_tree(tmp_path: Path, record: RecordFactory) -> Path:
    """An AWSLogs tree: days inside and outside 2024-05-01..03, digests, Config snapshots, a README."""
    root = tmp_path / "bucket"
    broken = b"this file must not be read"
    put(day_file(root, "us-east-1", "2024/05/01", "1205"), trail_file([record(1), record(2)]))
    put(day_file(root, "us-east-1", "2024/04/20", "0005"), broken)
    put(day_file(root, "eu-west-1", "2024/05/02", "2310"), trail_file([record(3, awsRegion="eu-west-1")]))
    put(day_file(root, "eu-west-1", "2023/12/31", "2355"), broken)
    put(day_file(root, "eu-west-1", "2024/05/05", "0010"), broken)
    put(day_file(root, "ap-south-1", "2024/05/01", "0900", "444455556666", "o-a1b2c3d4e5"), trail_file([record(4)]))
    digest = root / "AWSLogs" / ACCOUNT / "CloudTrail-Digest" / "us-east-1" / "2024" / "05" / "01"
    put(digest / f"{ACCOUNT}_CloudTrail-Digest_us-east-1_trail_us-east-1_20240501T1205Z.json.gz", broken)
    config = root / "AWSLogs" / ACCOUNT / "Config" / "us-east-1" / "2024" / "05" / "01" / "ConfigSnapshot"
    put(config / f"{ACCOUNT}_Config_us-east-1_ConfigSnapshot_20240501T120500Z.json.gz", broken)
    put(root / "README.md", b"# trail bucket export\n")
    return root


def test_a_trail_tree_is_read_with_days_outside_the_window_pruned(
    trail_tree: Path, read: Reader, record: RecordFactory
) -> None:
    seen: list[str] = []
    events, stats = read(
        [trail_tree],
        since=datetime(2024, 5, 1, tzinfo=UTC),
        until=datetime(2024, 5, 3, tzinfo=UTC),
        progress=seen.append,
    )
    assert sorted(e.id for e in events) == sorted(record(i)["eventID"] for i in (1, 2, 3, 4))
    # delivery order across accounts and regions: 05-01 09:00, 05-01 12:05, 05-02 23:10
    assert [Path(p).parts[-7] for p in seen] == ["444455556666", ACCOUNT, ACCOUNT]
    assert stats.files_read == 3
    assert stats.events_skipped == 0
    assert [p.reason for p in stats.problems] == ["ignored"]
    message = stats.problems[0].message
    assert "1 digest files" in message
    assert "1 of other services" in message
    assert "1 not log files" in message
    assert stats.problems[0].location == Location(str(trail_tree))


def test_without_a_window_every_log_file_is_read(trail_tree: Path, read: Reader) -> None:
    events, stats = read([trail_tree])
    assert len(events) == 4
    assert stats.files_failed == 3
    assert stats.skipped["invalid_json"] == 3


def test_events_outside_the_window_are_dropped(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    path = put(tmp_path / "a.json", orjson.dumps({"Records": [record(i * 60) for i in range(5)]}))
    events, stats = read([path], since=datetime(2024, 5, 1, 12, 1), until=datetime(2024, 5, 1, 12, 3, tzinfo=UTC))
    assert [e.id for e in events] == [record(60)["eventID"], record(120)["eventID"]]
    assert stats.events_read == 2
    assert stats.events_skipped == 0


def test_a_directory_is_walked_recursively_in_name_order(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    put(tmp_path / "b.json", orjson.dumps(record(2)))
    put(tmp_path / "a.json", orjson.dumps(record(1)))
    put(tmp_path / "c" / "z.jsonl", orjson.dumps(record(4)) + b"\n")
    put(tmp_path / "b.json.d" / "x.json.gz", gzip.compress(orjson.dumps(record(3))))
    events, stats = read([tmp_path])
    assert [e.id for e in events] == [record(i)["eventID"] for i in (1, 2, 3, 4)]
    assert stats.files_read == 4
    assert not stats.problems


def test_an_empty_directory_is_a_problem_not_a_crash(tmp_path: Path, read: Reader) -> None:
    events, stats = read([tmp_path])
    assert events == []
    assert [(p.reason, p.message) for p in stats.problems] == [("no_files", f"no CloudTrail files under {tmp_path}")]


def test_a_directory_of_other_files_reports_what_it_left_out(tmp_path: Path, read: Reader) -> None:
    put(tmp_path / "notes.txt", b"x")
    put(tmp_path / "image.png", b"x")
    events, stats = read([tmp_path])
    assert events == []
    assert [p.reason for p in stats.problems] == ["ignored", "no_files"]
    assert "2 not log files" in stats.problems[0].message


def test_a_fifo_and_a_broken_link_among_good_files_are_counted(
    tmp_path: Path, read: Reader, record: RecordFactory
) -> None:
    put(tmp_path / "a.json", orjson.dumps(record(1)))
    os.mkfifo(tmp_path / "b.json")
    (tmp_path / "c.json").symlink_to(tmp_path / "gone.json")
    put(tmp_path / "d.json", orjson.dumps(record(2)))
    (tmp_path / "sub").mkdir()
    (tmp_path / "e.json").symlink_to(tmp_path / "sub", target_is_directory=True)
    events, stats = read([tmp_path])
    assert [e.id for e in events] == [record(1)["eventID"], record(2)["eventID"]]
    assert stats.files_failed == 2
    assert stats.skipped == {"unreadable": 2}
    assert [p.location.path for p in stats.problems] == [str(tmp_path / n) for n in ("b.json", "c.json", "e.json")]
    assert stats.problems[2].reason == "ignored"


def test_a_file_that_vanishes_during_the_walk_is_counted(tmp_path: Path, record: RecordFactory) -> None:
    for index, name in enumerate(("a.json", "b.json", "c.json")):
        put(tmp_path / name, orjson.dumps(record(index)))
    stats = ReadStats()
    events = read_cloudtrail([str(tmp_path)], stats)
    first = next(events)
    (tmp_path / "b.json").unlink()
    rest = list(events)
    assert [first.id, *(e.id for e in rest)] == [record(0)["eventID"], record(2)["eventID"]]
    assert stats.skipped == {"unreadable": 1}
    assert stats.problems[0].location == Location(str(tmp_path / "b.json"))
    assert stats.problems[0].message == "cannot open: No such file or directory"


def test_a_fifo_given_explicitly_is_read(tmp_path: Path, read: Reader, record: RecordFactory) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    payload = gzip.compress(orjson.dumps({"Records": [record(0), record(1)]}))
    writer = threading.Thread(target=fifo.write_bytes, args=(payload,))
    writer.start()
    events, stats = read([fifo])
    writer.join(timeout=5)
    assert len(events) == 2
    assert stats.files_read == 1


@pytest.mark.parametrize("compress", [False, True])
def test_stdin_is_read_as_bytes(read: Reader, record: RecordFactory, compress: bool) -> None:
    data = b"".join(orjson.dumps(record(i)) + b"\n" for i in range(3))
    stream = io.BytesIO(gzip.compress(data) if compress else data)
    events, stats = read(["-"], options=ReadOptions(stdin=stream))
    assert [e.origin for e in events] == ["<stdin>"] * 3
    assert stats.files_read == 1


def test_a_missing_top_level_path_is_a_source_error_before_anything_is_read(
    tmp_path: Path, record: RecordFactory
) -> None:
    good = put(tmp_path / "a.json", orjson.dumps(record(0)))
    with pytest.raises(SourceError, match="no such file or directory"):
        read_cloudtrail([str(good), str(tmp_path / "missing.json")], ReadStats())


@pytest.mark.parametrize(
    ("specs", "match"),
    [
        ([], "no CloudTrail input"),
        (["s3://"], "no bucket name"),
        (["sqs://"], "no queue name"),
        (["lookup://us east 1"], "is not a region name"),
        (["gs://bucket/logs"], "unsupported input"),
        ([""], "empty input"),
        (["-", "-"], "only once"),
    ],
)
def test_malformed_specs_are_config_errors(specs: list[str], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        read_cloudtrail(specs, ReadStats())


def test_since_must_be_before_until(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must be before"):
        read_cloudtrail([str(tmp_path)], ReadStats(), since=datetime(2024, 5, 2), until=datetime(2024, 5, 1))
