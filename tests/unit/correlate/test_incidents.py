"""Incidents: findings linked by principal, key, IP or network-and-client within a window; their cost."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jackwatch.correlate.incidents import find_incidents, group_findings, indicators, provider_of
from jackwatch.model import CostBasis, CostFigures, Finding, FindingKind, Severity, finding_id

T0 = datetime(2026, 6, 10, 14, 0, tzinfo=UTC)
THIEF = "arn:aws:iam::111122223333:user/openai-app-bedrock"
AZURE = "/subscriptions/0b1f/resourceGroups/prod/providers/Microsoft.CognitiveServices/accounts/chat"


def finding(rule_id: str, subject: str, minutes: float = 0, length: float = 0, **evidence: Any) -> Finding:
    prefix = rule_id.split(".")[0]
    source = {"aws": "aws_cloudtrail", "azure": "azure_openai", "gcp": "gcp_auditlog", "runtime": "syscall"}[prefix]
    cost = evidence.pop("cost", None)
    severity = evidence.pop("severity", Severity.HIGH)
    return Finding(
        id=finding_id(FindingKind.DETECTION, rule_id, subject, str(minutes)),
        kind=FindingKind.DETECTION,
        rule_id=rule_id,
        title=rule_id,
        subject=subject,
        severity=severity,
        first_seen=T0 + timedelta(minutes=minutes),
        last_seen=T0 + timedelta(minutes=minutes + length),
        count=1,
        evidence={"source": source, **evidence},
        cost=cost,
    )


def spend(usd: float, basis: CostBasis = CostBasis.TOKENS, estimated: bool = False) -> CostFigures:
    return CostFigures(usd, usd, usd * 24, basis, estimated)


def test_indicators_skip_service_names_and_need_one_asn_for_a_network() -> None:
    one_asn = finding(
        "aws.bedrock.invoke_probe",
        THIEF,
        source_ips=["5.161.100.20", "bedrock.amazonaws.com"],
        access_key_ids=["AKIAEXAMPLE"],
        asns=["AS24940 Hetzner Online GmbH"],
        user_agents=["python-requests/2.31"],
    )
    assert indicators(one_asn) == {
        ("principal", THIEF),
        ("key", "AKIAEXAMPLE"),
        ("ip", "5.161.100.20"),
        ("network", "AS24940 Hetzner Online GmbH", "python-requests/2.31"),
    }
    two_asns = finding("aws.bedrock.invoke_probe", THIEF, asns=["AS1 A", "AS2 B"], user_agents=["curl/8"])
    assert indicators(two_asns) == {("principal", THIEF)}


def test_one_attack_across_providers_is_one_incident_with_a_timeline() -> None:
    probe = finding("aws.bedrock.invoke_probe", THIEF, 0, 5, source_ips=["5.161.100.20"], severity=Severity.HIGH)
    volume = finding(
        "aws.bedrock.invocation_volume",
        THIEF,
        60,
        120,
        source_ips=["45.14.71.9"],
        models=["anthropic.claude-3-opus"],
        cost=spend(1800.0),
        severity=Severity.HIGH,
    )
    azure = finding(
        "azure.openai.content_filter_probe", AZURE, 30, 2, source_ips=["5.161.100.20"], severity=Severity.MEDIUM
    )
    unrelated = finding(
        "aws.bedrock.logging_recon", "arn:aws:iam::111122223333:role/Admin", 10, source_ips=["10.0.0.1"]
    )
    (incident,) = find_incidents([volume, unrelated, azure, probe])
    assert incident.id == probe.id  # the earliest finding names the incident
    assert incident.finding_ids == (probe.id, azure.id, volume.id)
    assert incident.providers == ("aws", "azure")
    assert incident.principals == tuple(sorted([THIEF, AZURE]))
    assert incident.models == ("anthropic.claude-3-opus",)
    assert incident.severity is Severity.HIGH
    assert [entry.rule_id for entry in incident.timeline] == [
        "aws.bedrock.invoke_probe",
        "azure.openai.content_filter_probe",
        "aws.bedrock.invocation_volume",
    ]
    assert (incident.first_seen, incident.last_seen) == (T0, T0 + timedelta(minutes=180))
    assert incident.cost is not None
    assert (incident.cost.usd, incident.cost.burn_rate_usd_per_hour, incident.cost.projected_24h_usd) == (
        1800.0,
        600.0,
        14400.0,
    )


def test_findings_further_apart_than_the_window_are_separate() -> None:
    first = finding("aws.bedrock.invoke_probe", THIEF, 0, cost=spend(1.0))
    later = finding("aws.bedrock.invoke_probe", THIEF, 60 * 30, cost=spend(2.0))
    assert len(find_incidents([first, later], timedelta(hours=24))) == 2
    assert len(find_incidents([first, later], timedelta(hours=31))) == 1


def test_a_chain_links_through_a_long_finding() -> None:
    long = finding("aws.bedrock.invocation_volume", THIEF, 0, 60 * 48)
    start = finding("aws.bedrock.invoke_probe", THIEF, 0)
    end = finding("aws.bedrock.region_fanout", THIEF, 60 * 47)
    assert len(group_findings([start, long, end])) == 1


def test_lone_findings_without_cost_are_not_incidents() -> None:
    assert find_incidents([finding("aws.bedrock.logging_recon", THIEF)]) == []
    (priced,) = find_incidents([finding("aws.bedrock.invocation_volume", THIEF, cost=spend(5.0))])
    assert priced.cost is not None and priced.cost.usd == 5.0


def test_cost_takes_each_principals_costliest_finding_and_sums_principals() -> None:
    overlapping = [
        finding("aws.bedrock.invocation_volume", THIEF, 0, 60, cost=spend(100.0)),
        finding("aws.bedrock.region_fanout", THIEF, 10, 20, cost=spend(40.0, CostBasis.INVOCATIONS, True)),
        finding(
            "aws.bedrock.new_source",
            "arn:aws:iam::111122223333:user/other",
            5,
            access_key_ids=["AKIAX"],
            source_ips=["45.14.71.9"],
            cost=spend(7.5, CostBasis.INVOCATIONS, True),
        ),
        finding("aws.bedrock.invoke_probe", THIEF, 1, source_ips=["45.14.71.9"]),
    ]
    (incident,) = find_incidents(overlapping)
    assert incident.cost is not None
    assert incident.cost.usd == 107.5
    assert incident.cost.basis is CostBasis.TOKENS and incident.cost.estimated


@pytest.mark.parametrize(
    ("evidence", "provider"),
    [
        ({"source": "aws_cloudtrail"}, "aws"),
        ({"source": "aws_bedrock_invocation"}, "aws"),
        ({"source": "gcp_auditlog"}, "gcp"),
        ({"source": "llm_usage", "providers": ["openai"]}, "openai"),
        ({"source": "llm_usage", "providers": ["gcp_vertex"]}, "gcp"),
        ({"source": "correlation"}, None),
    ],
)
def test_provider_of_a_finding(evidence: dict[str, Any], provider: str | None) -> None:
    assert provider_of(replace(finding("aws.bedrock.invoke_probe", THIEF), evidence=evidence)) == provider


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 4000)), min_size=1, max_size=25))
def test_grouping_is_a_partition_and_linked_findings_share_a_group(specs: list[tuple[int, int, int]]) -> None:
    found = [
        finding("aws.bedrock.invoke_probe", f"user-{user}", minutes, source_ips=[f"203.0.113.{ip}"])
        for user, ip, minutes in specs
    ]
    found = list({f.id: f for f in found}.values())
    groups = group_findings(found, timedelta(hours=24))
    assert sorted(f.id for group in groups for f in group) == sorted(f.id for f in found)
    where = {f.id: index for index, group in enumerate(groups) for f in group}
    for a in found:
        for b in found:
            shared = indicators(a) & indicators(b)
            if shared and abs(a.first_seen - b.first_seen) <= timedelta(hours=24):
                assert where[a.id] == where[b.id]


def test_the_title_names_the_principal_of_most_findings() -> None:
    found = [
        finding("aws.bedrock.invoke_probe", THIEF, 0, access_key_ids=["AKIAX"]),
        finding("aws.bedrock.region_fanout", THIEF, 5),
        finding(
            "aws.bedrock.api_key_misuse",
            "arn:aws:iam::111122223333:user/BedrockAPIKey-x1y2",
            9,
            access_key_ids=["AKIAX"],
        ),
    ]
    (incident,) = find_incidents(found)
    assert incident.title == f"3 findings about {THIEF} and 1 other principal (aws)"


def test_an_incident_of_runtime_findings_says_how_it_was_observed() -> None:
    container = "bd77b7942761"
    found = [
        finding("runtime.shell_from_ai_server", container, 0, severity=Severity.HIGH),
        finding("runtime.user_home_in_tmpfs", container, 1, severity=Severity.CRITICAL),
    ]
    (incident,) = find_incidents(found)
    assert incident.title == f"2 findings about {container} (runtime)" and incident.providers == ()
