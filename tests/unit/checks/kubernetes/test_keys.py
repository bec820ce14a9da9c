"""Keys on a container's command line and in the last-applied-configuration annotation, on manifests as kubectl
takes them: which check reports each key, where (item, line, path in the annotation), what the finding keeps of it
(never the key), its fix; and what is not reported (placeholders, references, a key the live object still holds,
which its own check reports)."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from datetime import UTC, datetime
from textwrap import dedent, indent
from typing import Any

from tests.unit.checks.kubernetes.kit import apply_fix, inventory_of_text
from tests.unit.secrets.samples import aws_key_id, aws_secret, openai_key

from jackwatch.checks.kubernetes import run_checks
from jackwatch.model import Finding, Severity
from jackwatch.remediate.plan import RemedyKind, remedy_of
from jackwatch.secrets import fingerprint

RNG = random.Random(41)
KEY, OLD_KEY, OTHER_KEY = (openai_key(RNG).secret for _ in range(3))
NOW = datetime(2026, 1, 1, tzinfo=UTC)
KEY_CHECKS = {
    "k8s.container.env_key",
    "k8s.container.args_key",
    "k8s.configmap.key",
    "k8s.last_applied.key",
    "k8s.secret.key",
}
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def findings(text: str) -> list[Finding]:
    """The findings of the key checks on the manifest ``text`` (one object, read without error), each checked to
    hold no raw key."""
    built = inventory_of_text(text)
    assert len(built.objects) == 1 and not built.stats.skipped, text
    found = run_checks(built, NOW, KEY_CHECKS).findings
    shown = repr(found)
    for key in (KEY, OLD_KEY, OTHER_KEY):
        assert key not in shown
    return found


def deployment(container: str, annotations: str = "", env: str = "") -> str:
    """A Deployment ``chat`` in ``ai`` running ``container`` (block YAML, a list item of ``containers``) with the
    container fields ``env`` (indented by two spaces), and ``annotations`` (block YAML lines) in its metadata."""
    metadata = f"  annotations:\n{indent(dedent(annotations), '    ')}" if annotations else ""
    return (
        dedent(
            """\
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: chat
              namespace: ai
            """
        )
        + metadata
        + dedent(
            """\
            spec:
              replicas: 2
              selector:
                matchLabels:
                  app: chat
              template:
                metadata:
                  labels:
                    app: chat
                spec:
                  containers:
            """
        )
        + indent(dedent(container) + env, " " * 8)
    )


def last_applied(manifest: Mapping[str, Any]) -> str:
    """The annotation kubectl apply writes for ``manifest``: its compact JSON in a block scalar."""
    return f"{LAST_APPLIED}: |\n  {json.dumps(manifest, separators=(',', ':'))}\n"


def applied_deployment(**fields: object) -> dict[str, Any]:
    """The Deployment ``chat`` as it was applied, its container with ``fields``."""
    container = {"name": "api", "image": "ghcr.io/acme/chat:1.4.2", **fields}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"annotations": {}, "name": "chat", "namespace": "ai"},
        "spec": {
            "selector": {"matchLabels": {"app": "chat"}},
            "template": {"metadata": {"labels": {"app": "chat"}}, "spec": {"containers": [container]}},
        },
    }


FROM_SECRET = """\
  env:
    - name: OPENAI_API_KEY
      valueFrom:
        secretKeyRef:
          name: chat-keys
          key: OPENAI_API_KEY
"""
"""The env of a container that reads its key from a Secret."""


# ------------------------------------------------------------------------------------------- command line


def test_a_key_passed_as_a_flag_value_is_reported_on_its_item() -> None:
    text = deployment(
        f"""\
        - name: api
          image: ghcr.io/acme/chat:1.4.2
          args:
            - --port=8080
            - --openai-api-key
            - {KEY}
        """
    )
    [finding] = findings(text)
    assert (finding.rule_id, finding.key, finding.severity) == (
        "k8s.container.args_key",
        "api/args[2]",
        Severity.CRITICAL,
    )
    assert finding.evidence["field"] == "args[2]"
    assert finding.evidence["secret"]["fingerprint"] == fingerprint(KEY)
    assert finding.evidence["secret"]["redacted"] != KEY and "fix" not in finding.evidence
    resource = finding.evidence["resource"]
    assert (resource["container"], resource["line"]) == (
        "api",
        text.splitlines().index("            - --port=8080") + 1,
    )
    remedy = remedy_of(finding)  # no patch: the steps rotate the key and move it to a Secret
    assert remedy.kind is RemedyKind.KEY and remedy.steps[0].startswith("Revoke sk-")
    assert "secretKeyRef" in remedy.steps[-1] and KEY not in repr(remedy)


def test_a_key_in_a_sh_c_script_is_reported_on_its_command_item() -> None:
    pod = dedent(
        f"""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: batch-summarize
          namespace: ai
        spec:
          restartPolicy: Never
          containers:
            - name: job
              image: python:3.12-slim
              command: ["sh", "-c", "OPENAI_API_KEY={KEY} ANTHROPIC_BASE_URL=https://proxy.local python app.py"]
        """
    )
    [finding] = findings(pod)
    assert (finding.rule_id, finding.subject, finding.key) == (
        "k8s.container.args_key",
        "k8s://test/ai/Pod/batch-summarize",
        "job/command[2]",
    )
    assert finding.evidence["resource"]["line"] == 11


def test_two_keys_in_one_script_are_two_findings() -> None:
    script = f"export OPENAI_API_KEY={KEY}\nexport FALLBACK_OPENAI_KEY={OTHER_KEY}\nexec python -m chat"
    text = deployment(
        f"""\
        - name: api
          image: ghcr.io/acme/chat:1.4.2
          command: [sh, -c]
          args: {json.dumps([script])}
        """
    )
    found = findings(text)
    assert sorted(f.key for f in found) == sorted(f"api/args[0]/{fingerprint(key)}" for key in (KEY, OTHER_KEY))


def test_an_aws_key_id_and_secret_in_two_items_are_one_key() -> None:
    rng = random.Random(42)
    key_id, secret = aws_key_id(rng), aws_secret(rng)
    text = deployment(
        f"""\
        - name: sync
          image: amazon/aws-cli:2.17.0
          args: [s3, sync, /data, "s3://acme-models", --access-key-id, {key_id}, --secret-access-key, "{secret}"]
        """
    )
    [finding] = findings(text)
    assert (finding.key, finding.evidence["secret"]["identifier"]) == ("sync/args[7]", key_id)
    assert secret not in repr(finding)


def test_placeholders_and_references_on_the_command_line_are_not_keys() -> None:
    text = deployment(
        """\
        - name: api
          image: ghcr.io/acme/chat:1.4.2
          command: ["sh", "-c", "aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE && exec python app.py"]
          args:
            - --aws-secret-access-key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
            - --openai-api-key=sk-proj-your-key-goes-here-example-xxxxxxxxxxxxxxxxxxxx
            - --anthropic-api-key=$(ANTHROPIC_API_KEY)
        """,
        env=FROM_SECRET,
    )
    assert findings(text) == []


def test_a_container_without_a_key_on_its_command_line_has_no_finding() -> None:
    text = deployment(
        """\
        - name: api
          image: ghcr.io/acme/chat:1.4.2
          command: [python, -m, chat]
          args: [--port, "8080", --model, gpt-4o-mini]
        """,
        env=FROM_SECRET,
    )
    assert findings(text) == []


# ----------------------------------------------------------------------------- last-applied-configuration


def test_a_key_only_the_annotation_still_holds_is_reported_and_the_fix_removes_the_annotation() -> None:
    applied = applied_deployment(env=[{"name": "OPENAI_API_KEY", "value": OLD_KEY}])
    text = deployment(
        """\
        - name: api
          image: ghcr.io/acme/chat:1.4.2
        """,
        last_applied(applied),
        FROM_SECRET,
    )
    [finding] = findings(text)
    assert (finding.rule_id, finding.subject, finding.severity) == (
        "k8s.last_applied.key",
        "k8s://test/ai/Deployment/chat",
        Severity.CRITICAL,
    )
    assert finding.key == finding.evidence["field"] == "spec.template.spec.containers[0].env[0]"
    assert finding.evidence["annotation"] == LAST_APPLIED
    assert finding.evidence["secret"]["fingerprint"] == fingerprint(OLD_KEY)
    assert finding.evidence["resource"]["line"] == text.splitlines().index(f"    {LAST_APPLIED}: |") + 1
    fix = finding.evidence["fix"]
    assert fix["json_patch"] == [
        {"op": "remove", "path": "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"}
    ]
    assert fix["commands"] == [f"kubectl annotate deployment/chat -n ai {LAST_APPLIED}-"]
    assert fix["summary"].startswith("rotate the key")
    built = inventory_of_text(text)
    assert not run_checks(apply_fix(built, fix), NOW, KEY_CHECKS).findings


def test_a_key_in_both_the_annotation_and_the_env_is_reported_once_on_the_env() -> None:
    applied = applied_deployment(env=[{"name": "OPENAI_API_KEY", "value": KEY}])
    text = deployment(
        f"""\
        - name: api
          image: ghcr.io/acme/chat:1.4.2
          env:
            - name: OPENAI_API_KEY
              value: {KEY}
        """,
        last_applied(applied),
    )
    assert [(f.rule_id, f.key) for f in findings(text)] == [("k8s.container.env_key", "api/OPENAI_API_KEY")]


def test_a_key_in_both_the_annotation_and_the_args_is_reported_once_on_the_args() -> None:
    applied = applied_deployment(args=["--openai-api-key", KEY])
    text = deployment(
        f"""\
        - name: api
          image: ghcr.io/acme/chat:1.4.2
          args: [--openai-api-key, {KEY}]
        """,
        last_applied(applied),
    )
    assert [f.rule_id for f in findings(text)] == ["k8s.container.args_key"]


def test_a_configmap_annotation_keeps_a_key_removed_from_its_data() -> None:
    applied = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"annotations": {}, "name": "llm", "namespace": "ai"},
        "data": {"MODEL": "gpt-4o-mini", "config.env": f"OPENAI_API_KEY={OLD_KEY}\nTIMEOUT=30\n"},
    }
    text = (
        dedent(
            """\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: llm
          namespace: ai
          annotations:
        """
        )
        + indent(last_applied(applied), "    ")
        + "data:\n  MODEL: gpt-4o-mini\n"
    )
    [finding] = findings(text)
    assert (finding.rule_id, finding.subject, finding.key) == (
        "k8s.last_applied.key",
        "k8s://test/ai/ConfigMap/llm",
        "data",
    )
    assert finding.evidence["fix"]["commands"] == [f"kubectl annotate configmap/llm -n ai {LAST_APPLIED}-"]


def test_a_secret_annotation_is_not_reported_again() -> None:
    applied = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"annotations": {}, "name": "chat-keys", "namespace": "ai"},
        "stringData": {"OPENAI_API_KEY": KEY},
    }
    text = (
        dedent(
            """\
            apiVersion: v1
            kind: Secret
            metadata:
              name: chat-keys
              namespace: ai
              annotations:
            """
        )
        + indent(last_applied(applied), "    ")
        + f"type: Opaque\nstringData:\n  OPENAI_API_KEY: {KEY}\n"
    )
    assert [f.rule_id for f in findings(text)] == ["k8s.secret.key"]


def test_an_annotation_that_is_not_json_is_scanned_as_text() -> None:
    text = deployment(
        """\
        - name: api
          image: ghcr.io/acme/chat:1.4.2
        """,
        f'{LAST_APPLIED}: \'{{"kind":"Deployment","env":"OPENAI_API_KEY={OLD_KEY}"\'\n',
    )
    [finding] = findings(text)
    assert (finding.rule_id, finding.key, finding.evidence["field"]) == ("k8s.last_applied.key", "", None)
    assert finding.evidence["secret"]["fingerprint"] == fingerprint(OLD_KEY)


def test_an_annotation_without_keys_has_no_finding() -> None:
    applied = applied_deployment(env=[{"name": "MODEL", "value": "gpt-4o-mini"}])
    text = deployment(
        """\
        - name: api
          image: ghcr.io/acme/chat:1.4.2
          env:
            - name: MODEL
              value: gpt-4o-mini
        """,
        last_applied(applied),
    )
    assert findings(text) == []
