"""Falco alerts become findings through the built-in ``falco.alert`` rule: named after the Falco rule, with its
priority as severity, about the alert's container, with its Kubernetes context and process lineage."""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path
from typing import Any

from tests.unit.secrets.samples import anthropic_key
from tests.unit.sources.falco.alerts import DROP_ALERT, HOST_ALERT, SHADOW_ALERT, SHELL_ALERT, alert
from tests.unit.sources.sourcekit import json_lines, put

from jackwatch.detect.service import Detector, RuleSelection, build_detector, detect_events, detect_inputs
from jackwatch.model import Finding, Severity
from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.fields.falco_alert import falco_alert_fields, rule_id
from jackwatch.sources.falco import to_event
from jackwatch.sources.inputs import ReadRequest
from jackwatch.sources.stats import ReadStats


@cache
def detector() -> Detector:
    return build_detector(RuleSelection(), AsnDb.load())


def findings(*alerts: dict[str, Any], selection: Detector | None = None) -> list[Finding]:
    events = [to_event(raw, "alerts.jsonl") for raw in alerts]
    result = detect_events(selection or detector(), events, ReadStats())
    return sorted((finding for finding, _ in result.findings), key=lambda finding: finding.first_seen)


def test_an_alert_is_a_finding_about_its_container() -> None:
    [finding] = findings(SHELL_ALERT)
    assert finding.rule_id == "falco.terminal_shell_in_container"
    assert finding.title == "Terminal shell in container"
    assert finding.severity is Severity.LOW
    assert finding.subject == "3f2a9c1b7d4e"
    assert finding.mitre == ("T1059", "TA0002")
    assert finding.count == 1
    assert finding.evidence["output"] == SHELL_ALERT["output"]
    assert finding.evidence["source"] == "falco_alert"
    assert {name: finding.evidence[name] for name in ("containers", "container_names", "images", "pods", "hosts")} == {
        "containers": ["3f2a9c1b7d4e"],
        "container_names": ["app"],
        "images": ["ghcr.io/acme/openai-app:1.4.2"],
        "pods": ["prod/openai-app-7d9f8c6b5-x2kq4"],
        "hosts": ["node-1"],
    }
    assert finding.evidence["lineages"] == ["runc > sh"]
    assert finding.evidence["commands"] == ["sh"]


def test_severity_follows_the_priority() -> None:
    expected = {
        "Emergency": Severity.CRITICAL,
        "Critical": Severity.CRITICAL,
        "Error": Severity.HIGH,
        "Warning": Severity.MEDIUM,
        "Notice": Severity.LOW,
        "Informational": Severity.INFO,
    }
    for priority, severity in expected.items():
        [finding] = findings(alert(SHELL_ALERT, priority=priority))
        assert finding.severity is severity, priority


def test_lineage_from_the_ancestors_the_alert_shows() -> None:
    [finding] = findings(SHADOW_ALERT)
    assert finding.rule_id == "falco.read_sensitive_file_untrusted"
    assert finding.evidence["lineages"] == ["containerd-shim > uvicorn > sh > cat"]
    assert finding.evidence["files"] == ["/etc/shadow"]
    assert finding.evidence["users"] == ["app"]
    assert finding.mitre == ()  # Falco 0.3x wrote no tags
    assert "hosts" not in finding.evidence


def test_a_host_alert_is_about_the_host() -> None:
    [finding] = findings(HOST_ALERT)
    assert finding.rule_id == "falco.netcat_socat_remote_code_execution_on_host"
    assert finding.subject == "host:node-1"
    assert finding.evidence["containers"] == ["host"]
    assert "container_names" not in finding.evidence
    [unnamed] = findings(alert(HOST_ALERT, hostname=None))
    assert unnamed.subject == "host:unknown"


def test_alerts_of_one_rule_and_container_make_one_finding() -> None:
    later = alert(SHELL_ALERT, time="2026-05-01T10:40:00.000000000Z")
    other = alert(SHELL_ALERT, output_fields={**SHELL_ALERT["output_fields"], "container.id": "9b8a7c6d5e4f"})
    made = findings(SHELL_ALERT, later, other)
    assert [(finding.subject, finding.count) for finding in made] == [("3f2a9c1b7d4e", 2), ("9b8a7c6d5e4f", 1)]
    assert made[0].last_seen.minute == 40


def test_falco_health_messages_and_ignored_rules_are_not_findings(tmp_path: Path) -> None:
    assert findings(DROP_ALERT) == []
    ignore = put(
        tmp_path / "tuning.yaml",
        b"- list: jw_falco_ignored_rules\n  items: ['Terminal shell in container']\n  override: {items: append}\n",
    )
    tuned = build_detector(RuleSelection(files=(ignore,)), AsnDb.load())
    assert findings(SHELL_ALERT, selection=tuned) == []
    assert [finding.rule_id for finding in findings(SHADOW_ALERT, selection=tuned)] == [
        "falco.read_sensitive_file_untrusted"
    ]


def test_secrets_in_command_lines_are_redacted() -> None:
    key = anthropic_key(random.Random(7)).secret
    command = f"curl -H x-api-key:{key} https://api.anthropic.com/v1/messages"
    fields = {**SHADOW_ALERT["output_fields"], "proc.cmdline": command}
    [finding] = findings(alert(SHADOW_ALERT, output_fields=fields, output=f"Warning ... command={command} ..."))
    shown = str(finding.evidence)
    assert key not in shown
    assert key[:4] + "\u2026" + key[-3:] in finding.evidence["commands"][0]
    assert finding.evidence["output"].startswith("Warning ... command=curl -H x-api-key:sk-a")


def test_the_falco_input_kind_end_to_end(tmp_path: Path) -> None:
    path = put(tmp_path / "falco_events.json", b"Falco initialized\n" + json_lines([SHELL_ALERT, SHADOW_ALERT]))
    result = detect_inputs(detector(), [f"falco:{path}"], ReadRequest())
    assert sorted(finding.rule_id for finding, _ in result.findings) == [
        "falco.read_sensitive_file_untrusted",
        "falco.terminal_shell_in_container",
    ]
    assert result.read.events_read == 2


def test_rule_ids_and_fields() -> None:
    assert rule_id("Terminal shell in container") == "falco.terminal_shell_in_container"
    assert rule_id("Netcat/Socat Remote Code Execution on Host") == "falco.netcat_socat_remote_code_execution_on_host"
    assert rule_id("!!!") == "falco.unnamed"
    fields = falco_alert_fields()
    event = to_event(SHADOW_ALERT, "x")
    read = {
        name: fields.fields[name].extract(event, None) for name in ("falco.rule", "falco.priority", "falco.severity")
    }
    assert read == {
        "falco.rule": "Read sensitive file untrusted",
        "falco.priority": "Warning",
        "falco.severity": "medium",
    }
    assert fields.fields["falco.field"].extract(event, "proc.aname[2]") == "uvicorn"
    assert fields.fields["falco.field"].extract(event, "proc.aname[4]") is None
    assert fields.fields["container.id"].extract(event, None) == "3f2a9c1b7d4e"
    assert fields.fields["falco.tags"].extract(to_event(SHELL_ALERT, "x"), None) == tuple(SHELL_ALERT["tags"])
    assert fields.fields["falco.hostname"].extract(event, None) is None
