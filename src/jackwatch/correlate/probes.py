"""Cross-provider correlation rules: findings made from findings (``xcloud.multi_provider_probe``).

A rule names the probe rules of every provider; it matches when one source IP appears in probe findings of at
least ``min_providers`` providers whose times lie within ``window`` of each other. The finding it makes is
about that source IP and lists the providers, rules and principals it probed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from importlib.resources import files
from pathlib import Path

from jackwatch.correlate.incidents import indicators, provider_of
from jackwatch.errors import ContentError, Location
from jackwatch.model import Finding, FindingKind, Severity, finding_id
from jackwatch.model.finding import MAX_EVENT_IDS
from jackwatch.rules.stateful import parse_duration
from jackwatch.yamlsource import YamlMap, read_yaml


@dataclass(frozen=True, slots=True)
class ProbeCorrelation:
    """A correlation rule: the probe rules it reads, how many providers make a match, and within what window."""

    id: str
    title: str
    severity: Severity
    mitre: tuple[str, ...]
    window: timedelta
    min_providers: int
    probe_rules: frozenset[str]
    desc: str
    docs: Mapping[str, str]


def builtin_correlation_files() -> list[Path]:
    """The correlation rules shipped as package data (``jackwatch/content/correlate/*.yaml``)."""
    root = Path(str(files("jackwatch") / "content" / "correlate"))
    return sorted(root.glob("*.yaml"))


def load_correlation(path: Path) -> ProbeCorrelation:
    """One correlation rule file; a bad file raises :class:`ContentError` with its location."""
    document = read_yaml(path.read_text(encoding="utf-8"), str(path)).values
    item = document[0] if len(document) == 1 else None
    if not isinstance(item, YamlMap):
        raise ContentError("a correlation rule file holds one mapping", Location(str(path), 1))
    try:
        return ProbeCorrelation(
            id=_text(item, "id"),
            title=_text(item, "title"),
            severity=Severity(_text(item, "severity")),
            mitre=tuple(str(value) for value in item.get("mitre") or ()),
            window=parse_duration(item["window"]),
            min_providers=int(item.get("min_providers", 2)),
            probe_rules=frozenset(str(value) for value in item["probe_rules"]),
            desc=_text(item, "desc"),
            docs={str(key): str(value) for key, value in (item.get("docs") or {}).items()},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ContentError(f"invalid correlation rule: {exc}", item.location()) from None


def _text(item: YamlMap, key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{key} must be a non-empty string", item.location(key))
    return value.strip()


def correlate_probes(findings: Sequence[Finding], rule: ProbeCorrelation) -> list[Finding]:
    """The findings ``rule`` makes from ``findings``: one per source IP that probed enough providers."""
    by_ip: dict[str, list[tuple[Finding, str]]] = {}
    for finding in findings:
        provider = provider_of(finding)
        if finding.rule_id not in rule.probe_rules or provider is None:
            continue
        for indicator in indicators(finding):
            if indicator[0] == "ip":
                by_ip.setdefault(indicator[1], []).append((finding, provider))
    made = []
    for ip, probes in sorted(by_ip.items()):
        burst = _widest_burst(sorted(probes, key=lambda probe: probe[0].first_seen), rule)
        if burst is not None:
            made.append(_finding(rule, ip, burst))
    return made


def _widest_burst(probes: list[tuple[Finding, str]], rule: ProbeCorrelation) -> list[tuple[Finding, str]] | None:
    """The longest run of probes within the window that spans enough providers, or ``None``."""
    best: list[tuple[Finding, str]] | None = None
    start = 0
    for end in range(len(probes)):
        while probes[end][0].first_seen - probes[start][0].last_seen > rule.window:
            start += 1
        burst = probes[start : end + 1]
        if len({provider for _, provider in burst}) >= rule.min_providers and (best is None or len(burst) > len(best)):
            best = burst
    return best


def _finding(rule: ProbeCorrelation, ip: str, burst: list[tuple[Finding, str]]) -> Finding:
    found = [finding for finding, _ in burst]
    evidence: dict[str, object] = {
        "providers": sorted({provider for _, provider in burst}),
        "rule_ids": sorted({finding.rule_id for finding in found}),
        "principals": sorted({finding.subject for finding in found}),
        "finding_ids": [finding.id for finding in found],
        "source_ips": [ip],
        "output": f"{ip} probed keys of {', '.join(sorted({p for _, p in burst}))} "
        f"({len(found)} findings, {len({f.subject for f in found})} principals)",
        "source": "correlation",
    }
    for name in ("asns", "user_agents", "regions", "models"):
        values = sorted({str(value) for finding in found for value in finding.evidence.get(name) or ()})
        if values:
            evidence[name] = values
    return Finding(
        id=finding_id(FindingKind.DETECTION, rule.id, ip),
        kind=FindingKind.DETECTION,
        rule_id=rule.id,
        title=rule.title,
        subject=ip,
        severity=rule.severity,
        first_seen=min(finding.first_seen for finding in found),
        last_seen=max(finding.last_seen for finding in found),
        count=len(found),
        event_ids=tuple(sorted(event for finding in found for event in finding.event_ids)[:MAX_EVENT_IDS]),
        evidence=evidence,
        mitre=rule.mitre,
    )
