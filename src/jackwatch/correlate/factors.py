"""Risk factors: what each means, its weight, and which findings support it — metadata as data
(``content/risks/factors.yaml``), matching in code.

A factor holds for a subject when at least one finding supports it: a finding about the nodes of the factor's
``scope`` (seen from the subject) that passes every filter the factor sets. Nothing else makes a factor hold, so a
factor always lists the findings behind it, and accepting them all takes it away.

Scopes, for a workload subject and for a cloud identity subject:

==============  =======================================================  ==============================================
scope           workload                                                 cloud identity
==============  =======================================================  ==============================================
``workload``    the workload and its containers                          the workloads that reach the identity (their
                                                                         keys, their service account) and containers
``packages``    the packages of the images its containers run            those of the workloads that reach it
``keys``        the keys it, its containers, their images and the        the keys that sign in as the identity
                ConfigMaps it reads hold
``identities``  the cloud identities its keys and service account reach  the identity itself
==============  =======================================================  ==============================================

Filters: ``rules`` (rule ids, ``*`` wildcards), ``kinds`` (detection, misconfiguration, vulnerability),
``sources`` (the detection's source), ``min_severity``, ``recent`` (last seen within this long before the
assessment's time), ``exploit_or_fix`` (a vulnerability in CISA KEV or with a fixed version), ``ai_package`` and
``in_use`` (the package is an AI package; a process loaded it), ``key_categories`` (``llm``, ``cloud``…).
``edges`` takes the findings cited by those edges out of the scope's nodes (``can_invoke``: what shows an identity
can call models) instead of the findings about the nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from fnmatch import fnmatchcase
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from packageurl import PackageURL

from jackwatch.correlate.graph import AttackGraph, Node, NodeKind, Rel
from jackwatch.errors import ContentError, Location
from jackwatch.model import Finding, FindingKind, Severity
from jackwatch.rules.stateful import parse_duration
from jackwatch.yamlsource import YamlMap, read_yaml

E = TypeVar("E", bound=StrEnum)

SHOWN = 3
"""Items a factor's reason names; the rest are counted."""

REACH = (Rel.RUNS, Rel.RUNS_IMAGE, Rel.HOLDS, Rel.IDENTIFIES, Rel.AUTHENTICATES_AS, Rel.USES, Rel.ASSUMES)
"""The relations along which a workload reaches the cloud identities it can act as."""


class Scope(StrEnum):
    """Which nodes, seen from a subject, a factor looks at."""

    WORKLOAD = "workload"
    PACKAGES = "packages"
    KEYS = "keys"
    IDENTITIES = "identities"


@dataclass(frozen=True, slots=True)
class FactorSpec:
    """One factor: its metadata and the filters a supporting finding passes."""

    id: str
    title: str
    weight: int
    description: str
    scope: Scope
    rules: tuple[str, ...] = ()
    kinds: frozenset[FindingKind] = frozenset()
    sources: frozenset[str] = frozenset()
    min_severity: Severity | None = None
    recent: timedelta | None = None
    exploit_or_fix: bool = False
    ai_package: bool | None = None
    in_use: bool | None = None
    key_categories: frozenset[str] = frozenset()
    edges: tuple[Rel, ...] = ()
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class SubjectView:
    """The nodes of each scope, seen from one subject."""

    subject: Node
    workload: tuple[str, ...]
    packages: tuple[str, ...]
    keys: tuple[str, ...]
    identities: tuple[str, ...]

    def nodes(self, scope: Scope) -> tuple[str, ...]:
        """The node ids of ``scope``."""
        return {
            Scope.WORKLOAD: self.workload,
            Scope.PACKAGES: self.packages,
            Scope.KEYS: self.keys,
            Scope.IDENTITIES: self.identities,
        }[scope]


def view(graph: AttackGraph, subject: Node) -> SubjectView:
    """What each scope holds for ``subject`` (a workload or a cloud identity; other kinds see only themselves)."""
    if subject.kind is NodeKind.WORKLOAD:
        workloads = [subject.id]
    elif subject.kind is NodeKind.CLOUD_IDENTITY:
        workloads = [node for node in graph.reaching(subject.id, REACH) if graph.nodes[node].kind is NodeKind.WORKLOAD]
    else:
        return SubjectView(subject, (subject.id,), (), (), ())
    containers = [container for workload in workloads for container in graph.out(workload, Rel.RUNS)]
    images = [image for container in containers for image in graph.out(container, Rel.RUNS_IMAGE)]
    packages = [package for image in images for package in graph.out(image, Rel.CONTAINS)]
    if subject.kind is NodeKind.WORKLOAD:
        configs = [node for node in graph.out(subject.id, Rel.USES) if graph.nodes[node].kind is NodeKind.CONFIG]
        holders = (subject.id, *containers, *images, *configs)
        keys = [key for holder in holders for key in graph.out(holder, Rel.HOLDS)]
        identities = [
            node for node in graph.reachable(subject.id, REACH) if graph.nodes[node].kind is NodeKind.CLOUD_IDENTITY
        ]
    else:
        keys = [node for node in graph.reaching(subject.id, REACH) if graph.nodes[node].kind is NodeKind.SECRET]
        identities = [subject.id]
    return SubjectView(
        subject,
        _unique([*workloads, *containers]),
        _unique(packages),
        _unique(keys),
        _unique(identities),
    )


def supporting(graph: AttackGraph, spec: FactorSpec, seen: SubjectView, as_of: datetime) -> list[Finding]:
    """The findings that support ``spec`` for the subject of ``seen``, assessed at ``as_of``."""
    found: dict[str, Finding] = {}
    for node_id in seen.nodes(spec.scope):
        node = graph.nodes[node_id]
        if not _node_passes(spec, node):
            continue
        if spec.edges:
            ids = [
                finding_id
                for dst in graph.out(node_id, *spec.edges)
                for edge in graph.edges_between(node_id, dst)
                if edge.rel in spec.edges
                for finding_id in edge.findings
            ]
        else:
            ids = node.findings
        for finding_id in ids:
            finding = graph.findings.get(finding_id)
            if finding is not None and finding.id not in found and _finding_passes(spec, finding, as_of):
                found[finding.id] = finding
    return list(found.values())


def reason(graph: AttackGraph, spec: FactorSpec, seen: SubjectView, findings: Sequence[Finding]) -> str:
    """What supports the factor, in words: the first few items, the rest counted."""
    ids = {finding.id for finding in findings}
    if spec.scope is Scope.PACKAGES:
        parts = [_package_reason(graph, node, ids) for node in seen.packages if ids & set(graph.nodes[node].findings)]
    elif spec.scope is Scope.KEYS:
        parts = [_key_reason(graph, node) for node in seen.keys if ids & set(graph.nodes[node].findings)]
    elif spec.scope is Scope.IDENTITIES:
        parts = [_identity_reason(graph, node, findings) for node in seen.identities]
        parts = [part for part in parts if part]
    else:
        parts = list(dict.fromkeys(describe(finding) for finding in findings))
    return _shown(parts)


def describe(finding: Finding) -> str:
    """A finding in a few words: ``Service openai-app (LoadBalancer)``, ``Container runs privileged (app)``,
    ``CVE-2023-36095 (critical, fix 0.1.11)``, ``runtime.user_home_in_tmpfs, 3 events, last 2025-06-10 13:52``."""
    evidence = finding.evidence
    if finding.rule_id == "k8s.workload.internet_exposed":
        via = evidence.get("via")
        if isinstance(via, Mapping):
            return f"{via.get('kind')} {via.get('name')} ({via.get('how')})"
    if finding.kind is FindingKind.VULNERABILITY:
        return _vulnerability_text(finding)
    if finding.kind is FindingKind.DETECTION:
        last = finding.last_seen.strftime("%Y-%m-%d %H:%M")
        events = "1 event" if finding.count == 1 else f"{finding.count} events"
        return f"{finding.rule_id}: {finding.title} ({events}, last {last})"
    resource = evidence.get("resource")
    container = resource.get("container") if isinstance(resource, Mapping) else None
    return f"{finding.title} ({container})" if container else finding.title


def _vulnerability_text(finding: Finding) -> str:
    evidence = finding.evidence
    notes = [str(finding.severity)]
    if evidence.get("kev"):
        notes.append("known exploited")
    if evidence.get("fix_version"):
        notes.append(f"fix {evidence['fix_version']}")
    return f"{finding.rule_id.removeprefix('vuln.')} ({', '.join(notes)})"


def _package_reason(graph: AttackGraph, node_id: str, ids: set[str]) -> str:
    node = graph.nodes[node_id]
    vulns = [graph.findings[finding] for finding in node.findings if finding in ids]
    vulns.sort(key=lambda finding: (-finding.severity.rank, not finding.evidence.get("kev"), finding.rule_id))
    name = _package_name(node)
    if node.attrs.get("in_use"):
        name += f", in use (first {str(node.attrs.get('first_used', ''))[:16].replace('T', ' ')})"
    listed = ", ".join(_vulnerability_text(finding) for finding in vulns[:2])
    more = f" +{len(vulns) - 2}" if len(vulns) > 2 else ""
    return f"{name}: {listed}{more}"


def _package_name(node: Node) -> str:
    purl = node.attrs.get("purl")
    if isinstance(purl, str):
        try:
            parsed = PackageURL.from_string(purl)
        except ValueError:
            return node.name
        return f"{parsed.name} {parsed.version}"
    return node.name


def _key_reason(graph: AttackGraph, node_id: str) -> str:
    node = graph.nodes[node_id]
    holders = []
    for holder in graph.into(node_id, Rel.HOLDS):
        edge = next(edge for edge in graph.edges_between(holder, node_id) if edge.rel == Rel.HOLDS)
        holders.append(f"{edge.reason} of {graph.nodes[holder].label}" if edge.reason else graph.nodes[holder].label)
    where = f" in {_shown(holders, 2)}" if holders else ""
    return f"{node.name}{where}"


def _identity_reason(graph: AttackGraph, node_id: str, findings: Sequence[Finding]) -> str:
    node = graph.nodes[node_id]
    mine = set(node.findings)
    for dst in graph.out(node_id, Rel.CAN_INVOKE):
        for edge in graph.edges_between(node_id, dst):
            mine.update(edge.findings)
    rules = list(dict.fromkeys(finding.rule_id for finding in findings if finding.id in mine))
    return f"{node.name}: {_shown(rules, 4)}" if rules else ""


def _shown(parts: Sequence[str], limit: int = SHOWN) -> str:
    text = "; ".join(parts[:limit])
    return text + (f" (+{len(parts) - limit} more)" if len(parts) > limit else "")


def _node_passes(spec: FactorSpec, node: Node) -> bool:
    attrs = node.attrs
    if spec.ai_package is not None and bool(attrs.get("ai")) is not spec.ai_package:
        return False
    if spec.in_use is not None and bool(attrs.get("in_use")) is not spec.in_use:
        return False
    return not spec.key_categories or attrs.get("category") in spec.key_categories


def _finding_passes(spec: FactorSpec, finding: Finding, as_of: datetime) -> bool:
    if spec.rules and not any(fnmatchcase(finding.rule_id, pattern) for pattern in spec.rules):
        return False
    if spec.kinds and finding.kind not in spec.kinds:
        return False
    if spec.sources and finding.evidence.get("source") not in spec.sources:
        return False
    if spec.min_severity is not None and finding.severity.rank < spec.min_severity.rank:
        return False
    if spec.recent is not None and finding.last_seen < as_of - spec.recent:
        return False
    if spec.exploit_or_fix:
        evidence = finding.evidence
        return bool(evidence.get("kev") or evidence.get("fix_version") or evidence.get("fixed_versions"))
    return True


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# ----------------------------------------------------------------------------------------------- loading


def content_dir() -> Path:
    """The built-in risk content (``jackwatch/content/risks``)."""
    return Path(str(files("jackwatch") / "content" / "risks"))


FACTORS_FILE = "factors.yaml"

_KEYS = frozenset(
    {
        "id",
        "title",
        "weight",
        "description",
        "scope",
        "rules",
        "kinds",
        "sources",
        "min_severity",
        "recent",
        "exploit_or_fix",
        "ai_package",
        "in_use",
        "key_categories",
        "edges",
    }
)


def load_factors(path: Path | None = None) -> dict[str, FactorSpec]:
    """Every factor of ``path`` (default: the built-in ``factors.yaml``), by id; a bad entry raises
    :class:`ContentError` with its location."""
    path = path or content_dir() / FACTORS_FILE
    root = _root(path, "factors")
    factors: dict[str, FactorSpec] = {}
    for item in root["factors"]:
        if not isinstance(item, YamlMap):
            raise ContentError("each factor is a mapping", root.location("factors"))
        spec = _factor(item)
        if spec.id in factors:
            raise ContentError(f"factor {spec.id} is defined twice", item.location("id"))
        factors[spec.id] = spec
    return factors


def _root(path: Path, key: str) -> YamlMap:
    """The one mapping of a content file, holding a ``key`` list."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ContentError(f"cannot read {path}: {error.strerror or error}", Location(str(path))) from None
    documents = read_yaml(text, str(path)).values
    root = documents[0] if len(documents) == 1 else None
    if not isinstance(root, YamlMap) or not isinstance(root.get(key), list):
        raise ContentError(f"the file is one mapping with a '{key}' list", Location(str(path), 1))
    return root


def _factor(item: YamlMap) -> FactorSpec:
    unknown = sorted(str(key) for key in item if key not in _KEYS)
    if unknown:
        raise ContentError(f"unknown factor key(s): {', '.join(unknown)}", item.location(unknown[0]))
    weight = item.get("weight")
    if not isinstance(weight, int) or isinstance(weight, bool) or weight < 0:
        raise ContentError("weight must be a whole number ≥ 0", item.location("weight"))
    return FactorSpec(
        id=text(item, "id"),
        title=text(item, "title"),
        weight=weight,
        description=text(item, "description"),
        scope=_choice(item, "scope", Scope),
        rules=tuple(strings(item, "rules")),
        kinds=frozenset(_choices(item, "kinds", FindingKind)),
        sources=frozenset(strings(item, "sources")),
        min_severity=_choice(item, "min_severity", Severity) if "min_severity" in item else None,
        recent=_duration(item, "recent"),
        exploit_or_fix=_flag(item, "exploit_or_fix") is True,
        ai_package=_flag(item, "ai_package"),
        in_use=_flag(item, "in_use"),
        key_categories=frozenset(strings(item, "key_categories")),
        edges=tuple(_choices(item, "edges", Rel)),
        location=item.location(),
    )


def text(item: YamlMap, key: str) -> str:
    """The non-empty string under ``key``."""
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{key} must be a non-empty string", item.location(key if key in item else None))
    return " ".join(value.split())


def strings(item: YamlMap, key: str) -> list[str]:
    """The list of strings under ``key`` (empty when absent)."""
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(entry, str) and entry for entry in value):
        raise ContentError(f"{key} must be a list of strings", item.location(key))
    return list(value)


def _choice(item: YamlMap, key: str, kind: type[E]) -> E:
    value = item.get(key)
    try:
        return kind(str(value))
    except ValueError:
        names = ", ".join(member.value for member in kind)
        raise ContentError(f"{key} {value!r} is not one of {names}", item.location(key)) from None


def _choices(item: YamlMap, key: str, kind: type[E]) -> list[E]:
    found = []
    for value in strings(item, key):
        try:
            found.append(kind(value))
        except ValueError:
            names = ", ".join(member.value for member in kind)
            raise ContentError(f"{key}: {value!r} is not one of {names}", item.location(key)) from None
    return found


def _flag(item: YamlMap, key: str) -> bool | None:
    value: Any = item.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ContentError(f"{key} must be true or false", item.location(key))
    return value


def _duration(item: YamlMap, key: str) -> timedelta | None:
    if key not in item:
        return None
    try:
        return parse_duration(item[key])
    except ValueError as error:
        raise ContentError(str(error), item.location(key)) from None
