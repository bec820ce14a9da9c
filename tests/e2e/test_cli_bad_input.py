"""Bad input through ``jackwatch detect``: each problem is counted with its location, the rest is read."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from tests.e2e import trails
from tests.e2e.demo_env import BAD_INPUT, BAD_INPUT_MANIFEST_CANDIDATES, first_existing
from tests.e2e.runner import CliResult, run_cli

BAD_FILES = sorted(path.name for path in BAD_INPUT.iterdir() if path.is_file() and path.name != "expected.json")


def detect(*paths: Path) -> tuple[CliResult, dict[str, Any]]:
    """``detect PATHS --no-store --format json``: the run, and its report."""
    result = run_cli("detect", *paths, "--no-store", "--quiet", "--format", "json")
    assert result.code in (0, 2), result.describe()
    assert "Traceback" not in result.stderr
    return result, result.report()


def problems_at(report: dict[str, Any], path: Path) -> list[dict[str, str]]:
    """The problems located in ``path`` (``path``, ``path:line`` or ``path:line:col``)."""
    return [p for p in report["stats"]["problems"] if p["location"].split(":")[0] == str(path)]


def expected_code(report: dict[str, Any]) -> int:
    """2 when a file could not be used at all, else 0."""
    return 2 if report["stats"]["files_failed"] else 0


@pytest.fixture(scope="module")
def bad_input_manifest() -> dict[str, dict[str, Any]]:
    """Per file of ``bad-input/``: how many records are readable and how many are bad."""
    path = first_existing(BAD_INPUT_MANIFEST_CANDIDATES)
    if path is None:
        pytest.fail(f"no bad-input manifest at any of {[str(p) for p in BAD_INPUT_MANIFEST_CANDIDATES]}")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(manifest, dict)
    return manifest


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    """A valid gzip CloudTrail file: the probe trace (5 records, 3 probes)."""
    return trails.write(tmp_path / "good" / "probe.json.gz", trails.cloudtrail_document(trails.probe_trace()))


def test_the_manifest_covers_every_bad_input_file(bad_input_manifest: dict[str, dict[str, Any]]) -> None:
    assert set(bad_input_manifest) == set(BAD_FILES)


@pytest.mark.parametrize("name", BAD_FILES)
def test_each_demo_bad_input_is_counted_with_its_location(
    name: str, bad_input_manifest: dict[str, dict[str, Any]]
) -> None:
    path = BAD_INPUT / name
    expected = bad_input_manifest[name]
    result, report = detect(path)
    stats = report["stats"]
    assert stats["events_read"] == expected["readable_records"]
    assert stats["events_skipped"] == expected.get("bad_records", 1)
    located = problems_at(report, path)
    assert located and all(p["message"] and p["reason"] for p in located)
    assert sum(stats["skipped_by_reason"].values()) == stats["events_skipped"]
    assert result.code == expected_code(report)


def test_the_bad_input_folder_beside_a_good_file(
    bad_input_manifest: dict[str, dict[str, Any]], good_file: Path
) -> None:
    result, report = detect(BAD_INPUT, good_file)
    stats = report["stats"]
    assert stats["events_read"] == 5 + sum(entry["readable_records"] for entry in bad_input_manifest.values())
    assert {p["location"].split(":")[0] for p in stats["problems"]} == {str(BAD_INPUT / name) for name in BAD_FILES}
    assert {f["rule_id"] for f in report["findings"]} >= {"aws.bedrock.invoke_probe"}
    assert stats["files_failed"] >= 1, "nothing in the cut-short JSON document can be used"
    assert result.code == 2


def test_a_truncated_gzip_file_beside_a_good_one(good_file: Path, tmp_path: Path) -> None:
    whole = gzip.compress(trails.cloudtrail_document(trails.probe_trace()))
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    result, report = detect(cut, good_file)
    assert report["stats"]["events_read"] == 5
    assert [p["reason"] for p in problems_at(report, cut)] == ["truncated_gzip"]
    assert result.code == expected_code(report)


def test_broken_lines_of_a_json_lines_file(tmp_path: Path) -> None:
    records = trails.probe_trace()
    lines = [
        json.dumps(records[0]),
        '{"eventName": "InvokeModel", "eventTime": ',
        "42",
        json.dumps({k: v for k, v in records[1].items() if k != "eventName"}),
        json.dumps({**records[2], "eventTime": 1749556800}),
        json.dumps({**records[3], "eventTime": "yesterday at noon"}),
        json.dumps(records[4]),
    ]
    path = trails.write(tmp_path / "broken.jsonl", "\n".join(lines).encode() + b"\n")
    result, report = detect(path)
    stats = report["stats"]
    assert stats["events_read"] == 2
    assert stats["events_skipped"] == 5
    assert sorted((p["location"], p["reason"]) for p in stats["problems"]) == [
        (f"{path}:2:{len(lines[1]) + 1}", "invalid_json"),
        (f"{path}:3", "not_an_object"),
        (f"{path}:4", "missing_field"),
        (f"{path}:5", "invalid_field"),
        (f"{path}:6", "invalid_field"),
    ]
    assert result.code == 0


def test_odd_addresses_regions_and_field_types_do_not_stop_detection(tmp_path: Path) -> None:
    oddities: list[dict[str, Any]] = [
        {"sourceIPAddress": "035.249.253.232"},
        {"sourceIPAddress": "2001:db8::1"},
        {"sourceIPAddress": "bedrock.amazonaws.com"},
        {"awsRegion": "mars-north-9"},
        {"awsRegion": 42},
        {"sourceIPAddress": 3232235777},
        {"userAgent": None},
        {"requestParameters": "modelId=anthropic.claude-v2"},
        {"userIdentity": "root"},
        {"errorMessage": ["not", "a", "string"]},
    ]
    records = [
        {**trails.probe(f"0dd0000{n}-0000-4000-8000-000000000000", f"2025-06-10T14:0{n}:00Z"), **change}
        for n, change in enumerate(oddities)
    ]
    path = trails.write(tmp_path / "odd.json", trails.cloudtrail_document(records))
    result, report = detect(path)
    assert result.code == 0
    assert report["stats"]["events_read"] == len(records)
    probes = [f for f in report["findings"] if f["rule_id"] == "aws.bedrock.invoke_probe"]
    about_thief = [f for f in probes if f["principal"] == trails.THIEF]
    assert len(about_thief) == 1
    evidence = about_thief[0]["evidence"]
    assert {"35.249.253.232", "2001:db8::1", "bedrock.amazonaws.com"} <= set(evidence["source_ips"])
    assert "mars-north-9" in evidence["regions"]


def test_non_utf8_bytes_are_replaced_and_located(tmp_path: Path) -> None:
    records = trails.probe_trace()
    marked = {**records[1], "userAgent": "aiohttp/3.9.5 MARK"}
    document = trails.cloudtrail_document([records[0], marked, *records[2:]])
    path = trails.write(tmp_path / "latin1.json", document.replace(b"MARK", b"caf\xe9"))
    others = [{**record, "eventID": f"{record['eventID']}-line"} for record in records[:2]]  # not read twice
    lines = trails.write(tmp_path / "latin1.jsonl", trails.json_lines(others) + b'{"eventName": "\xff\xfe"}\n')
    result, report = detect(path, lines)
    stats = report["stats"]
    assert stats["events_read"] == 5 + 2
    located = {(p["location"], p["reason"]) for p in stats["problems"]}
    assert {(f"{lines}:3", "missing_field"), (f"{lines}:3:16", "invalid_utf8")} <= located
    assert [p["reason"] for p in problems_at(report, path)] == ["invalid_utf8"]
    assert "aws.bedrock.invoke_probe" in {f["rule_id"] for f in report["findings"]}
    assert result.code == 0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty_file"),
        (b"  \n\n", "empty_file"),
        (b"null", "not_an_object"),
        (b'{"Records": 5}', "invalid_records"),
        (b'{"Records": [}', "invalid_json"),
    ],
    ids=["empty", "blank", "null", "records-not-array", "records-broken"],
)
def test_degenerate_files_beside_a_good_one(content: bytes, reason: str, good_file: Path, tmp_path: Path) -> None:
    bad = trails.write(tmp_path / "bad.json", content)
    _, report = detect(bad, good_file)
    assert report["stats"]["events_read"] == 5
    assert [p["reason"] for p in problems_at(report, bad)] == [reason]
