"""The upstream Falco rule files load unchanged; the CloudTrail plugin's rules run on CloudTrail records (the
syscall files: tests/content/test_falco_upstream.py)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from tests.datasets import DATASETS, needs

from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.condition import And, MacroRef, Node, Not, Or
from jackwatch.rules.engine import Engine, compile_ruleset
from jackwatch.rules.loader import LoadResult, load_rules
from jackwatch.rules.sources import SourceRegistry, default_registry
from jackwatch.sources.cloudtrail.records import to_event

FALCO = DATASETS / "falco-rules"
STABLE = FALCO / "rules" / "falco_rules.yaml"
INCUBATING = FALCO / "rules" / "falco-incubating_rules.yaml"
SANDBOX = FALCO / "rules" / "falco-sandbox_rules.yaml"
CLOUDTRAIL = FALCO / "plugins" / "cloudtrail" / "rules" / "aws_cloudtrail_rules.yaml"
K8S_AUDIT = FALCO / "plugins" / "k8saudit" / "rules" / "k8s_audit_rules.yaml"

pytestmark = needs(FALCO)


@cache
def registry() -> SourceRegistry:
    return default_registry(AsnDb.load())


def macro_refs(node: Node) -> list[str]:
    match node:
        case MacroRef(name):
            return [name]
        case And(operands) | Or(operands):
            return [name for operand in operands for name in macro_refs(operand)]
        case Not(operand):
            return macro_refs(operand)
    return []


def assert_resolved(result: LoadResult) -> None:
    assert result.errors == [], [str(e) for e in result.errors]
    for rule in result.ruleset.rules:
        assert rule.node is not None and macro_refs(rule.node) == [], rule.name


@pytest.mark.parametrize(
    ("files", "source", "count"),
    [([K8S_AUDIT], "k8s_audit", 48)],
    ids=["k8s_audit"],
)
def test_unsupported_sources_load_unchanged_as_warnings(files: list[Path], source: str, count: int) -> None:
    result = load_rules(files, registry())
    assert_resolved(result)
    assert len(result.ruleset.rules) == count
    assert all(rule.unsupported and rule.source == source for rule in result.ruleset.rules)
    assert any(
        w.message == f"source '{source}' is not read by jackwatch yet; {count} rules loaded but not evaluated"
        for w in result.warnings
    )


def test_every_file_together_in_order() -> None:
    result = load_rules([STABLE, INCUBATING, SANDBOX, CLOUDTRAIL, K8S_AUDIT], registry())
    assert_resolved(result)
    assert len(result.ruleset.rules) == 93 + 22 + 48


def test_cloudtrail_plugin_rules_compile_against_aws_cloudtrail() -> None:
    result = load_rules([CLOUDTRAIL], registry())
    assert_resolved(result)
    assert not any(rule.unsupported for rule in result.ruleset.rules)
    compiled = compile_ruleset(result.ruleset, registry())
    enabled = [rule for rule in result.ruleset.rules if rule.enabled]
    assert [rule.spec.id for rule in compiled.rules] == [rule.id for rule in enabled]
    assert all(rule.event_names for rule in compiled.rules)


def record(name: str, **extra: Any) -> dict[str, Any]:
    """A CloudTrail record of an IAM user's call."""
    return {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLE",
            "arn": "arn:aws:iam::123456789012:user/alice",
            "accountId": "123456789012",
            "userName": "alice",
        },
        "eventTime": "2026-05-01T10:00:00Z",
        "eventSource": "signin.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "userAgent": "Mozilla/5.0",
        "eventID": f"id-{name}",
        **extra,
    }


def fired(raw: dict[str, Any]) -> list[str]:
    result = load_rules([CLOUDTRAIL], registry())
    engine = Engine(compile_ruleset(result.ruleset, registry()))
    return [match.rule.spec.name for match in engine.process(to_event(raw, "test"))]


def test_console_login_without_mfa() -> None:
    login = record(
        "ConsoleLogin",
        responseElements={"ConsoleLogin": "Success"},
        additionalEventData={"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com"},
    )
    assert fired(login) == ["Console Login Without MFA"]
    assert fired({**login, "additionalEventData": {"MFAUsed": "Yes"}}) == []
    assert fired({**login, "responseElements": {"ConsoleLogin": "Failure"}}) == []


def test_cloudtrail_logging_disabled() -> None:
    stop = record("StopLogging", eventSource="cloudtrail.amazonaws.com", requestParameters={"name": "main"})
    assert fired(stop) == ["CloudTrail Logging Disabled"]
    assert fired({**stop, "errorCode": "AccessDenied"}) == []
    assert fired({**stop, "eventName": "StartLogging"}) == []
