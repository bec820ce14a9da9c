"""Kubernetes fixes made to manifest files: the object found (in a List too), its digest compared with the scan's,
the object to create appended, and the verification that fails when the change does not fix the finding."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.unit.checks.kubernetes.kit import container, deployment, inventory_of_text

from jackwatch.checks.base import make_finding
from jackwatch.checks.kubernetes import registry
from jackwatch.model import Finding
from jackwatch.remediate.errors import FixError
from jackwatch.remediate.files import FileChange
from jackwatch.remediate.kubernetes import (
    cluster_of,
    locate,
    manifest_change,
    verify_change,
    with_object_digests,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PRIVILEGED = deployment({"containers": [container(securityContext={"privileged": True})]})
TEXT = "# app\n" + json.dumps(PRIVILEGED, indent=2) + "\n"


def finding_of(text: str, check: str, path: str = "m.yaml") -> Finding:
    built = inventory_of_text(text, path)
    hit = registry.hits(check, built)[0]
    return with_object_digests([make_finding(registry.specs[check], hit, NOW)], built.objects)[0]


def test_a_fix_carries_the_digest_of_its_object_and_an_edited_object_is_refused() -> None:
    finding = finding_of(TEXT, "k8s.container.privileged")
    fix: dict[str, Any] = dict(finding.evidence["fix"])
    assert len(fix["object"]["digest"]) == 32
    change = manifest_change(TEXT, "m.yaml", fix)
    assert (
        verify_change(change, fix, finding).checks[-1] == "checking it again no longer shows k8s.container.privileged"
    )
    edited = TEXT.replace('"image"', '"imagePullPolicy": "Always", "image"')
    with pytest.raises(FixError, match="changed since the scan"):
        manifest_change(edited, "m.yaml", fix)
    with pytest.raises(FixError, match="no Deployment ns/app in the file"):
        manifest_change(TEXT.replace('"name": "app"', '"name": "other"'), "m.yaml", fix)


def test_an_object_in_a_list_is_found_and_only_its_item_changes() -> None:
    other = deployment({"containers": [container()]}, name="other")
    text = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        "- " + json.dumps(item) + "\n" for item in (other, PRIVILEGED)
    )
    located = locate(text, "m.yaml", "Deployment", "ns", "app")
    assert located.prefix == ("items", 1)
    finding = finding_of(text, "k8s.container.privileged")
    change = manifest_change(text, "m.yaml", finding.evidence["fix"])
    old, new = text.splitlines(), change.new.splitlines()
    assert old[:4] == new[:4] and old[4] != new[4] and '"privileged": false' in new[4]


def test_a_network_policy_to_create_is_appended_as_a_document() -> None:
    ai = deployment({"containers": [container(image="vllm/vllm-openai:v0.6@sha256:" + "b" * 64)]})
    text = "# models\n" + json.dumps(ai) + "\n"
    finding = finding_of(text, "k8s.workload.ai_egress_unrestricted")
    fix = finding.evidence["fix"]
    change = manifest_change(text, "m.yaml", fix)
    assert change.new.startswith(text + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n")
    assert verify_change(change, fix, finding).checks
    with pytest.raises(FixError, match="JSON manifest"):
        manifest_change(text, "m.json", fix)


def test_a_change_that_does_not_fix_the_finding_fails_verification() -> None:
    finding = finding_of(TEXT, "k8s.container.privileged")
    fix = finding.evidence["fix"]
    unchanged = FileChange("m.yaml", TEXT, TEXT.replace('"name": "web"', '"name": "web2"'))
    with pytest.raises(FixError, match="the object the JSON patch gives"):
        verify_change(unchanged, fix, finding)
    imageless = FileChange("m.yaml", TEXT, TEXT.replace('"image": ', '"img": '))
    with pytest.raises(FixError, match="containers\\[0\\] has no image"):
        verify_change(imageless, fix, finding)
    empty_patch = {**fix, "json_patch": []}
    with pytest.raises(FixError, match=r"still shows k8s\.container\.privileged"):
        verify_change(FileChange("m.yaml", TEXT, TEXT), empty_patch, finding)
    broken = FileChange("m.yaml", TEXT, TEXT + "---\nkind: [\n")
    with pytest.raises(FixError, match="no longer reads"):
        verify_change(broken, fix, replace(finding))


def test_the_cluster_of_a_ref() -> None:
    assert cluster_of("k8s://prod%2Feu/ns/Deployment/app") == "prod/eu"
