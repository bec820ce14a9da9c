"""The check framework: check metadata as data, a registry of check functions, and the findings they make.

Metadata lives in ``jackwatch/content/checks/<name>.yaml`` (one file per provider)::

    checks:
      - id: k8s.container.privileged          # stable: the finding's rule_id
        title: Container runs privileged
        severity: high                         # info | low | medium | high | critical
        description: >
          What is wrong and why it matters.
        remediation: >
          What to change.
        refs:                                  # equivalent controls of other tools (optional)
          kubescape: [C-0057]
          checkov: [CKV_K8S_16]
        mitre: [T1611]                         # optional
        docs: {url: https://…}                 # optional, free text per key

The logic is Python: a function takes the provider's inventory and yields one :class:`Hit` per problem::

    registry: CheckRegistry[K8sInventory] = CheckRegistry("kubernetes")

    @registry.check("k8s.container.privileged")
    def privileged(inventory: K8sInventory) -> Iterator[Hit]:
        for ...:
            yield Hit(subject=ref, key=container, resource={...}, fix={...})

    result = registry.run(inventory, now)      # CheckRun: findings + errors

:meth:`CheckRegistry.run` loads the metadata once, insists that every registered function has metadata and every
metadata entry a function (a :class:`ContentError` otherwise), turns hits into :class:`Finding` objects of kind
``misconfiguration`` (id from kind, check id, subject and key — never from file or line), and keeps going when a
check function fails on odd input: the failure is recorded in :attr:`CheckRun.errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any, Generic, TypeVar

from jackwatch.errors import ContentError, Location
from jackwatch.model import Finding, FindingKind, Severity, finding_id
from jackwatch.yamlsource import YamlMap, read_yaml

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """A check's metadata: what it finds, how bad it is, how to fix it, and the equivalent controls elsewhere.

    ``refs`` maps a tool (``kubescape``, ``checkov``, ``cis``…) to its control ids; ``location`` is where the
    entry is written.
    """

    id: str
    title: str
    severity: Severity
    description: str
    remediation: str
    refs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    mitre: tuple[str, ...] = ()
    docs: Mapping[str, str] = field(default_factory=dict)
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One problem a check function found.

    ``subject`` is the asset ref the problem is about (``k8s://cluster/ns/Deployment/name``, ``aws://…``); ``key``
    tells apart several problems of one check on one subject (a container name, a path) and goes into the
    finding id. ``resource`` describes the object for people (kind, namespace, name, file, line / arn, account,
    region); ``fix`` is the remediation when one exists (patches, commands); ``evidence`` any other facts, secrets
    always redacted. ``severity`` overrides the check's severity for this hit.
    """

    subject: str
    key: str = ""
    resource: Mapping[str, Any] = field(default_factory=dict)
    fix: Mapping[str, Any] | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity | None = None


CheckFunction = Callable[[T], Iterable[Hit]]
"""What a check is in code: the inventory in, hits out."""


@dataclass(frozen=True, slots=True)
class CheckError:
    """A check function that failed: which one and why. Its other checks' findings are kept."""

    check_id: str
    message: str


@dataclass(slots=True)
class CheckRun:
    """The outcome of running checks: findings in check order, failures, and how many hits each check made."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[CheckError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def content_path(name: str) -> Path:
    """The metadata file shipped for ``name`` (``jackwatch/content/checks/<name>.yaml``)."""
    return Path(str(files("jackwatch") / "content" / "checks" / f"{name}.yaml"))


def load_specs(path: Path) -> dict[str, CheckSpec]:
    """Every check's metadata in ``path``, by id; a bad entry raises :class:`ContentError` with its location."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ContentError(f"cannot read check metadata: {error.strerror or error}", Location(str(path))) from None
    documents = read_yaml(text, str(path)).values
    root = documents[0] if len(documents) == 1 else None
    if not isinstance(root, YamlMap) or not isinstance(root.get("checks"), list):
        raise ContentError("a check metadata file is one mapping with a 'checks' list", Location(str(path), 1))
    specs: dict[str, CheckSpec] = {}
    for item in root["checks"]:
        if not isinstance(item, YamlMap):
            raise ContentError("each check is a mapping", root.location("checks"))
        spec = _spec(item)
        if spec.id in specs:
            raise ContentError(f"check {spec.id} is defined twice", item.location("id"))
        specs[spec.id] = spec
    return specs


_KEYS = frozenset({"id", "title", "severity", "description", "remediation", "refs", "mitre", "docs"})


def _spec(item: YamlMap) -> CheckSpec:
    unknown = sorted(str(key) for key in item if key not in _KEYS)
    if unknown:
        raise ContentError(f"unknown check key(s): {', '.join(unknown)}", item.location(unknown[0]))
    severity = _text(item, "severity")
    try:
        level = Severity(severity)
    except ValueError:
        raise ContentError(f"unknown severity {severity!r}", item.location("severity")) from None
    refs = item.get("refs") or {}
    mitre = item.get("mitre") or []
    docs = item.get("docs") or {}
    if not isinstance(refs, dict) or not all(isinstance(ids, list) for ids in refs.values()):
        raise ContentError("refs maps a tool to a list of control ids", item.location("refs"))
    if not isinstance(mitre, list) or not isinstance(docs, dict):
        raise ContentError("mitre is a list and docs a mapping", item.location("mitre" if "mitre" in item else "docs"))
    return CheckSpec(
        id=_text(item, "id"),
        title=_text(item, "title"),
        severity=level,
        description=_text(item, "description"),
        remediation=_text(item, "remediation"),
        refs={str(tool): tuple(str(ref) for ref in ids) for tool, ids in refs.items()},
        mitre=tuple(str(technique) for technique in mitre),
        docs={str(key): str(value).strip() for key, value in docs.items()},
        location=item.location(),
    )


def _text(item: YamlMap, key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{key} must be a non-empty string", item.location(key if key in item else None))
    return value.strip()


def make_finding(spec: CheckSpec, hit: Hit, now: datetime) -> Finding:
    """The finding for ``hit`` of ``spec``, seen ``now``.

    Its evidence holds ``resource``, ``fix`` (when the hit has one), each ``refs`` tool's ids under the tool's name
    (``kubescape``, ``checkov``…: an empty list when the check has no equivalent there is left out), and the hit's
    own evidence.
    """
    evidence: dict[str, Any] = {"resource": dict(hit.resource)}
    for tool, ids in spec.refs.items():
        evidence[tool] = list(ids)
    evidence.update(hit.evidence)
    if hit.fix is not None:
        evidence["fix"] = dict(hit.fix)
    return Finding(
        id=finding_id(FindingKind.MISCONFIGURATION, spec.id, hit.subject, hit.key),
        kind=FindingKind.MISCONFIGURATION,
        rule_id=spec.id,
        title=spec.title,
        subject=hit.subject,
        severity=hit.severity or spec.severity,
        first_seen=now,
        last_seen=now,
        count=1,
        key=hit.key,
        evidence=evidence,
        mitre=spec.mitre,
    )


class CheckRegistry(Generic[T]):
    """The checks of one provider: functions registered by id, metadata loaded from ``content/checks/<name>.yaml``
    (or ``path``) on first use."""

    def __init__(self, name: str, path: Path | None = None) -> None:
        self.name = name
        self._path = path or content_path(name)
        self._functions: dict[str, CheckFunction[T]] = {}
        self._specs: dict[str, CheckSpec] | None = None

    def check(self, check_id: str) -> Callable[[CheckFunction[T]], CheckFunction[T]]:
        """Decorator registering a check function under ``check_id``."""

        def register(function: CheckFunction[T]) -> CheckFunction[T]:
            if check_id in self._functions:
                raise ValueError(f"check {check_id} registered twice")
            self._functions[check_id] = function
            return function

        return register

    @property
    def specs(self) -> Mapping[str, CheckSpec]:
        """The metadata of every check, by id, in file order; checked against the registered functions."""
        if self._specs is None:
            specs = load_specs(self._path)
            missing = sorted(set(self._functions) - set(specs))
            if missing:
                raise ContentError(f"no metadata for check(s) {', '.join(missing)}", Location(str(self._path)))
            unimplemented = sorted(set(specs) - set(self._functions))
            if unimplemented:
                where = specs[unimplemented[0]].location or Location(str(self._path))
                raise ContentError(f"no check function for {', '.join(unimplemented)}", where)
            self._specs = specs
        return self._specs

    def function(self, check_id: str) -> CheckFunction[T]:
        """The function of ``check_id`` (KeyError when unknown)."""
        return self._functions[check_id]

    def hits(self, check_id: str, target: T) -> list[Hit]:
        """The hits of one check on ``target`` (exceptions propagate: for tests and tools)."""
        return list(self._functions[check_id](target))

    def run(self, target: T, now: datetime, select: Collection[str] | None = None) -> CheckRun:
        """Run every check (or those whose id is in ``select``) on ``target``; findings are seen ``now``.

        A check function that raises is recorded in :attr:`CheckRun.errors` and the others still run; an id in
        ``select`` that is not a check raises :class:`ContentError`.
        """
        specs = self.specs
        if select is not None:
            unknown = sorted(set(select) - set(specs))
            if unknown:
                raise ContentError(f"unknown check(s): {', '.join(unknown)}")
        result = CheckRun()
        for check_id, spec in specs.items():
            if select is not None and check_id not in select:
                continue
            try:
                hits = list(self._functions[check_id](target))
            except Exception as error:  # a check must not sink the scan: report it
                result.errors.append(CheckError(check_id, f"{type(error).__name__}: {error}"))
                continue
            result.counts[check_id] = len(hits)
            result.findings.extend(make_finding(spec, hit, now) for hit in hits)
        return result
