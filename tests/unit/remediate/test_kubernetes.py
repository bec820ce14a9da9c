"""Kubernetes fixes made to manifest files: the object found (in a List too), its digest compared with the scan's,
the object to create appended, fixes through YAML anchors and merge keys that change their own container only (or
are refused, naming the anchor), and the verification that fails when the change does not fix the finding or alters
another object."""

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
from jackwatch.remediate.yamledit import Rewrite

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PRIVILEGED = deployment({"containers": [container(securityContext={"privileged": True})]})
TEXT = "# app\n" + json.dumps(PRIVILEGED, indent=2) + "\n"


def finding_of(text: str, check: str, path: str = "m.yaml", index: int = 0) -> Finding:
    built = inventory_of_text(text, path)
    hit = registry.hits(check, built)[index]
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


ACCOUNT = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\n---\n"
SHOP = """\
# the shop front
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      serviceAccountName: web
      containers:
{containers}"""
ALIASED = ACCOUNT + SHOP.format(
    containers="""\
        - name: web
          image: nginx:1.25
          securityContext: &hardened
            privileged: true   # the debugger needs it
            runAsNonRoot: true
        - name: metrics
          image: prom/exporter:1.0
          securityContext: *hardened
"""
)
MERGED = ACCOUNT + SHOP.format(
    containers="""\
        - &common
          name: web
          image: nginx:1.25
          securityContext:
            privileged: true
            capabilities:
              add: [NET_ADMIN]
        - <<: *common
          name: metrics
          image: prom/exporter:1.0
"""
)


def containers_of(text: str) -> dict[str, Any]:
    """The containers of the Deployment in the manifest ``text``, by name, as read."""
    spec = inventory_of_text(text, "m.yaml").of_kind("Deployment")[0].body["spec"]["template"]["spec"]
    return {container["name"]: container for container in spec["containers"]}


def fixed(text: str, check: str, index: int) -> FileChange:
    """The change that fixes hit ``index`` of ``check`` in ``text``, verified, the other document untouched."""
    finding = finding_of(text, check, index=index)
    change = manifest_change(text, "m.yaml", finding.evidence["fix"])
    assert verify_change(change, finding.evidence["fix"], finding).checks[-1].endswith(f"no longer shows {check}")
    assert change.new.startswith(ACCOUNT)
    return change


@pytest.mark.parametrize(("index", "changed", "kept"), [(0, "web", "metrics"), (1, "metrics", "web")])
def test_a_fix_through_an_alias_changes_its_container_only(index: int, changed: str, kept: str) -> None:
    change = fixed(ALIASED, "k8s.container.privileged", index)
    containers = containers_of(change.new)
    assert containers[changed]["securityContext"] == {"privileged": False, "runAsNonRoot": True}
    assert containers[kept]["securityContext"] == {"privileged": True, "runAsNonRoot": True}
    assert change.notes[1] == (
        f"/spec/template/spec/containers/{index}/securityContext shared the anchor &hardened (line 26) with other "
        "places: it now has a copy of its own, changed, and the other places are unchanged"
    )


@pytest.mark.parametrize(
    ("check", "index", "note"),
    [
        ("k8s.container.privileged", 0, "/spec/template/spec/containers/0 shared the anchor &common (line 24)"),
        (
            "k8s.container.privileged",
            1,
            "/spec/template/spec/containers/1/securityContext came through the merge key << from the anchor "
            "&common (line 24)",
        ),
        ("k8s.container.dangerous_capabilities", 1, "/spec/template/spec/containers/1/securityContext came through"),
    ],
)
def test_a_fix_through_a_merge_key_leaves_the_merged_container_as_it_was(check: str, index: int, note: str) -> None:
    before = containers_of(MERGED)
    change = fixed(MERGED, check, index)
    containers = containers_of(change.new)
    other = "metrics" if index == 0 else "web"
    assert containers[other] == before[other] and containers != before
    assert change.notes[1].startswith(note)


def test_a_manifest_without_anchors_is_edited_in_place_without_notes() -> None:
    container = (
        "        - name: web\n          image: nginx:1.25\n          securityContext:\n            privileged: true\n"
    )
    text = ACCOUNT + SHOP.format(containers=container)
    change = fixed(text, "k8s.container.privileged", 0)
    assert change.notes == () and change.new == text.replace("privileged: true", "privileged: false")


def test_a_rewrite_that_does_not_give_the_patched_object_is_refused_with_the_anchor_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("jackwatch.remediate.kubernetes.roundtrip_edit", lambda part, *_: Rewrite(part))
    finding = finding_of(ALIASED, "k8s.container.privileged")
    message = (
        r"m\.yaml:8: the path goes through the YAML anchor &hardened \(line 26\), and rewriting the document does "
        "not give the patched object either: make this change by hand"
    )
    with pytest.raises(FixError, match=message):
        manifest_change(ALIASED, "m.yaml", finding.evidence["fix"])


def test_a_change_that_alters_another_object_fails_verification() -> None:
    finding = finding_of(ALIASED, "k8s.container.privileged")
    fix = finding.evidence["fix"]
    change = manifest_change(ALIASED, "m.yaml", fix)
    labelled = replace(change, new=change.new.replace("shop\n---", "shop\n  labels: {team: shop}\n---"))
    with pytest.raises(FixError, match="the change alters other objects of the file too: ServiceAccount web"):
        verify_change(labelled, fix, finding)
