"""``jackwatch risks``: the risks the store's assets and findings add up to, most severe first, every factor explained.

The correlation inputs are read from the store here (:func:`load_inputs`), accepted findings left out, for this
command, ``jackwatch paths`` and the demo.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from jackwatch.cli.common import DbOption, OutputOption, output_stream, store_at
from jackwatch.cli.options import parse_severity
from jackwatch.correlate.build import build_graph
from jackwatch.correlate.graph import AttackGraph
from jackwatch.correlate.inputs import GraphInputs, PackageInUse, RuntimeContainer
from jackwatch.correlate.report import SHORT_ID, risk_dict
from jackwatch.correlate.risk import RiskCatalog, assessment_time, evaluate
from jackwatch.model import Risk, Severity
from jackwatch.outputs.serialize import iso
from jackwatch.outputs.table import PLAIN_WIDTH
from jackwatch.store import Store

_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


class RiskFormat(StrEnum):
    """How risks are reported."""

    TABLE = "table"
    JSON = "json"


def load_inputs(store: Store, *, at: datetime | None = None) -> tuple[GraphInputs, set[str]]:
    """Everything the store holds for the graph — assets, findings, packages in use, containers seen at runtime —
    without the findings accepted at ``at`` (default: now); and the ids of those accepted findings."""
    accepted = store.accepted_finding_ids(at)
    in_use = [
        PackageInUse(use.id, use.first_used, use.last_used, use.example_path)
        for use in store.package_usage()
        if use.first_used is not None
    ]
    containers = [
        RuntimeContainer(seen.id, seen.name, seen.image, seen.image_id, seen.pod, seen.namespace)
        for seen in store.containers()
    ]
    inputs = GraphInputs(
        assets=[stored.asset for stored in store.assets()],
        findings=store.findings(),
        in_use=in_use,
        containers=containers,
    )
    return inputs.without(accepted), accepted


def risks(
    fmt: RiskFormat = typer.Option(RiskFormat.TABLE, "--format", "-f", help="table or json.", case_sensitive=False),
    min_severity: str | None = typer.Option(
        None, "--severity", metavar="SEVERITY", help="Only risks at least this severe."
    ),
    definitions: list[Path] = typer.Option(
        None, "--definitions", metavar="FILE", help="More risk definitions (a risk YAML file; repeat)."
    ),
    output: Path | None = OutputOption,
    db: str | None = DbOption,
) -> int:
    """List the risks: workloads and cloud identities where findings add up — exposed to the internet, a vulnerable
    AI package (in use), a critical CVE with an exploit or a fix, privileged, keys in plain sight, an identity that
    can invoke models, runtime detections, LLMjacking activity. Most severe first, then by score; each factor with
    why it holds and the findings behind it (accepted findings left out: jackwatch accept)."""
    threshold = parse_severity(min_severity)
    catalog = RiskCatalog.load(tuple(definitions or ()))
    with store_at(db) as store:
        inputs, accepted = load_inputs(store)
        url = store.url
    graph = build_graph(inputs)
    as_of = assessment_time(inputs.findings, datetime.now(UTC))
    found = [
        risk for risk in evaluate(graph, catalog, as_of) if threshold is None or risk.severity.rank >= threshold.rank
    ]
    stats = risk_stats(found, accepted, as_of, url)
    with output_stream(output) as stream:
        if fmt is RiskFormat.JSON:
            body = {"risks": [risk_dict(graph, risk) for risk in found], "stats": stats}
            stream.write(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")
        else:
            stream.write(render_risks(graph, found, stats, color=output is None and stream.isatty()).encode())
    return 0


def risk_stats(found: Sequence[Risk], accepted: set[str], as_of: datetime, store: str) -> dict[str, Any]:
    """How many risks of each severity, how many findings were left out as accepted, when and where."""
    by_severity = Counter(str(risk.severity) for risk in found)
    return {
        "risks": len(found),
        "by_severity": {str(level): by_severity[str(level)] for level in reversed(Severity) if by_severity[str(level)]},
        "accepted_findings": len(accepted),
        "assessed_at": iso(as_of),
        "store": store,
    }


def risks_table(graph: AttackGraph, found: Sequence[Risk]) -> Table:
    """One row per risk: severity and score, what and about whom, and every factor with its reason."""
    table = Table(title=f"{len(found)} risk(s)", expand=True, show_lines=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("risk", overflow="fold", ratio=2)
    table.add_column("factors (weight) and why", overflow="fold", ratio=5)
    for risk in found:
        what = Text(risk.title, style="bold").append(f"\n{risk.subject_name}", style="")
        what.append(f"\n{risk.definition}", style="dim")
        factors = Text()
        for index, factor in enumerate(risk.factors):
            if index:
                factors.append("\n")
            mark = "■" if factor.necessary else "+"
            factors.append(f"{mark} {factor.title} ({factor.weight})", style="bold")
            factors.append(f": {factor.reason}")
            shown = ", ".join(finding[:SHORT_ID] for finding in factor.findings[:3])
            more = f" +{len(factor.findings) - 3}" if len(factor.findings) > 3 else ""
            factors.append(f" [{shown}{more}]", style="dim")
        table.add_row(Text(str(risk.severity), style=_STYLE[risk.severity]), str(risk.score), what, factors)
    return table


def render_risks(graph: AttackGraph, found: Sequence[Risk], stats: Mapping[str, Any], *, color: bool) -> str:
    """The risks table (■ necessary factor, + optional one) and a summary line, as text."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=None if color else PLAIN_WIDTH)
    if found:
        console.print(risks_table(graph, found))
    else:
        console.print("No risks: no workload or identity has the necessary factors of a risk definition.")
    counts = ", ".join(f"{count} {level}" for level, count in stats["by_severity"].items()) or "none"
    console.print(
        escape(
            f"risks: {counts}; accepted findings left out: {stats['accepted_findings']}; "
            f"assessed at {stats['assessed_at']}; store: {stats['store']}"
        ),
        highlight=False,
    )
    return buffer.getvalue()
