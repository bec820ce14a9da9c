"""Merge rule matches into one finding per (rule, principal, key)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from jackwatch.model import Event, Finding, FindingKind, Severity, finding_id
from jackwatch.model.finding import MAX_EVENT_IDS

MAX_EVIDENCE_VALUES = 50

EvidenceOf = Callable[[Event], Mapping[str, str]]
PrincipalOf = Callable[[Event], str]
Output = str | Callable[[], str]
"""A match's output line, or how to render it: only the latest one of a finding is ever rendered."""


@dataclass(frozen=True, slots=True)
class RuleFacts:
    """What a finding needs to know about the rule that produced it."""

    id: str
    title: str
    severity: Severity
    mitre: tuple[str, ...]
    source: str


@dataclass(slots=True)
class _Accumulator:
    rule: RuleFacts
    subject: str
    key: str
    first_seen: datetime
    last_seen: datetime
    output: Output
    event_ids: dict[str, None] = field(default_factory=dict)
    evidence: dict[str, set[str]] = field(default_factory=dict)
    unlisted: int = 0
    facts: dict[str, float] = field(default_factory=dict)

    def add(
        self,
        events: Iterable[Event],
        output: Output,
        evidence_of: EvidenceOf,
        count: int,
        start: datetime | None,
        facts: Mapping[str, float] | None,
    ) -> None:
        if start is not None and start < self.first_seen:
            self.first_seen = start
        if facts:
            self.facts = dict(facts)
        new = 0
        for event in events:
            if event.id in self.event_ids:
                continue
            new += 1
            self.event_ids[event.id] = None
            time = event.time
            if time < self.first_seen:
                self.first_seen = time
            if time >= self.last_seen:
                self.last_seen = time
                self.output = output
            for name, value in evidence_of(event).items():
                if value:
                    values = self.evidence.get(name)
                    if values is None:
                        values = self.evidence[name] = set()
                    if len(values) < MAX_EVIDENCE_VALUES:
                        values.add(value)
        self.unlisted += max(0, count - new)

    def finding(self) -> Finding:
        # each kind of evidence is listed under its plural: "regions", "source_ips"…
        listed = sorted((f"{name}s", values) for name, values in self.evidence.items())
        evidence: dict[str, object] = {name: sorted(values) for name, values in listed}
        evidence["output"] = self.output if isinstance(self.output, str) else self.output()
        if self.facts:
            evidence["figures"] = self.facts
        evidence["source"] = self.rule.source
        return Finding(
            id=finding_id(FindingKind.DETECTION, self.rule.id, self.subject, self.key),
            kind=FindingKind.DETECTION,
            rule_id=self.rule.id,
            title=self.rule.title,
            subject=self.subject,
            severity=self.rule.severity,
            first_seen=self.first_seen,
            last_seen=self.last_seen,
            count=len(self.event_ids) + self.unlisted,
            key=self.key,
            event_ids=tuple(list(self.event_ids)[:MAX_EVENT_IDS]),
            evidence=evidence,
            mitre=self.rule.mitre,
        )


class FindingAggregator:
    """Collects matches of one run; each event counts once per finding, whatever the number of matches."""

    def __init__(self, principal_of: Mapping[str, PrincipalOf], evidence_of: Mapping[str, EvidenceOf]) -> None:
        self._principal_of = principal_of
        self._evidence_of = evidence_of
        self._by_id: dict[tuple[str, str, str], _Accumulator] = {}

    def add(
        self,
        rule: RuleFacts,
        events: tuple[Event, ...],
        key: tuple[str, ...],
        output: Output,
        count: int = 0,
        start: datetime | None = None,
        facts: Mapping[str, float] | None = None,
    ) -> None:
        """Record one match: ``events`` made it (trigger last), ``key`` holds its stateful ``by`` values.

        ``count`` is how many events the match accounts for when that is more than the events it lists
        (the engine caps the events a match carries); the excess is counted but has no id, and ``start`` is
        the time of the earliest of them. ``facts`` are the match's figures (a spike's total and baseline):
        the latest are kept as the finding's ``figures`` evidence.
        """
        trigger = events[-1]
        subject = self._principal_of[rule.source](trigger)
        key_text = "|".join(part for part in key if part != subject)  # the subject is not repeated in its key
        slot = (rule.id, subject, key_text)
        accumulator = self._by_id.get(slot)
        if accumulator is None:
            accumulator = _Accumulator(rule, subject, key_text, trigger.time, trigger.time, output)
            self._by_id[slot] = accumulator
        accumulator.add(events, output, self._evidence_of[rule.source], count, start, facts)

    def __len__(self) -> int:
        return len(self._by_id)

    def results(self) -> Iterator[tuple[Finding, tuple[str, ...]]]:
        """Each finding with the ids of the events it lists (the store counts distinct ids, or ``count``)."""
        for accumulator in self._by_id.values():
            yield accumulator.finding(), tuple(accumulator.event_ids)
