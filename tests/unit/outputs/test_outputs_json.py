"""The ``json`` and ``jsonl`` outputs and the JSON shape of a finding."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.outputs.findings import USER, detection

from jackwatch.errors import Location
from jackwatch.model import CostBasis, CostFigures, Finding, Severity
from jackwatch.outputs import OutputFormat, render
from jackwatch.outputs.serialize import COST_MEMBERS, finding_to_dict, iso
from jackwatch.sources.stats import ReadStats

ROLE = "arn:aws:iam::123456789012:role/LLMGateway"
UTC_Z = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"

FINDING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "rule_id",
        "title",
        "severity",
        "principal",
        "first_seen",
        "last_seen",
        "count",
        "event_ids",
    ],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
        "kind": {"enum": ["detection", "misconfiguration", "vulnerability"]},
        "rule_id": {"type": "string", "minLength": 1},
        "title": {"type": "string", "minLength": 1},
        "severity": {"enum": ["critical", "high", "medium", "low", "info"]},
        "principal": {"type": "string", "minLength": 1},
        "key": {"type": "string"},
        "first_seen": {"type": "string", "pattern": UTC_Z},
        "last_seen": {"type": "string", "pattern": UTC_Z},
        "count": {"type": "integer", "minimum": 1},
        "event_ids": {"type": "array", "items": {"type": "string"}, "maxItems": 50},
        "event_ids_truncated": {"type": "boolean"},
        "mitre": {"type": "array", "items": {"type": "string"}},
        "evidence": {"type": "object"},
        "cost_usd": {"type": ["number", "null"], "minimum": 0},
        "burn_rate_usd_per_hour": {"type": ["number", "null"], "minimum": 0},
        "projected_24h_usd": {"type": ["number", "null"], "minimum": 0},
        "cost_basis": {"enum": ["tokens", "billing", "invocations", None]},
        "cost_estimated": {"type": ["boolean", "null"]},
        "cost_unknown_models": {"type": ["array", "null"], "items": {"type": "string"}},
    },
}
INCIDENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "title",
        "severity",
        "first_seen",
        "last_seen",
        "finding_ids",
        "principals",
        "providers",
        "timeline",
        "cost_usd",
        "burn_rate_usd_per_hour",
        "projected_24h_usd",
    ],
    "properties": {
        "severity": {"enum": ["critical", "high", "medium", "low", "info"]},
        "first_seen": {"type": "string", "pattern": UTC_Z},
        "finding_ids": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "timeline": {
            "type": "array",
            "items": {"type": "object", "required": ["time", "finding_id", "rule_id", "principal", "provider"]},
        },
    },
}
REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["findings", "incidents", "stats"],
    "additionalProperties": False,
    "properties": {
        "findings": {"type": "array", "items": FINDING_SCHEMA},
        "incidents": {"type": "array", "items": INCIDENT_SCHEMA},
        "stats": {
            "type": "object",
            "required": ["events_read", "events_skipped", "skipped_by_reason"],
            "properties": {
                "events_read": {"type": "integer", "minimum": 0},
                "events_skipped": {"type": "integer", "minimum": 0},
                "skipped_by_reason": {"type": "object", "additionalProperties": {"type": "integer"}},
            },
        },
    },
}


def read_stats() -> ReadStats:
    """Statistics of a run that skipped a few bad records."""
    stats = ReadStats(events_read=1204, files_read=3, files_failed=1)
    stats.skip("invalid_json", Location("logs/part-0001.json", 17), "Expecting ',' delimiter")
    stats.skip("truncated_gzip", Location("logs/part-0002.json.gz"), "compressed file ended early", records=0)
    stats.skip("not_an_object", Location("logs/part-0003.json", 4), "record is a list, not an object")
    return stats


def rendered(fmt: OutputFormat, findings: list[Finding], stats: dict[str, Any] | None = None) -> bytes:
    out = io.BytesIO()
    render(fmt, findings, read_stats().as_dict() if stats is None else stats, out)
    return out.getvalue()


def test_json_report_validates_against_the_documented_shape() -> None:
    findings = [
        detection(),
        detection("aws.bedrock.invocation_volume", ROLE, severity=Severity.CRITICAL, key="anthropic.claude-v2"),
    ]
    report = json.loads(rendered(OutputFormat.JSON, findings))
    jsonschema.validate(report, REPORT_SCHEMA)
    assert [f["rule_id"] for f in report["findings"]] == ["aws.bedrock.invoke_probe", "aws.bedrock.invocation_volume"]
    assert report["findings"][1]["principal"] == ROLE
    assert report["findings"][1]["key"] == "anthropic.claude-v2"


def test_the_schema_rejects_a_finding_without_a_required_key() -> None:
    report = json.loads(rendered(OutputFormat.JSON, [detection()]))
    del report["findings"][0]["event_ids"]
    with pytest.raises(jsonschema.ValidationError, match="event_ids"):
        jsonschema.validate(report, REPORT_SCHEMA)


def test_json_finding_carries_every_fact_of_the_finding() -> None:
    finding = detection(cost=CostFigures(12.75, 4.25, 102.0, CostBasis.TOKENS, False, ("acme.model-v1",)))
    assert json.loads(rendered(OutputFormat.JSON, [finding]))["findings"][0] == {
        "id": finding.id,
        "kind": "detection",
        "rule_id": "aws.bedrock.invoke_probe",
        "title": "Bedrock invocation probe",
        "severity": "high",
        "principal": USER,
        "key": "",
        "first_seen": "2024-11-03T14:02:11Z",
        "last_seen": "2024-11-03T14:09:11Z",
        "count": 3,
        "event_ids": ["4e1c7d0a-1f7b-4c1e-9d0f-0a9b8c7d6e5f", "9f2d", "a03b"],
        "event_ids_truncated": False,
        "mitre": ["T1580", "T1496.004"],
        "evidence": dict(finding.evidence),
        "cost_usd": 12.75,
        "burn_rate_usd_per_hour": 4.25,
        "projected_24h_usd": 102.0,
        "cost_basis": "tokens",
        "cost_estimated": False,
        "cost_unknown_models": ["acme.model-v1"],
    }


def test_an_unpriced_finding_has_null_cost_members() -> None:
    members = json.loads(rendered(OutputFormat.JSON, [detection()]))["findings"][0]
    assert [members[name] for name in COST_MEMBERS] == [None] * len(COST_MEMBERS)


def test_json_stats_report_what_was_read_and_every_skip_reason() -> None:
    stats = json.loads(rendered(OutputFormat.JSON, [detection()]))["stats"]
    assert stats["events_read"] == 1204
    assert stats["events_skipped"] == 2
    assert stats["skipped_by_reason"] == {"invalid_json": 1, "not_an_object": 1}
    assert stats["files_failed"] == 1
    assert {p["location"] for p in stats["problems"]} == {
        "logs/part-0001.json:17",
        "logs/part-0002.json.gz",
        "logs/part-0003.json:4",
    }


def test_json_with_no_findings_is_still_one_report_object() -> None:
    report = json.loads(rendered(OutputFormat.JSON, []))
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["findings"] == []
    assert report["stats"]["events_read"] == 1204


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2024, 11, 3, 16, 2, 11, tzinfo=timezone(timedelta(hours=2))), "2024-11-03T14:02:11Z"),
        (datetime(2024, 11, 3, 9, 2, 11, tzinfo=timezone(timedelta(hours=-5))), "2024-11-03T14:02:11Z"),
        (datetime(2024, 11, 3, 14, 2, 11, 250000, tzinfo=UTC), "2024-11-03T14:02:11.250000Z"),
        (datetime(2024, 11, 3, 14, 2, 11), "2024-11-03T14:02:11Z"),
    ],
)
def test_times_are_written_in_utc_with_a_z(moment: datetime, expected: str) -> None:
    assert iso(moment) == expected
    finding = finding_to_dict(detection(first_seen=moment, last_seen=moment))
    assert (finding["first_seen"], finding["last_seen"]) == (expected, expected)


@pytest.fixture
def new_york_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's local zone is America/New_York for the duration of the test."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("new_york_clock")
def test_naive_times_are_utc_whatever_the_local_zone() -> None:
    naive = datetime(2024, 11, 3, 14, 2, 11)
    assert iso(naive) == "2024-11-03T14:02:11Z"
    report = json.loads(rendered(OutputFormat.JSON, [detection(first_seen=naive, evidence={"at": naive})]))
    assert report["findings"][0]["first_seen"] == "2024-11-03T14:02:11Z"
    assert report["findings"][0]["evidence"] == {"at": "2024-11-03T14:02:11Z"}


def test_datetimes_left_in_evidence_are_utc_z_strings() -> None:
    evidence = {"learning_ended": datetime(2024, 11, 3, 16, 0, tzinfo=timezone(timedelta(hours=2)))}
    evidence["first_call"] = datetime(2024, 11, 3, 14, 0, tzinfo=UTC)
    report = json.loads(rendered(OutputFormat.JSON, [detection(evidence=evidence)]))
    assert report["findings"][0]["evidence"] == {
        "learning_ended": "2024-11-03T14:00:00Z",
        "first_call": "2024-11-03T14:00:00Z",
    }


@pytest.mark.parametrize(("count", "truncated"), [(3, False), (4, True), (5000, True)])
def test_event_ids_say_when_they_are_a_sample(count: int, truncated: bool) -> None:
    finding = finding_to_dict(detection(count=count))
    assert finding["count"] == count
    assert finding["event_ids_truncated"] is truncated


def test_jsonl_writes_one_json_object_per_finding_and_line() -> None:
    findings = [
        detection(),
        detection("aws.bedrock.region_fanout", ROLE),
        detection("aws.iam.key_recon", USER, severity=Severity.MEDIUM),
    ]
    lines = rendered(OutputFormat.JSONL, findings).split(b"\n")
    assert lines[-1] == b""
    records = [json.loads(line) for line in lines[:-1]]
    assert records == [finding_to_dict(f) for f in findings]
    for record in records:
        jsonschema.validate(record, FINDING_SCHEMA)


def test_jsonl_keeps_line_breaks_and_unicode_inside_strings() -> None:
    finding = detection(
        subject="arn:aws:iam::123456789012:user/zoë",
        evidence={"output": "probe\nby zoë\r\n", "user_agents": ["Mozilla/5.0 (X11; Linux x86_64)\u2028"]},
    )
    body = rendered(OutputFormat.JSONL, [finding, finding])
    lines = body.decode("utf-8").split("\n")
    assert len(lines) == 3
    assert json.loads(lines[0])["evidence"]["output"] == "probe\nby zoë\r\n"
    assert json.loads(lines[1])["principal"] == "arn:aws:iam::123456789012:user/zoë"


def test_jsonl_with_no_findings_writes_nothing() -> None:
    assert rendered(OutputFormat.JSONL, []) == b""


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_is_valid_utf8_and_names_the_finding(fmt: OutputFormat) -> None:
    body = rendered(fmt, [detection()]).decode("utf-8")
    assert "aws.bedrock.invoke_probe" in body


_texts = st.text(st.characters(codec="utf-8"), max_size=40)
_findings = st.builds(
    detection,
    rule_id=st.from_regex(r"[a-z][a-z0-9_.]{0,30}", fullmatch=True),
    subject=_texts.filter(bool),
    title=_texts.filter(bool),
    severity=st.sampled_from(Severity),
    count=st.integers(1, 10_000),
    key=_texts,
    evidence=st.dictionaries(_texts, st.lists(_texts, max_size=3) | _texts, max_size=4),
)


@given(st.lists(_findings, max_size=6))
def test_jsonl_round_trips_any_findings_one_per_line(findings: list[Finding]) -> None:
    lines = rendered(OutputFormat.JSONL, findings).split(b"\n")
    assert len(lines) == len(findings) + 1
    assert [json.loads(line) for line in lines[:-1]] == [finding_to_dict(f) for f in findings]


@given(st.lists(_findings, max_size=4))
def test_json_report_of_any_findings_validates(findings: list[Finding]) -> None:
    report = json.loads(rendered(OutputFormat.JSON, findings))
    jsonschema.validate(report, REPORT_SCHEMA)
    for finding in report["findings"]:
        assert re.fullmatch(UTC_Z, finding["first_seen"])
