"""An Azure OpenAI LLMjacking story, read from a storage-account tree and run through the built-in rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from tests.unit.sources.azure.azure_samples import (
    ACCOUNT_ID,
    LOCAL_AUTH_ON,
    MALLORY_OID,
    SUBSCRIPTION,
    account_write,
    activity_export,
    audit_list_key,
    request_response,
)

from jackwatch.detect.service import RuleSelection, build_detector, detect_events
from jackwatch.model import Finding
from jackwatch.normalize import AsnDb
from jackwatch.sources.azure import read_azure_openai
from jackwatch.sources.stats import ReadStats

DAY = 86_400
ACCOUNT_PATH = ACCOUNT_ID.upper().removeprefix("/")
PROBER = "5.161.100.***"


def _write(root: Path, container: str, resource: str, records: list[dict[str, Any]]) -> None:
    """Records into the hourly PT1H.json blobs of their time, as a diagnostic setting writes them."""
    by_hour: dict[str, list[bytes]] = {}
    for record in records:
        stamp = record["time"]
        hour = f"y={stamp[:4]}/m={stamp[5:7]}/d={stamp[8:10]}/h={stamp[11:13]}/m=00"
        by_hour.setdefault(hour, []).append(orjson.dumps(record))
    for hour, lines in by_hour.items():
        path = root / container / f"resourceId=/{resource}" / hour / "PT1H.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\n".join(lines) + b"\n")


def _story(root: Path) -> None:
    week_before = -8 * DAY
    app = [request_response(week_before + i * 3 * 3600, callerIpAddress="198.51.100.***") for i in range(56)]
    probes = [request_response(600 + i * 20, callerIpAddress=PROBER, resultSignature="400") for i in range(5)]
    burst = [request_response(1200 + i, callerIpAddress=PROBER) for i in range(320)]
    _write(root, "insights-logs-requestresponse", ACCOUNT_PATH, app + probes + burst)
    _write(root, "insights-logs-audit", ACCOUNT_PATH, [audit_list_key(301)])
    _write(
        root,
        "insights-activity-logs",
        f"SUBSCRIPTIONS/{SUBSCRIPTION.upper()}",
        [account_write(0, LOCAL_AUTH_ON), activity_export(300, result="Start"), activity_export(302)],
    )


def test_the_story_gives_one_finding_per_rule_about_the_right_subject(tmp_path: Path) -> None:
    _story(tmp_path)
    stats = ReadStats()
    events = read_azure_openai([str(tmp_path)], stats)
    result = detect_events(build_detector(RuleSelection(), AsnDb.load()), events, stats)
    assert not stats.problems
    assert stats.events_read == 56 + 5 + 320 + 1 + 3
    found: dict[str, Finding] = {finding.rule_id: finding for finding, _ in result.findings}
    assert sorted(found) == [
        "azure.openai.content_filter_probe",
        "azure.openai.keys_listed",
        "azure.openai.local_auth_enabled",
        "azure.openai.new_caller",
        "azure.openai.request_burst",
    ]
    account = ACCOUNT_ID.lower()
    assert found["azure.openai.local_auth_enabled"].subject == MALLORY_OID
    keys = found["azure.openai.keys_listed"]
    assert (keys.subject, keys.count) == (MALLORY_OID, 2)  # the Activity log's and the Audit log's record
    assert keys.evidence["source_ips"] == ["198.51.100.23"]
    new_caller = found["azure.openai.new_caller"]
    assert (new_caller.subject, new_caller.count) == (account, 1)
    assert new_caller.evidence["asns"] == ["AS213230 Hetzner Online GmbH"]
    assert new_caller.evidence["source_ips"] == [PROBER]
    probe = found["azure.openai.content_filter_probe"]
    assert (probe.subject, probe.key, probe.count) == (account, "openai-app-eastus|5.161.100.0/24", 5)
    burst = found["azure.openai.request_burst"]
    assert burst.subject == account
    assert burst.count == 300 + 20
    assert burst.evidence["deployments"] == ["gpt-4o-prod"]
    assert burst.evidence["regions"] == ["eastus"]
