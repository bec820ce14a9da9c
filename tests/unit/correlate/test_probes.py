"""xcloud.multi_provider_probe: one source IP probing keys of several providers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from tests.unit.correlate.test_incidents import AZURE, THIEF, finding

from jackwatch.correlate.probes import ProbeCorrelation, builtin_correlation_files, correlate_probes, load_correlation
from jackwatch.errors import ContentError
from jackwatch.model import FindingKind, Severity

IP = "5.161.100.20"


@pytest.fixture(scope="module")
def rule() -> ProbeCorrelation:
    (path,) = [path for path in builtin_correlation_files() if path.stem == "multi_provider_probe"]
    return load_correlation(path)


def test_the_builtin_rule_loads_with_its_docs(rule: ProbeCorrelation) -> None:
    assert rule.id == "xcloud.multi_provider_probe" and rule.severity is Severity.CRITICAL
    assert rule.window == timedelta(hours=24) and rule.min_providers == 2
    assert {
        "aws.bedrock.invoke_probe",
        "azure.openai.content_filter_probe",
        "gcp.vertex.probe_errors",
    } <= rule.probe_rules
    assert set(rule.docs) == {"why", "false_positives", "response"} and all(rule.docs.values())
    assert "T1078.004" in rule.mitre


def test_two_providers_probed_from_one_ip(rule: ProbeCorrelation) -> None:
    aws = finding("aws.bedrock.invoke_probe", THIEF, 0, 4, source_ips=[IP], asns=["AS24940 Hetzner Online GmbH"])
    azure = finding("azure.openai.content_filter_probe", AZURE, 45, 3, source_ips=[IP, "198.51.100.4"])
    gcp = finding("gcp.vertex.probe_errors", "sa-key-1", 90, source_ips=["198.51.100.4"])
    made = correlate_probes([aws, azure, gcp], rule)
    assert [f.subject for f in made] == ["198.51.100.4", IP]
    by_ip = {f.subject: f for f in made}
    first = by_ip[IP]
    assert first.rule_id == "xcloud.multi_provider_probe" and first.kind is FindingKind.DETECTION
    assert first.evidence["providers"] == ["aws", "azure"]
    assert first.evidence["principals"] == sorted([THIEF, AZURE])
    assert first.evidence["asns"] == ["AS24940 Hetzner Online GmbH"]
    assert (first.first_seen, first.last_seen, first.count) == (aws.first_seen, azure.last_seen, 2)
    assert by_ip["198.51.100.4"].evidence["providers"] == ["azure", "gcp"]


def test_one_provider_or_too_far_apart_or_not_probes_makes_nothing(rule: ProbeCorrelation) -> None:
    aws = finding("aws.bedrock.invoke_probe", THIEF, 0, source_ips=[IP])
    same_provider = finding("aws.bedrock.list_models_denied", "arn:aws:iam::111122223333:user/b", 5, source_ips=[IP])
    assert correlate_probes([aws, same_provider], rule) == []
    late = finding("azure.openai.content_filter_probe", AZURE, 60 * 25, source_ips=[IP])
    assert correlate_probes([aws, late], rule) == []
    not_a_probe = finding("azure.openai.keys_listed", AZURE, 10, source_ips=[IP])
    assert correlate_probes([aws, not_a_probe], rule) == []


def test_the_finding_id_is_stable(rule: ProbeCorrelation) -> None:
    aws = finding("aws.bedrock.invoke_probe", THIEF, 0, source_ips=[IP])
    azure = finding("azure.openai.content_filter_probe", AZURE, 30, source_ips=[IP])
    again = [replace(aws, count=9), azure]
    assert correlate_probes([aws, azure], rule)[0].id == correlate_probes(again, rule)[0].id


def test_a_bad_correlation_file_is_a_content_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\ntitle: t\nseverity: dreadful\nwindow: 1h\nprobe_rules: []\ndesc: d\n", encoding="utf-8")
    with pytest.raises(ContentError, match="invalid correlation rule"):
        load_correlation(path)
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ContentError, match="one mapping"):
        load_correlation(path)
