"""The labelled corpora the Kubernetes checks are compared with: kubescape's regolibrary test cases and Polaris'
check tests (in ``shared/datasets``), and which of our checks answer each of their rules."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.datasets import DATASETS

from jackwatch.checks.base import Hit
from jackwatch.checks.kubernetes import registry
from jackwatch.inventory.kubernetes import K8sInventory, K8sSettings, build_inventory, read_manifests
from jackwatch.sources.stats import ReadStats

KUBESCAPE = DATASETS / "kubescape-regolibrary-tests"
POLARIS = DATASETS / "polaris-checks-tests"

Select = Callable[[Hit], bool]


def _any(_: Hit) -> bool:
    return True


@dataclass(frozen=True)
class Mapping:
    """Our answer to a rule of another tool: the checks whose hits (those ``select`` keeps) mean "fail"."""

    checks: tuple[str, ...]
    select: Select = _any


def missing(resource: str) -> Select:
    """Hits of the resource-limits check that miss ``resource`` (cpu or memory)."""
    return lambda hit: resource in hit.evidence.get("missing", [])


KUBESCAPE_RULES: dict[str, Mapping] = {
    "rule-privileged-container": Mapping(("k8s.container.privileged",)),
    "rule-allow-privilege-escalation": Mapping(("k8s.container.allow_privilege_escalation",)),
    "insecure-capabilities": Mapping(("k8s.container.dangerous_capabilities",)),
    "non-root-containers": Mapping(("k8s.container.run_as_root",)),
    "immutable-container-filesystem": Mapping(("k8s.container.writable_root_filesystem",)),
    "host-pid-ipc-privileges": Mapping(("k8s.pod.host_pid", "k8s.pod.host_ipc")),
    "host-pid-privileges": Mapping(("k8s.pod.host_pid",)),
    "host-ipc-privileges": Mapping(("k8s.pod.host_ipc",)),
    "host-network-access": Mapping(("k8s.pod.host_network",)),
    "containers-mounting-docker-socket": Mapping(
        ("k8s.pod.sensitive_host_path",), lambda hit: bool(hit.evidence.get("runtime_socket"))
    ),
    "container-hostPort": Mapping(("k8s.container.host_port",)),
    "resource-policies": Mapping(("k8s.container.resource_limits",)),
    "resources-cpu-limits": Mapping(("k8s.container.resource_limits",), missing("cpu")),
    "resources-memory-limits": Mapping(("k8s.container.resource_limits",), missing("memory")),
    "automount-service-account": Mapping(("k8s.pod.service_account_token",)),
    "set-seccomp-profile": Mapping(("k8s.container.seccomp_unconfined",)),
    "set-seccomp-profile-RuntimeDefault": Mapping(("k8s.container.seccomp_unconfined",)),
    "image-not-pinned-to-digest": Mapping(("k8s.container.image_not_pinned",)),
    "exposure-to-internet": Mapping(("k8s.workload.internet_exposed",)),
}
"""kubescape rules (folders of regolibrary's rules/) that one of our checks implements."""


@dataclass(frozen=True)
class Case:
    """One labelled case: its tool, rule (or Polaris check), name, inputs, settings and expected verdict."""

    tool: str
    rule: str
    name: str
    inputs: tuple[Path, ...]
    fails: bool
    settings: K8sSettings = field(default_factory=K8sSettings)

    @property
    def label(self) -> str:
        return f"{self.tool}:{self.rule}/{self.name}"


def kubescape_cases() -> Iterator[Case]:
    """Every ``workload_only`` case of a rule in :data:`KUBESCAPE_RULES`."""
    for line in (KUBESCAPE / "index.jsonl").read_text().splitlines():
        row = json.loads(line)
        if not row["workload_only"] or row["rule"] not in KUBESCAPE_RULES:
            continue
        folder = (KUBESCAPE / row["expected"]).parent
        yield Case(
            "kubescape",
            row["rule"],
            row["case"],
            tuple(KUBESCAPE / path for path in row["inputs"]),
            row["verdict"] == "fail",
            _settings(folder / "data.json"),
        )


def _settings(path: Path) -> K8sSettings:
    if not path.exists():
        return K8sSettings()
    inputs: dict[str, Any] = json.loads(path.read_text()).get("postureControlInputs", {})
    return K8sSettings(digest_exempt_repositories=tuple(inputs.get("imageDigestExemptRepositories", ())))


def inventory_of(case: Case) -> K8sInventory:
    """The inventory of a case's inputs."""
    stats = ReadStats()
    objects = read_manifests(case.inputs, stats)
    return build_inventory(objects, "conformance", stats, case.settings)


def verdict(case: Case, mapping: Mapping) -> tuple[bool, list[Hit]]:
    """Whether our checks fail the case, and the hits that say so."""
    inventory = inventory_of(case)
    hits = [hit for check in mapping.checks for hit in registry.hits(check, inventory) if mapping.select(hit)]
    return bool(hits), hits


@dataclass(frozen=True)
class Outcome:
    """A case, what it expects and what we say."""

    case: Case
    ours: bool

    @property
    def agrees(self) -> bool:
        return self.case.fails == self.ours


def compare(cases: Sequence[Case], rules: dict[str, Mapping]) -> list[Outcome]:
    """Our verdict on each case."""
    return [Outcome(case, verdict(case, rules[case.rule])[0]) for case in cases]


def agreement(outcomes: Sequence[Outcome]) -> float:
    """The share of cases where we agree with the label."""
    return sum(outcome.agrees for outcome in outcomes) / len(outcomes) if outcomes else 1.0


NOW = datetime(2026, 1, 1, tzinfo=UTC)


POLARIS_CHECKS: dict[str, Mapping] = {
    "automountServiceAccountToken": Mapping(("k8s.pod.service_account_token",)),
    "cpuLimitsMissing": Mapping(("k8s.container.resource_limits",), missing("cpu")),
    "memoryLimitsMissing": Mapping(("k8s.container.resource_limits",), missing("memory")),
    "dangerousCapabilities": Mapping(("k8s.container.dangerous_capabilities",)),
    "insecureCapabilities": Mapping(("k8s.container.capabilities_not_dropped",)),
    "hostIPCSet": Mapping(("k8s.pod.host_ipc",)),
    "hostNetworkSet": Mapping(("k8s.pod.host_network",)),
    "hostPIDSet": Mapping(("k8s.pod.host_pid",)),
    "hostPortSet": Mapping(("k8s.container.host_port",)),
    "notReadOnlyRootFilesystem": Mapping(("k8s.container.writable_root_filesystem",)),
    "privilegeEscalationAllowed": Mapping(("k8s.container.allow_privilege_escalation",)),
    "runAsPrivileged": Mapping(("k8s.container.privileged",)),
    "runAsRootAllowed": Mapping(("k8s.container.run_as_root",)),
    "tagNotSpecified": Mapping(("k8s.container.image_latest",)),
}
"""Polaris checks (``pkg/config/checks``) that one of our checks implements."""


def polaris_cases() -> Iterator[Case]:
    """Every pass or fail test manifest of a check in :data:`POLARIS_CHECKS`."""
    for line in (POLARIS / "index.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["check"] not in POLARIS_CHECKS or row["verdict"] not in ("pass", "fail"):
            continue
        name = Path(row["file"]).name
        yield Case("polaris", row["check"], name, (POLARIS / row["file"],), row["verdict"] == "fail")
