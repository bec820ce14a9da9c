"""The detect service: load the rules once, stream events through them, aggregate findings, store them.

The CLI, the demo and (later) the API call these functions; nothing here prints or exits.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jackwatch.correlate.incidents import Incident, find_incidents
from jackwatch.correlate.probes import ProbeCorrelation, builtin_correlation_files, correlate_probes, load_correlation
from jackwatch.cost import DEFAULT_TOKENS_PER_CALL, PriceTable, TokensPerCall
from jackwatch.detect.aggregate import FindingAggregator, RuleFacts
from jackwatch.detect.distinct import distinct_events
from jackwatch.detect.ledger import SpendLedger
from jackwatch.detect.order import time_ordered
from jackwatch.errors import RuleLoadError
from jackwatch.model import Event, Finding
from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.engine import CompiledRuleSet, Engine, compile_ruleset
from jackwatch.rules.fields import Restated
from jackwatch.rules.loader import LoadResult, builtin_rule_files, load_rules
from jackwatch.rules.settings import apply_settings, load_settings
from jackwatch.rules.sources import SourceRegistry, default_registry
from jackwatch.rules.spec import CompiledRule
from jackwatch.sources.inputs import ReadRequest, kinds_of, read_inputs
from jackwatch.sources.stats import ReadStats

if TYPE_CHECKING:  # the store (SQLAlchemy) is only loaded by runs that write to it
    from jackwatch.store import Store


@dataclass(frozen=True, slots=True)
class RuleSelection:
    """Which rules a run uses: the built-in pack (unless turned off), extra files after it, a settings file."""

    files: tuple[Path, ...] = ()
    builtin: bool = True
    settings: Path | None = None

    def paths(self) -> list[Path]:
        """Rule files in load order: built-in first, so later files can override its lists and rules."""
        return [*(builtin_rule_files() if self.builtin else []), *self.files]


@dataclass(frozen=True, slots=True)
class Detector:
    """Everything a run needs, built once: sources, compiled rules and the load warnings."""

    registry: SourceRegistry
    loaded: LoadResult
    compiled: CompiledRuleSet
    correlations: tuple[ProbeCorrelation, ...] = ()


@dataclass(slots=True)
class DetectionResult:
    """Findings of one run (each with the ids of the events its matches listed) and its statistics."""

    findings: list[tuple[Finding, tuple[str, ...]]]
    read: ReadStats
    matches: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    incidents: list[Incident] = field(default_factory=list)
    unpriced_models: list[str] = field(default_factory=list)

    def stats(self, detector: Detector) -> dict[str, Any]:
        """JSON-ready statistics: what was read and skipped (and why), rules used, matches per rule."""
        rules = detector.loaded.ruleset.rules
        evaluated = len(detector.compiled.rules)  # after settings: enabled rules of sources jackwatch reads
        return {
            **self.read.as_dict(),
            "rules_loaded": len(rules),
            "rules_evaluated": evaluated,
            "rule_warnings": [str(warning) for warning in detector.loaded.warnings],
            "matches_by_rule": dict(sorted(self.matches.items())),
            "findings": len(self.findings),
            "incidents": len(self.incidents),
            "unpriced_models": self.unpriced_models,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.read.events_read / self.seconds) if self.seconds else None,
        }


def build_detector(selection: RuleSelection, asn_db: AsnDb) -> Detector:
    """Load, configure and compile the selected rules; raise one :class:`RuleLoadError` listing every error."""
    registry = default_registry(asn_db)
    loaded = load_rules(selection.paths(), registry)
    if not loaded.ok:
        raise RuleLoadError("\n".join(str(error) for error in loaded.errors))
    ruleset = loaded.ruleset
    if selection.settings is not None:
        ruleset = apply_settings(ruleset, load_settings(selection.settings))
    correlations = tuple(load_correlation(path) for path in builtin_correlation_files()) if selection.builtin else ()
    return Detector(registry, loaded, compile_ruleset(ruleset, registry), correlations)


def _facts(rule: CompiledRule) -> RuleFacts:
    spec = rule.spec
    return RuleFacts(spec.id, spec.name, spec.severity, spec.mitre, spec.source)


def _restated(rule: RuleFacts, alert: Restated | None) -> RuleFacts:
    if alert is None:
        return rule
    return RuleFacts(alert.id, alert.title, alert.severity, alert.mitre or rule.mitre, rule.source)


GC_YOUNG_THRESHOLD = 1_000_000
"""Container objects allocated and still alive between young-generation collections during a run (CPython's
default is 700). The count goes down as objects are freed, so a run whose live objects stay about the same (events
read, ruled on and dropped) is seldom interrupted, and cyclic garbage is still collected once a million objects
have piled up. A young collection walks every object alive since the last one, in memory the caches no longer hold:
at 100,000 the collections of a run of 500,000 invocation records cost it 6 to 10 % (``docs/benchmarks.md``)."""


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Parsing makes many short-lived containers; with the default threshold the collector runs every
    few records and rescans the long-lived rule state each time. Freeze what exists (rules, ASN data)
    and collect the young generation less often; restore both afterwards. What the run leaves alive (the rules'
    state, the findings: up to a young generation's worth) joins the oldest generation unexamined: restoring the
    threshold first would make the next allocation walk all of it."""
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *previous[1:])
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        gc.set_threshold(*previous)


def detect_events(
    detector: Detector, events: Iterable[Event], read: ReadStats, *, ordered: bool = False
) -> DetectionResult:
    """Run every event through the rules once, in time order (``ordered``: they come so already), and aggregate
    the matches into findings."""
    sources = detector.registry.sources
    aggregator = FindingAggregator(
        {name: source.fields.principal for name, source in sources.items()},
        {name: source.fields.evidence for name, source in sources.items()},
    )
    engine = Engine(detector.compiled)
    matches: Counter[str] = Counter()
    facts: dict[str, RuleFacts] = {}
    restaters = {name: source.fields.restate for name, source in sources.items() if source.fields.restate}
    started = time.perf_counter()
    with _fewer_collections():
        for event in events if ordered else time_ordered(events):
            for match in engine.process(event):
                rule_id = match.rule.id
                matches[rule_id] += 1
                rule = facts.get(rule_id) or facts.setdefault(rule_id, _facts(match.rule))
                restate = restaters.get(rule.source)
                if restate is not None:  # another tool's alert: the finding is about its rule
                    rule = _restated(rule, restate(match.events[-1]))
                aggregator.add(
                    rule,
                    match.events,
                    match.key,
                    partial(match.rule.render_output, match.events[-1]),
                    match.count,
                    match.start,
                    match.facts,
                )
        # still with few collections: the rules' state is alive, a full collection would go through all of it
        findings = list(aggregator.results())
    result = DetectionResult(findings, read, matches)
    result.seconds = time.perf_counter() - started
    return result


@dataclass(frozen=True, slots=True)
class Pricing:
    """How findings are priced: the price table and the tokens assumed per call when only calls are counted."""

    table: PriceTable
    per_call: TokensPerCall = DEFAULT_TOKENS_PER_CALL


def detect_inputs(
    detector: Detector,
    inputs: Sequence[str],
    request: ReadRequest,
    pricing: Pricing | None = None,
) -> DetectionResult:
    """Read every input (``[KIND:]SPEC``: CloudTrail, Bedrock invocation logs, usage…), detect, and, with
    ``pricing``, put the cost of the activity in each finding's window on the finding."""
    read = ReadStats()
    return detect_read(detector, read_inputs(inputs, read, request), read, kinds_of(inputs), pricing)


def detect_read(
    detector: Detector,
    events: Iterable[Event],
    read: ReadStats,
    kinds: Iterable[str],
    pricing: Pricing | None = None,
) -> DetectionResult:
    """:func:`detect_inputs` over events read from inputs of the source ``kinds`` (``read`` counts what was read).

    An event read twice counts once (:mod:`~jackwatch.detect.distinct`): in the rules, in the costs and in ``read``.
    """
    events = distinct_events(time_ordered(events), read)
    if pricing is None:
        result = detect_events(detector, events, read, ordered=True)
    else:
        sources = detector.registry.sources
        read_sources = {name: sources[name].fields for name in kinds if name in sources}
        ledger = SpendLedger(pricing.table, read_sources, pricing.per_call)
        result = detect_events(detector, ledger.tap(events), read, ordered=True)
        result.findings = [
            (replace(finding, cost=ledger.cost(finding.subject, finding.first_seen, finding.last_seen)), ids)
            for finding, ids in result.findings
        ]
        result.unpriced_models = ledger.unpriced_models()
    correlate(result, detector.correlations)
    return result


def correlate(result: DetectionResult, correlations: Sequence[ProbeCorrelation]) -> None:
    """Add the findings the correlation rules make from the run's findings, then group them all into incidents."""
    findings = [finding for finding, _ in result.findings]
    for rule in correlations:
        made = correlate_probes(findings, rule)
        result.matches[rule.id] += len(made)
        result.findings.extend((finding, finding.event_ids) for finding in made)
    result.incidents = find_incidents([finding for finding, _ in result.findings])


def store_result(
    store: Store, result: DetectionResult, command: str, inputs: Sequence[str], stats: dict[str, Any]
) -> None:
    """Record a run and its findings; findings already stored are updated, never duplicated."""
    run_id = store.start_run(command, inputs)
    store.record_many(result.findings)
    store.finish_run(run_id, stats)
