"""Recording, merging and querying findings, and run records, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from jackwatch.errors import StoreError
from jackwatch.model import CostBasis, CostFigures, Finding, FindingKind, Severity, finding_id
from jackwatch.model.finding import MAX_EVENT_IDS
from jackwatch.store import Store, open_store

T0 = datetime(2024, 11, 3, 14, 0, tzinfo=UTC)
ALICE = "arn:aws:iam::123456789012:user/alice"
BOB = "arn:aws:iam::123456789012:role/bedrock-proxy"


def make_finding(
    rule_id: str = "aws.bedrock.invoke_probe",
    subject: str = ALICE,
    *,
    kind: FindingKind = FindingKind.DETECTION,
    key: str = "",
    **changes: Any,
) -> Finding:
    values: dict[str, Any] = {
        "id": finding_id(kind, rule_id, subject, key),
        "kind": kind,
        "rule_id": rule_id,
        "title": f"{rule_id} title",
        "subject": subject,
        "key": key,
        "severity": Severity.HIGH,
        "first_seen": T0,
        "last_seen": T0 + timedelta(minutes=10),
        "count": 1,
        "evidence": {"regions": ["us-east-1"], "output": f"{rule_id} by {subject}"},
        "mitre": ("T1078.004",),
    }
    values.update(changes)
    return Finding(**values)


def event_ids(count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)]


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url) as opened:
        yield opened


def test_recording_the_same_finding_and_events_twice_changes_nothing(store: Store) -> None:
    events = event_ids(3)
    finding = make_finding(count=3, event_ids=tuple(events[:2]))
    store.record(finding, events)
    first = store.get(finding.id)
    store.record(finding, events)
    assert store.get(finding.id) == first
    assert first is not None
    assert first.count == 3
    assert first.event_ids == tuple(sorted(events))
    assert [found.id for found in store.findings()] == [finding.id]


def test_count_is_the_number_of_distinct_events_across_runs(store: Store) -> None:
    events = event_ids(5)
    store.record(make_finding(count=3), events[:3])
    store.record(make_finding(count=3), events[2:])
    stored = store.get(make_finding().id)
    assert stored is not None
    assert stored.count == 5
    assert stored.event_ids == tuple(sorted(events))


def test_finding_own_event_ids_are_linked_too(store: Store) -> None:
    events = event_ids(4)
    store.record(make_finding(count=2, event_ids=tuple(events[:2])))
    store.record(make_finding(count=2, event_ids=tuple(events[1:3])), [events[3]])
    stored = store.get(make_finding().id)
    assert stored is not None
    assert stored.count == 4


def test_event_ids_keep_the_first_fifty_sorted_while_count_keeps_growing(store: Store) -> None:
    events = event_ids(130)
    store.record(make_finding(count=70), events[:70])
    store.record(make_finding(count=60), events[70:])
    stored = store.get(make_finding().id)
    assert stored is not None
    assert stored.count == 130
    assert stored.event_ids == tuple(sorted(events)[:MAX_EVENT_IDS])


def test_findings_without_events_keep_the_count_they_were_given(store: Store) -> None:
    finding = make_finding(
        "k8s.container.privileged",
        "k8s://prod/default/Deployment/openai-app",
        kind=FindingKind.MISCONFIGURATION,
        count=1,
    )
    store.record(finding)
    store.record(finding)
    stored = store.get(finding.id)
    assert stored is not None
    assert (stored.count, stored.event_ids) == (1, ())


FIRST_COST = CostFigures(1.5, 0.75, 18.0, CostBasis.INVOCATIONS, True, ("acme.unknown-v1",))


def test_times_and_evidence_merge_and_newest_description_wins(store: Store) -> None:
    events = event_ids(4)
    store.record(
        make_finding(
            first_seen=T0,
            last_seen=T0 + timedelta(hours=1),
            evidence={"regions": ["us-east-1"], "source_ips": ["198.51.100.7"], "output": "first run"},
            cost=FIRST_COST,
        ),
        events[:2],
    )
    store.record(
        make_finding(
            first_seen=T0 - timedelta(hours=2),
            last_seen=T0 + timedelta(minutes=30),
            title="Bedrock invocation probe",
            severity=Severity.CRITICAL,
            mitre=("T1078.004", "T1496"),
            evidence={"regions": ["us-west-2", "eu-west-1", "us-east-1"], "output": "second run"},
        ),
        events[2:],
    )
    stored = store.get(make_finding().id)
    assert stored is not None
    assert stored.first_seen == T0 - timedelta(hours=2)
    assert stored.last_seen == T0 + timedelta(hours=1)
    assert stored.title == "Bedrock invocation probe"
    assert stored.severity is Severity.CRITICAL
    assert stored.mitre == ("T1078.004", "T1496")
    assert stored.cost == FIRST_COST  # the second record had no cost: the first one's stays, every figure
    assert stored.evidence == {
        "regions": ["eu-west-1", "us-east-1", "us-west-2"],
        "source_ips": ["198.51.100.7"],
        "output": "second run",
    }


def test_evidence_lists_are_capped_at_fifty(store: Store) -> None:
    ips = [f"203.0.113.{n}" for n in range(80)]
    store.record(make_finding(evidence={"source_ips": ips[:45]}))
    store.record(make_finding(evidence={"source_ips": ips[45:]}))
    stored = store.get(make_finding().id)
    assert stored is not None
    assert stored.evidence["source_ips"] == sorted(ips)[:50]


def test_evidence_is_stored_as_given_without_redaction(store: Store) -> None:
    evidence = {
        "api_key": "sk-a…9xQ",
        "fingerprint": "sha256:4f2c0d9a8b7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a",
        "request": {"modelId": "anthropic.claude-3-sonnet", "max_tokens_to_sample": -1},
        "user_agents": ["Boto3/1.34.1", "aiohttp/3.9.1"],
        "flagged": True,
        "score": 0.75,
    }
    store.record(make_finding(evidence=evidence))
    stored = store.get(make_finding().id)
    assert stored is not None
    assert stored.evidence == evidence


def test_aware_times_and_unicode_round_trip(store: Store) -> None:
    kolkata = timezone(timedelta(hours=5, minutes=30))
    first = datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=kolkata)
    finding = make_finding(
        "aws.bedrock.new_source",
        "arn:aws:iam::123456789012:user/ユーザー-ключ",
        key="AS13335|Cloudflare, Inc. — 東京",
        title="Nouvelle source réseau 🔑",
        first_seen=first,
        last_seen=first + timedelta(seconds=1),
        evidence={"asns": ["AS13335 Cloudflare — 東京"], "output": "🔑 ключ"},
    )
    store.record(finding)
    stored = store.get(finding.id)
    assert stored == finding
    assert stored is not None
    assert stored.first_seen.utcoffset() == timedelta(0)
    assert stored.first_seen == datetime(2024, 2, 29, 18, 29, 59, 123456, tzinfo=UTC)
    assert store.findings(subject=finding.subject) == [finding]


def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.record(make_finding(first_seen=datetime(2024, 1, 1)))
    with pytest.raises(ValueError, match="naive"):
        store.findings(since=datetime(2024, 1, 1))
    assert store.findings() == []


def test_evidence_that_is_not_json_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="not JSON"):
        store.record(make_finding(evidence={"socket": object()}))
    assert store.get(make_finding().id) is None


def test_get_unknown_id(store: Store) -> None:
    assert store.get("0" * 32) is None


def test_record_many_in_batches_merges_duplicates_within_a_batch(store: Store) -> None:
    principals = [f"arn:aws:iam::123456789012:user/u{n:04d}" for n in range(250)]
    items = [(make_finding(subject=principal), event_ids(3)) for principal in principals]
    repeated_events = event_ids(2)
    items.append((make_finding(subject=principals[0]), repeated_events[:1]))
    items.append((make_finding(subject=principals[0]), repeated_events))
    store.record_many(iter(items), batch_size=100)
    stored = store.findings()
    assert len(stored) == 250
    assert {finding.subject: finding.count for finding in stored}[principals[0]] == 5


def test_large_batch_with_many_events(store: Store) -> None:
    items = [(make_finding(key=f"model-{n}", count=500), event_ids(500)) for n in range(40)]
    store.record_many(items)
    store.record_many(items)
    assert sorted({finding.count for finding in store.findings()}) == [500]


def test_batch_size_must_be_positive(store: Store) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        store.record_many([(make_finding(), [])], batch_size=0)


def test_concurrent_writers_count_every_distinct_event_once(db_url: str) -> None:
    events = event_ids(200)
    stores = [open_store(db_url) for _ in range(4)]

    def write(worker: int) -> None:
        for start in range(0, 200, 20):
            chunk = events[start : start + 20 + worker * 5]
            stores[worker].record_many([(make_finding(), chunk), (make_finding(subject=BOB), chunk)])

    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(write, range(4)))
        assert {finding.subject: finding.count for finding in stores[0].findings()} == {ALICE: 200, BOB: 200}
    finally:
        for opened in stores:
            opened.close()


@pytest.fixture
def populated(store: Store) -> dict[str, Finding]:
    findings = {
        "critical_old": make_finding(
            "aws.bedrock.logging_tampered", BOB, severity=Severity.CRITICAL, last_seen=T0 + timedelta(hours=1)
        ),
        "critical_new": make_finding(
            "aws.bedrock.guardrail_tampered",
            BOB,
            severity=Severity.CRITICAL,
            first_seen=T0 + timedelta(days=2),
            last_seen=T0 + timedelta(days=2, hours=1),
        ),
        "high": make_finding(severity=Severity.HIGH, last_seen=T0 + timedelta(days=3)),
        "medium": make_finding(
            "aws.bedrock.region_fanout",
            severity=Severity.MEDIUM,
            first_seen=T0 + timedelta(days=1),
            last_seen=T0 + timedelta(days=1, hours=2),
        ),
        "low_misconfig": make_finding(
            "k8s.container.privileged",
            "k8s://prod/default/Deployment/openai-app",
            kind=FindingKind.MISCONFIGURATION,
            severity=Severity.LOW,
        ),
        "info": make_finding("aws.bedrock.logging_recon", severity=Severity.INFO),
    }
    store.record_many((finding, []) for finding in findings.values())
    return findings


def names(found: list[Finding], populated: dict[str, Finding]) -> list[str]:
    by_id = {finding.id: name for name, finding in populated.items()}
    return [by_id[finding.id] for finding in found]


def test_findings_come_most_severe_first_then_most_recent(store: Store, populated: dict[str, Finding]) -> None:
    assert names(store.findings(), populated) == [
        "critical_new",
        "critical_old",
        "high",
        "medium",
        "low_misconfig",
        "info",
    ]
    assert names(store.findings(limit=2), populated) == ["critical_new", "critical_old"]
    assert store.findings(limit=0) == []


def test_findings_filters(store: Store, populated: dict[str, Finding]) -> None:
    assert names(store.findings(rule_id="aws.bedrock.region_fanout"), populated) == ["medium"]
    assert store.findings(rule_id="aws.bedrock.unknown") == []
    assert names(store.findings(subject=BOB), populated) == ["critical_new", "critical_old"]
    assert names(store.findings(min_severity=Severity.HIGH), populated) == [
        "critical_new",
        "critical_old",
        "high",
    ]
    assert len(store.findings(min_severity=Severity.INFO)) == 6
    assert names(store.findings(kind=FindingKind.MISCONFIGURATION), populated) == ["low_misconfig"]
    assert store.findings(kind=FindingKind.VULNERABILITY) == []
    assert names(store.findings(since=T0 + timedelta(days=1)), populated) == [
        "critical_new",
        "high",
        "medium",
    ]
    assert names(store.findings(until=T0 - timedelta(seconds=1)), populated) == []
    window = store.findings(since=T0 + timedelta(days=1), until=T0 + timedelta(days=1, hours=1))
    assert names(window, populated) == ["high", "medium"]
    combined = store.findings(subject=ALICE, min_severity=Severity.MEDIUM, since=T0 + timedelta(days=2))
    assert names(combined, populated) == ["high"]


def test_since_compares_instants_not_wall_clock(store: Store, populated: dict[str, Finding]) -> None:
    new_york = timezone(timedelta(hours=-5))
    since = (T0 + timedelta(days=3)).astimezone(new_york)
    assert names(store.findings(since=since), populated) == ["high"]
    assert names(store.findings(since=since + timedelta(microseconds=1)), populated) == []


def test_negative_limit_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="limit"):
        store.findings(limit=-1)
    with pytest.raises(ValueError, match="limit"):
        store.runs(limit=-1)


def test_runs_are_recorded_with_inputs_and_stats(db_url: str) -> None:
    ticks = iter(T0 + timedelta(seconds=n) for n in range(10))
    with open_store(db_url, clock=lambda: next(ticks)) as store:
        first = store.start_run("detect", ["s3://trail-bucket/AWSLogs/", "./local/ct.json.gz"])
        second = store.start_run("detect", [])
        stats = {"events_read": 1042, "events_skipped": {"invalid_json": 2, "not_an_object": 1}}
        store.finish_run(first, stats)
        runs = store.runs()
        assert store.runs(limit=1) == runs[:1]
    assert second > first
    assert [run.id for run in runs] == [second, first]
    assert runs[1].command == "detect"
    assert runs[1].inputs == ("s3://trail-bucket/AWSLogs/", "./local/ct.json.gz")
    assert runs[1].started_at == T0
    assert runs[1].finished_at == T0 + timedelta(seconds=2)
    assert runs[1].stats == stats
    assert (runs[0].finished_at, runs[0].stats) == (None, None)


def test_finishing_an_unknown_run_fails(store: Store) -> None:
    with pytest.raises(StoreError, match="no run 4242"):
        store.finish_run(4242, {"events_read": 0})


def test_run_stats_must_be_json(store: Store) -> None:
    run = store.start_run("detect", ["-"])
    with pytest.raises(StoreError, match="not JSON"):
        store.finish_run(run, {"reader": object()})
