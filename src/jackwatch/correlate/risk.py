"""The risk engine: risk definitions as data (``content/risks/*.yaml``), evaluated over the correlation graph.

A definition names the kind of subject it is about (``workload``, ``cloud_identity``), the factors that must all
hold (``necessary``) and those that add to it (``optional``), a base ``severity`` and the conditions that raise it
(``escalate``). For each subject where every necessary factor holds, the risk lists every factor that holds with
its reason and supporting findings; its **score** is the sum of those factors' weights, its **severity** the base
one, raised by the first matching escalations. Risks are sorted by severity, then score.

A subject gets one risk per story: when every factor of one of its risks is also a factor of another of its risks
that is at least as severe, only the fuller one is kept.

Risks are computed whenever they are asked for, never stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from jackwatch.correlate.factors import (
    FACTORS_FILE,
    FactorSpec,
    SubjectView,
    content_dir,
    load_factors,
    reason,
    strings,
    supporting,
    text,
    view,
)
from jackwatch.correlate.graph import AttackGraph, NodeKind
from jackwatch.errors import ContentError, Location
from jackwatch.model import Finding, FindingKind, Risk, RiskFactor, Severity
from jackwatch.yamlsource import YamlMap, read_yaml

SUBJECT_KINDS = {"workload": NodeKind.WORKLOAD, "cloud_identity": NodeKind.CLOUD_IDENTITY}
"""The subjects a risk definition may be about, by the name definitions use."""


@dataclass(frozen=True, slots=True)
class Escalation:
    """A condition that raises a risk to ``to``: every factor of ``all``, one of ``any``, and a score of at least
    ``min_score`` (each only when given)."""

    to: Severity
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    min_score: int | None = None

    def holds(self, present: set[str], score: int) -> bool:
        """Whether the condition holds for a risk with the factors ``present`` and ``score``."""
        if self.all and not set(self.all) <= present:
            return False
        if self.any and not set(self.any) & present:
            return False
        return self.min_score is None or score >= self.min_score


@dataclass(frozen=True, slots=True)
class RiskDefinition:
    """One risk definition, as written in a risk file."""

    id: str
    title: str
    description: str
    subject: str
    necessary: tuple[str, ...]
    optional: tuple[str, ...]
    severity: Severity
    escalate: tuple[Escalation, ...] = ()
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class RiskCatalog:
    """The factors and the risk definitions, checked against each other."""

    factors: Mapping[str, FactorSpec]
    definitions: tuple[RiskDefinition, ...]

    @classmethod
    def load(cls, extra: Sequence[Path] = ()) -> RiskCatalog:
        """The built-in factors and definitions (every ``*.yaml`` of ``content/risks`` but the factors file), and
        the definitions of the files ``extra``."""
        folder = content_dir()
        factors = load_factors(folder / FACTORS_FILE)
        paths = [path for path in sorted(folder.glob("*.yaml")) if path.name != FACTORS_FILE]
        definitions: list[RiskDefinition] = []
        for path in [*paths, *extra]:
            definitions.extend(load_definitions(path, factors))
        seen: dict[str, RiskDefinition] = {}
        for definition in definitions:
            if definition.id in seen:
                raise ContentError(f"risk {definition.id} is defined twice", definition.location)
            seen[definition.id] = definition
        return cls(factors, tuple(definitions))


_KEYS = frozenset({"id", "title", "description", "subject", "necessary", "optional", "severity", "escalate"})
_ESCALATION_KEYS = frozenset({"to", "all", "any", "min_score"})


def load_definitions(path: Path, factors: Mapping[str, FactorSpec]) -> list[RiskDefinition]:
    """The risk definitions of ``path``; a bad one (or one naming an unknown factor) raises :class:`ContentError`
    with its location."""
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ContentError(f"cannot read {path}: {error.strerror or error}", Location(str(path))) from None
    documents = read_yaml(source, str(path)).values
    root = documents[0] if len(documents) == 1 else None
    if not isinstance(root, YamlMap) or not isinstance(root.get("risks"), list):
        raise ContentError("a risk file is one mapping with a 'risks' list", Location(str(path), 1))
    found = []
    for item in root["risks"]:
        if not isinstance(item, YamlMap):
            raise ContentError("each risk is a mapping", root.location("risks"))
        found.append(_definition(item, factors))
    return found


def _definition(item: YamlMap, factors: Mapping[str, FactorSpec]) -> RiskDefinition:
    unknown = sorted(str(key) for key in item if key not in _KEYS)
    if unknown:
        raise ContentError(f"unknown risk key(s): {', '.join(unknown)}", item.location(unknown[0]))
    subject = text(item, "subject")
    if subject not in SUBJECT_KINDS:
        raise ContentError(f"subject {subject!r} is not one of {', '.join(SUBJECT_KINDS)}", item.location("subject"))
    necessary, optional = strings(item, "necessary"), strings(item, "optional")
    if not necessary:
        raise ContentError("a risk needs at least one necessary factor", item.location("necessary"))
    for key, names in (("necessary", necessary), ("optional", optional)):
        for name in names:
            if name not in factors:
                raise ContentError(f"unknown factor {name!r}", item.location(key))
    if set(necessary) & set(optional):
        raise ContentError("a factor is either necessary or optional, not both", item.location("optional"))
    escalate = item.get("escalate", [])
    if not isinstance(escalate, list):
        raise ContentError("escalate is a list", item.location("escalate"))
    return RiskDefinition(
        id=text(item, "id"),
        title=text(item, "title"),
        description=text(item, "description"),
        subject=subject,
        necessary=tuple(necessary),
        optional=tuple(optional),
        severity=_severity(item, "severity"),
        escalate=tuple(_escalation(entry, {*necessary, *optional}) for entry in escalate),
        location=item.location(),
    )


def _escalation(entry: object, names: set[str]) -> Escalation:
    if not isinstance(entry, YamlMap):
        raise ContentError("each escalation is a mapping (to, all, any, min_score)")
    unknown = sorted(str(key) for key in entry if key not in _ESCALATION_KEYS)
    if unknown:
        raise ContentError(f"unknown escalation key(s): {', '.join(unknown)}", entry.location(unknown[0]))
    for key in ("all", "any"):
        for name in strings(entry, key):
            if name not in names:
                raise ContentError(f"{key}: {name!r} is not a factor of this risk", entry.location(key))
    score = entry.get("min_score")
    if score is not None and (not isinstance(score, int) or isinstance(score, bool)):
        raise ContentError("min_score must be a whole number", entry.location("min_score"))
    if not any(key in entry for key in ("all", "any", "min_score")):
        raise ContentError("an escalation needs all, any or min_score", entry.location())
    return Escalation(_severity(entry, "to"), tuple(strings(entry, "all")), tuple(strings(entry, "any")), score)


def _severity(item: YamlMap, key: str) -> Severity:
    value = item.get(key)
    try:
        return Severity(str(value))
    except ValueError:
        names = ", ".join(level.value for level in Severity)
        raise ContentError(f"{key} {value!r} is not a severity ({names})", item.location(key)) from None


# ----------------------------------------------------------------------------------------------- evaluation


def assessment_time(findings: Iterable[Finding], now: datetime | None = None) -> datetime:
    """The time ``recent`` is counted back from: the last sighting of the newest detection, or now if that is
    later than now (a clock ahead) or there is no detection. A recorded trace read today is assessed at its own
    time, a live store at the present."""
    moment = now or datetime.now(UTC)
    newest = max((f.last_seen for f in findings if f.kind is FindingKind.DETECTION), default=None)
    return moment if newest is None else min(newest, moment)


def evaluate(graph: AttackGraph, catalog: RiskCatalog, as_of: datetime | None = None) -> list[Risk]:
    """Every risk the graph holds, most severe first, then by score, subject and definition."""
    moment = as_of or assessment_time(graph.findings.values())
    risks: list[Risk] = []
    for name, kind in SUBJECT_KINDS.items():
        definitions = [definition for definition in catalog.definitions if definition.subject == name]
        if not definitions:
            continue
        for node in graph.of_kind(kind):
            subject = _Subject(graph, catalog, view(graph, node), moment)
            candidates = [
                subject.risk(definition)
                for definition in definitions
                if all(subject.supporting(factor) for factor in definition.necessary)
            ]
            risks.extend(_fullest(candidates))
    return sorted(risks, key=lambda risk: (-risk.severity.rank, -risk.score, risk.subject_name, risk.definition))


class _Subject:
    """One subject being assessed: the findings supporting each factor, found once."""

    def __init__(self, graph: AttackGraph, catalog: RiskCatalog, seen: SubjectView, as_of: datetime) -> None:
        self.graph = graph
        self.catalog = catalog
        self.seen = seen
        self.as_of = as_of
        self._found: dict[str, list[Finding]] = {}

    def supporting(self, factor: str) -> list[Finding]:
        """The findings that support ``factor`` for this subject."""
        if factor not in self._found:
            self._found[factor] = supporting(self.graph, self.catalog.factors[factor], self.seen, self.as_of)
        return self._found[factor]

    def risk(self, definition: RiskDefinition) -> Risk:
        """The risk ``definition`` makes of this subject (its necessary factors hold)."""
        factors: list[RiskFactor] = []
        for name in (*definition.necessary, *definition.optional):
            findings = self.supporting(name)
            if not findings:
                continue
            spec = self.catalog.factors[name]
            factors.append(
                RiskFactor(
                    name=name,
                    title=spec.title,
                    weight=spec.weight,
                    necessary=name in definition.necessary,
                    reason=reason(self.graph, spec, self.seen, findings),
                    findings=tuple(sorted(finding.id for finding in findings)),
                )
            )
        score = sum(factor.weight for factor in factors)
        present = {factor.name for factor in factors}
        severity = definition.severity
        for escalation in definition.escalate:
            if escalation.to.rank > severity.rank and escalation.holds(present, score):
                severity = escalation.to
        node = self.seen.subject
        return Risk(
            id=hashlib.sha256(f"{definition.id}\x1f{node.id}".encode()).hexdigest()[:32],
            definition=definition.id,
            title=definition.title,
            subject=node.id,
            subject_kind=str(node.kind),
            subject_name=node.name,
            severity=severity,
            score=score,
            factors=tuple(factors),
        )


def _fullest(risks: list[Risk]) -> list[Risk]:
    """The risks of one subject without those another tells in full (its factors include theirs, as severe)."""
    kept: list[Risk] = []
    ordered = sorted(risks, key=lambda risk: (-len(risk.factors), -risk.severity.rank, -risk.score))
    for risk in ordered:
        names = {factor.name for factor in risk.factors}
        if any(
            names <= {factor.name for factor in other.factors} and other.severity.rank >= risk.severity.rank
            for other in kept
        ):
            continue
        kept.append(risk)
    return kept
