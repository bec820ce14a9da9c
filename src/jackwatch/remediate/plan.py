"""What fixes a stored finding: :func:`remedy_of` says it for any finding, from what the finding holds.

- a Kubernetes misconfiguration: the JSON patch, the strategic-merge patch and the ``kubectl patch`` commands
  (or the object to create); the change of its manifest file is made by :func:`manifest_fix`;
- an AWS misconfiguration: the commands and documents the check made (deny policy, key deactivation, logging…);
- a vulnerable package (``vuln.*``): the upgrade to the version that fixes every vulnerability the scan found in it,
  as a requirement line and an install command; the change of a file that declares it by :func:`package_fix`;
- a key in plain sight (``secret.*``, or a key in a manifest): the steps to rotate it and remove it, naming the key
  by its redacted form and fingerprint only;
- anything else: no fix, and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from jackwatch.model import Finding, FindingKind
from jackwatch.remediate.errors import FixError
from jackwatch.remediate.files import FileChange, read_text
from jackwatch.remediate.kubernetes import Verification, manifest_change, verify_change
from jackwatch.remediate.packages import Upgrade, declaration_change, lock_command, upgrade_of


class RemedyKind(StrEnum):
    """What kind of fix a finding has."""

    KUBERNETES = "kubernetes"
    AWS = "aws"
    PACKAGE = "package"
    KEY = "key"
    NONE = "none"


@dataclass(slots=True)
class Remedy:
    """The fix of a finding: a summary, steps to follow in order, commands to run, documents (patches, policies),
    and file changes once made; ``reason`` says why there is no fix (kind ``none``)."""

    finding: Finding
    kind: RemedyKind
    summary: str
    steps: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    documents: dict[str, Any] = field(default_factory=dict)
    changes: list[FileChange] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason: str | None = None

    @property
    def fix(self) -> Mapping[str, Any] | None:
        """The fix the check recorded, when there is one."""
        found = self.finding.evidence.get("fix")
        return found if isinstance(found, Mapping) else None


NO_FIX: dict[str, str] = {
    "k8s.container.image_latest": (
        "pinning an image needs the digest of the image you mean to run, which only your registry knows: look it up "
        "(crane digest IMAGE, docker buildx imagetools inspect IMAGE) and write image: REPOSITORY:TAG@sha256:…"
    ),
    "k8s.container.image_not_pinned": (
        "pinning an image needs the digest of the image you mean to run, which only your registry knows: look it up "
        "(crane digest IMAGE, docker buildx imagetools inspect IMAGE) and write image: REPOSITORY:TAG@sha256:…"
    ),
    "k8s.pod.sensitive_host_path": (
        "only you know what the host path is used for: remove the volume, or replace it with an emptyDir, a CSI "
        "volume or a narrower path mounted read-only"
    ),
    "k8s.pod.default_service_account": (
        "the pods need a service account of their own, with only the permissions they use: create it, then set "
        "serviceAccountName (jackwatch cannot know which permissions that is)"
    ),
    "k8s.secret.key": (
        "a key in a Secret is where it belongs: the finding records it so that the key can be traced; nothing to fix "
        "unless the key is also found in plain sight"
    ),
    "k8s.workload.internet_exposed": (
        "an Ingress or a Gateway API route publishes the workload on purpose or by mistake: remove the rule, or put "
        "authentication and source restrictions in front of it"
    ),
    "k8s.workload.ai_egress_unrestricted": (
        "the pods carry no labels that a NetworkPolicy could select (label them, then scan again for the policy), or "
        "a NetworkPolicy named in egress_opened_by allows egress to any destination: narrow or remove that rule (a "
        "new policy cannot close what another allows)"
    ),
}
"""Why a check's finding has no automatic fix (when it has none)."""

ROTATE_AT: dict[str, str] = {
    "openai": "https://platform.openai.com/api-keys",
    "anthropic": "https://console.anthropic.com/settings/keys",
    "aws": "IAM (aws iam update-access-key --status Inactive, then aws iam delete-access-key)",
    "aws_bedrock": "IAM (aws iam update-service-specific-credential --status Inactive, then delete it)",
    "gcp": "the Google Cloud console (IAM > Service accounts > Keys)",
    "google": "the Google Cloud console (APIs & Services > Credentials)",
    "azure_openai": "the Azure portal (the OpenAI resource > Keys and Endpoint > Regenerate)",
    "huggingface": "https://huggingface.co/settings/tokens",
    "github": "https://github.com/settings/tokens",
    "openrouter": "https://openrouter.ai/settings/keys",
    "groq": "https://console.groq.com/keys",
    "mistral": "https://console.mistral.ai/api-keys",
}
"""Where a provider's keys are revoked (others: the provider's console)."""


def remedy_of(finding: Finding) -> Remedy:
    """The fix of ``finding``, from what it holds (no file is read)."""
    rule = finding.rule_id
    if rule.startswith("vuln."):
        return _package(finding)
    if rule.startswith("secret."):
        return _key(finding, finding.evidence)
    fix = finding.evidence.get("fix")
    if rule.startswith("k8s."):
        secret = finding.evidence.get("secret")
        if isinstance(fix, Mapping):
            remedy = _kubernetes(finding, fix)
            if isinstance(secret, Mapping):  # a key in a manifest: rotate it too, the patch only moves it
                remedy.steps = _rotation(finding, secret) + remedy.steps
            return remedy
        if isinstance(secret, Mapping) and rule != "k8s.secret.key":
            remedy = _key(finding, secret)
            remedy.steps.append("Keep the new key in a Secret and read it from there (env valueFrom secretKeyRef).")
            return remedy
    if rule.startswith("aws.") and isinstance(fix, Mapping):
        return _aws(finding, fix)
    return Remedy(finding, RemedyKind.NONE, "no automatic fix", reason=_why_not(finding))


def _kubernetes(finding: Finding, fix: Mapping[str, Any]) -> Remedy:
    remedy = Remedy(finding, RemedyKind.KUBERNETES, str(fix.get("summary", "")))
    remedy.commands = [str(command) for command in fix.get("commands") or []]
    if "create" in fix:
        remedy.documents["create"] = fix["create"]
        remedy.commands.append(str(fix.get("kubectl")))
        remedy.steps.append("Create the object (or add it to the manifests that create the workload).")
        return remedy
    for name in ("json_patch", "strategic_merge_patch"):
        if fix.get(name) is not None:
            remedy.documents[name] = fix[name]
    remedy.commands.extend(str(fix[name]) for name in ("kubectl", "kubectl_json") if fix.get(name))
    remedy.steps.append("Change the manifest (the diff below), or patch the live object with one kubectl command.")
    return remedy


def _aws(finding: Finding, fix: Mapping[str, Any]) -> Remedy:
    remedy = Remedy(finding, RemedyKind.AWS, str(fix.get("summary", "")))
    remedy.commands = [str(command) for command in fix.get("commands") or []]
    remedy.documents = {name: value for name, value in fix.items() if name not in ("summary", "commands")}
    remedy.steps.append("Run the commands in order with credentials allowed to make the change.")
    return remedy


def _package(finding: Finding) -> Remedy:
    version = finding.evidence.get("fix_version")
    if not isinstance(version, str) or not version:
        return Remedy(finding, RemedyKind.NONE, "no fixed version", reason=_why_not(finding))
    upgrade = upgrade_of(finding.subject, version)
    remedy = Remedy(finding, RemedyKind.PACKAGE, f"upgrade {upgrade.name} {upgrade.current} to {version}")
    remedy.documents["requirement"] = upgrade.requirement
    remedy.documents["version"] = version
    remedy.commands.append(upgrade.command)
    remedy.steps.append(
        f"Declare {upgrade.requirement}: {version} is the smallest version that fixes every vulnerability found in "
        f"{upgrade.name} {upgrade.current}."
    )
    for place in finding.evidence.get("locations") or []:
        command = lock_command(str(place), upgrade)
        if command is not None and command not in remedy.commands:
            remedy.commands.append(command)
    return remedy


def _key(finding: Finding, secret: Mapping[str, Any]) -> Remedy:
    remedy = Remedy(finding, RemedyKind.KEY, "rotate the key, then remove it from where it was found")
    remedy.steps = _rotation(finding, secret)
    where = secret.get("location") or finding.evidence.get("location") or _resource_text(finding)
    remedy.steps.append(f"Remove it from {where}; read the new key at run time from a secret store or the environment.")
    if finding.subject.startswith("image://"):
        remedy.steps.append(
            "Rebuild the image without it: a later layer that deletes a file does not remove it from the image, "
            "and build history and ENV keep it too."
        )
    else:
        remedy.steps.append(
            "If the file is in version control, purge it from the history (git filter-repo --replace-text) after "
            "rotating: copies of the history may already exist."
        )
    return remedy


def _rotation(finding: Finding, secret: Mapping[str, Any]) -> list[str]:
    provider = str(secret.get("provider") or finding.rule_id.removeprefix("secret."))
    shown = secret.get("redacted") or "the key"
    fingerprint = str(secret.get("fingerprint") or "").removeprefix("sha256:")
    named = f"{shown} (sha256:{fingerprint[:16]}…)" if fingerprint else str(shown)
    place = ROTATE_AT.get(provider, f"the {provider} console")
    return [
        f"Revoke {named} at {place} and create a new one: a key that was in plain sight is to be taken as stolen.",
        "Look for its use since it was exposed (jackwatch incidents; the provider's usage and audit logs).",
    ]


def _resource_text(finding: Finding) -> str:
    resource = finding.evidence.get("resource")
    if isinstance(resource, Mapping) and resource.get("file"):
        return f"{resource['file']}:{resource.get('line') or ''}".rstrip(":")
    return finding.subject


def _why_not(finding: Finding) -> str:
    rule = finding.rule_id
    if rule in NO_FIX:
        return NO_FIX[rule]
    if finding.kind is FindingKind.DETECTION:
        return (
            "a detection is activity, not a setting: investigate it (jackwatch incidents); the fixes are on the "
            "settings and keys it used"
        )
    if rule.startswith("vuln."):
        return "no fixed version is known: remove the package, or apply the advisory's workaround"
    return "the check recorded no fix for this finding"


def manifest_fix(remedy: Remedy, path: Path) -> tuple[FileChange, Verification]:
    """The change of the manifest at ``path`` that makes a Kubernetes remedy, and its verification."""
    fix = remedy.fix
    if remedy.kind is not RemedyKind.KUBERNETES or fix is None:
        raise FixError("this finding has no manifest fix")
    text = read_text(path)
    change = manifest_change(text, str(path), fix)
    return change, verify_change(change, fix, remedy.finding)


def package_fix(remedy: Remedy, path: Path) -> FileChange:
    """The change of the requirements or pyproject file at ``path`` that makes a package remedy."""
    if remedy.kind is not RemedyKind.PACKAGE:
        raise FixError("this finding has no package upgrade")
    upgrade: Upgrade = upgrade_of(remedy.finding.subject, str(remedy.documents["version"]))
    return declaration_change(read_text(path), str(path), upgrade)
