"""The fix of any stored finding: Kubernetes patches, AWS commands, package upgrades, key rotation (never the key),
and the reason when there is none."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from tests.unit.checks.kubernetes.kit import container, deployment, inventory
from tests.unit.secrets.samples import openai_key

from jackwatch.checks.base import make_finding
from jackwatch.checks.kubernetes import registry
from jackwatch.model import Finding, FindingKind, Severity
from jackwatch.remediate.plan import RemedyKind, remedy_of

NOW = datetime(2026, 1, 1, tzinfo=UTC)
KEY = openai_key(random.Random(3)).secret


def kubernetes(check: str, *objects: dict[str, Any]) -> Finding:
    hit = registry.hits(check, inventory(*objects))[0]
    return make_finding(registry.specs[check], hit, NOW)


def stored(rule_id: str, kind: FindingKind = FindingKind.MISCONFIGURATION, **evidence: Any) -> Finding:
    return Finding(
        "f" * 32, kind, rule_id, "t", "pkg:pypi/langchain@0.0.171", Severity.HIGH, NOW, NOW, 1, evidence=evidence
    )


def test_a_kubernetes_patch() -> None:
    remedy = remedy_of(
        kubernetes(
            "k8s.container.privileged", deployment({"containers": [container(securityContext={"privileged": True})]})
        )
    )
    assert remedy.kind is RemedyKind.KUBERNETES and set(remedy.documents) == {"json_patch", "strategic_merge_patch"}
    assert [c.split(" --type ")[1].split()[0] for c in remedy.commands] == ["strategic", "json"]


def test_a_key_in_an_env_literal_is_rotated_then_moved_and_never_shown() -> None:
    finding = kubernetes(
        "k8s.container.env_key", deployment({"containers": [container(env=[{"name": "OPENAI_API_KEY", "value": KEY}])]})
    )
    remedy = remedy_of(finding)
    assert remedy.kind is RemedyKind.KUBERNETES and remedy.steps[0].startswith("Revoke sk-")
    assert "platform.openai.com" in remedy.steps[0] and "kubectl create secret generic app-keys" in remedy.commands[0]
    assert KEY not in repr(remedy)


def test_an_aws_fix_gives_its_commands_and_documents() -> None:
    fix = {"summary": "deny", "commands": ["aws iam put-user-policy …"], "policy": {"Version": "2012-10-17"}}
    remedy = remedy_of(stored("aws.iam.user_long_term_key_can_invoke_bedrock", fix=fix))
    assert (
        remedy.kind is RemedyKind.AWS
        and remedy.commands == fix["commands"]
        and remedy.documents == {"policy": fix["policy"]}
    )


def test_a_vulnerable_package_is_upgraded_and_its_lock_file_named() -> None:
    remedy = remedy_of(
        stored("vuln.CVE-2023-36095", FindingKind.VULNERABILITY, fix_version="0.1.11", locations=["app/poetry.lock"])
    )
    assert remedy.kind is RemedyKind.PACKAGE and remedy.documents["requirement"] == "langchain>=0.1.11"
    assert remedy.commands == ["pip install 'langchain>=0.1.11'", "poetry add 'langchain>=0.1.11'"]
    unfixed = remedy_of(stored("vuln.CVE-2024-1", FindingKind.VULNERABILITY, fix_version=None))
    assert unfixed.kind is RemedyKind.NONE and "no fixed version" in (unfixed.reason or "")


def test_a_leaked_key_in_an_image_is_rotated_and_the_image_rebuilt() -> None:
    finding = Finding(
        "e" * 32,
        FindingKind.MISCONFIGURATION,
        "secret.anthropic",
        "t",
        "image://sha256:ab",
        Severity.HIGH,
        NOW,
        NOW,
        1,
        evidence={"fingerprint": "sha256:" + "c" * 64, "redacted": "sk-a…9xQ", "location": "app/.env:3"},
    )
    remedy = remedy_of(finding)
    assert remedy.kind is RemedyKind.KEY and "sk-a…9xQ (sha256:cccccccccccccccc…)" in remedy.steps[0]
    assert any("Rebuild the image" in step for step in remedy.steps) and "app/.env:3" in remedy.steps[2]


def test_findings_without_a_fix_say_why() -> None:
    latest = remedy_of(kubernetes("k8s.container.image_latest", deployment({"containers": [container(image="x")]})))
    assert latest.kind is RemedyKind.NONE and "digest" in (latest.reason or "")
    detection = remedy_of(stored("aws.bedrock.invoke_probe", FindingKind.DETECTION))
    assert detection.kind is RemedyKind.NONE and "activity, not a setting" in (detection.reason or "")
