"""Keys in manifests: LLM and cloud credentials in containers' literal environment variables, commands and
arguments, in ConfigMaps and in the ``last-applied-configuration`` annotation (plain text anyone who can read the
object sees), and in Secrets (where they belong, recorded so that the key can be traced). Findings carry the key's
kind, fingerprint and redacted form, never the key."""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from jackwatch.checks.base import Hit
from jackwatch.checks.kubernetes.common import container_hit, registry, resource
from jackwatch.checks.kubernetes.containers import container_env_index
from jackwatch.checks.kubernetes.fixes import Patch
from jackwatch.inventory.kubernetes import Container, K8sInventory, K8sObject, KeyHolder, Workload
from jackwatch.inventory.kubernetes.inventory import LAST_APPLIED
from jackwatch.inventory.kubernetes.objects import line_of, mapping, sequence
from jackwatch.inventory.leaks import Leak
from jackwatch.model import Severity
from jackwatch.secrets import Category

SEVERE_CATEGORIES = frozenset({Category.LLM, Category.CLOUD})
"""Keys whose findings keep the check's severity; other kinds of keys (private keys, GitHub, Slack) are a step
lower."""


def leak_evidence(leak: Leak) -> dict[str, Any]:
    """What a finding keeps of a key: kind, provider, category, fingerprint, redacted form, identifier."""
    return {
        "kind": leak.kind,
        "provider": leak.provider,
        "category": str(leak.category),
        "fingerprint": leak.fingerprint,
        "redacted": leak.redacted,
        "identifier": leak.identifier,
    }


def _keyed(leaks: Sequence[Leak]) -> Iterator[tuple[str, Leak]]:
    """Each leak with what tells its finding apart: where it is (``within``), followed by its fingerprint when that
    place holds several keys (a ``sh -c`` script with two)."""
    places = Counter(leak.within for leak in leaks)
    for leak in leaks:
        place = leak.within or ""
        yield (f"{place}/{leak.fingerprint}" if places[leak.within] > 1 else place), leak


def _severity(leak: Leak, severe: Severity) -> Severity | None:
    return None if leak.category in SEVERE_CATEGORIES else Severity(_LOWER[severe])


_LOWER = {Severity.CRITICAL: "high", Severity.HIGH: "medium", Severity.MEDIUM: "low", Severity.LOW: "info"}


def secret_name(workload: Workload) -> str:
    """The Secret a fix moves a workload's keys to."""
    return f"{workload.obj.name}-keys"


@registry.check("k8s.container.env_key")
def env_key(inventory: K8sInventory) -> Iterator[Hit]:
    """An LLM or cloud key written as the literal value of an environment variable."""
    for workload in inventory.checked_workloads:
        for container in workload.containers:
            for leak in container.env_leaks:
                variable = leak.within or ""
                index = container_env_index(container, variable)
                entry = sequence(container.body.get("env"))[index] if index is not None else None
                yield container_hit(
                    workload,
                    container,
                    line=line_of(entry, "value") if entry is not None else None,
                    key=f"{container.key or container.name}/{variable}",
                    fix=_env_fix(workload, container, variable),
                    evidence={"variable": variable, "secret": leak_evidence(leak)},
                    severity=_severity(leak, Severity.CRITICAL),
                )


@registry.check("k8s.container.args_key")
def args_key(inventory: K8sInventory) -> Iterator[Hit]:
    """An LLM or cloud key written in a container's command or arguments. No automatic fix: where the key sits in
    the item (a flag's value, a line of a ``sh -c`` script) is for people to change, to ``$(VARIABLE)`` read from a
    Secret."""
    for workload in inventory.checked_workloads:
        for container in workload.containers:
            for place, leak in _keyed(container.command_leaks):
                item = leak.within or ""
                yield container_hit(
                    workload,
                    container,
                    line=line_of(container.body, item.partition("[")[0]),
                    key=f"{container.key or container.name}/{place}",
                    evidence={"field": item, "secret": leak_evidence(leak)},
                    severity=_severity(leak, Severity.CRITICAL),
                )


def _env_fix(workload: Workload, container: Container, variable: str) -> dict[str, Any] | None:
    index = container_env_index(container, variable)
    if index is None:
        return None
    name = secret_name(workload)
    path = (*container.path, "env", index)
    patch = Patch(workload.obj)
    patch.remove((*path, "value"))
    patch.set((*path, "valueFrom"), {"secretKeyRef": {"name": name, "key": variable}})
    fix = patch.fix(f"rotate the key, then read {variable} from the Secret {name}")
    namespace = f" -n {workload.obj.namespace}" if workload.obj.namespace else ""
    fix["commands"] = [
        f"kubectl create secret generic {name}{namespace} --from-literal={variable}=<the new key>",
    ]
    return fix


def _holder_hits(holders: list[KeyHolder], section: str, severe: Severity) -> Iterator[Hit]:
    for holder in holders:
        data = mapping(holder.obj.body.get(section))
        for leak in holder.leaks:
            field = leak.within or ""
            yield Hit(
                subject=holder.ref,
                key=field,
                resource=resource(holder.obj, line_of(data, field) if field in data else None, key=field),
                evidence={"field": field, "secret": leak_evidence(leak), "used_by": []},
                severity=_severity(leak, severe),
            )


@registry.check("k8s.configmap.key")
def configmap_key(inventory: K8sInventory) -> Iterator[Hit]:
    """An LLM or cloud key in a ConfigMap's data."""
    users = _users(inventory, "configMapRef", "configMapKeyRef", "configMap")
    for hit in _holder_hits(inventory.configmaps, "data", Severity.CRITICAL):
        yield _with_users(hit, users)


@registry.check("k8s.last_applied.key")
def last_applied_key(inventory: K8sInventory) -> Iterator[Hit]:
    """An LLM or cloud key that only the ``last-applied-configuration`` annotation of a workload or ConfigMap still
    holds (a key also in the live object is reported there, by ``env_key``, ``args_key`` or ``configmap.key``)."""
    holders = [(workload.obj, workload.ref, workload.applied_leaks) for workload in inventory.checked_workloads]
    holders += [(holder.obj, holder.ref, holder.applied_leaks) for holder in inventory.configmaps]
    for obj, ref, leaks in holders:
        line = line_of(obj.metadata.get("annotations"), LAST_APPLIED)
        for place, leak in _keyed(leaks):
            yield Hit(
                subject=ref,
                key=place,
                resource=resource(obj, line),
                fix=_annotation_fix(obj),
                evidence={"annotation": LAST_APPLIED, "field": leak.within or None, "secret": leak_evidence(leak)},
                severity=_severity(leak, Severity.CRITICAL),
            )


def _annotation_fix(obj: K8sObject) -> dict[str, Any]:
    """Remove the annotation (``kubectl apply`` writes it again, from the manifest it applies)."""
    patch = Patch(obj).remove(("metadata", "annotations", LAST_APPLIED))
    fix = patch.fix(
        f"rotate the key, then remove the {LAST_APPLIED} annotation (or kubectl apply the manifest without the key)"
    )
    namespace = f" -n {shlex.quote(obj.namespace)}" if obj.namespace else ""
    fix["commands"] = [f"kubectl annotate {shlex.quote(f'{obj.kind.lower()}/{obj.name}')}{namespace} {LAST_APPLIED}-"]
    return fix


@registry.check("k8s.secret.key")
def secret_key(inventory: K8sInventory) -> Iterator[Hit]:
    """An LLM or cloud key stored in a Secret (recorded for tracing; not a misconfiguration by itself)."""
    users = _users(inventory, "secretRef", "secretKeyRef", "secret")
    for hit in _holder_hits(inventory.secrets, "data", Severity.INFO):
        yield _with_users(hit, users)


def _with_users(hit: Hit, users: dict[tuple[str | None, str], list[str]]) -> Hit:
    namespace, name = hit.resource.get("namespace"), hit.resource.get("name")
    using = users.get((namespace, str(name)), [])
    return Hit(hit.subject, hit.key, hit.resource, hit.fix, {**hit.evidence, "used_by": using}, hit.severity)


def _users(
    inventory: K8sInventory, from_field: str, key_field: str, volume_field: str
) -> dict[tuple[str | None, str], list[str]]:
    """The workloads (refs) that read each ConfigMap or Secret: through envFrom, env valueFrom or a volume."""
    users: dict[tuple[str | None, str], set[str]] = {}
    for workload in inventory.workloads:
        names: set[str] = set()
        for container in workload.containers:
            for source in sequence(container.body.get("envFrom")):
                names.add(str(mapping(mapping(source).get(from_field)).get("name", "")))
            for item in sequence(container.body.get("env")):
                reference = mapping(mapping(mapping(item).get("valueFrom")).get(key_field))
                names.add(str(reference.get("name", "")))
        for volume in sequence(workload.spec.get("volumes")):
            source = mapping(mapping(volume).get(volume_field))
            names.add(str(source.get("name") or source.get("secretName") or ""))
        for name in names - {""}:
            users.setdefault((workload.obj.namespace, name), set()).add(workload.ref)
    return {key: sorted(refs) for key, refs in users.items()}
