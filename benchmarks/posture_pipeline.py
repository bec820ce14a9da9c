"""Kubernetes manifests → inventory → checks → correlation graph → risks → attack paths, against the baseline of
parsing the same YAML.

The manifests are those of ``benchmarks/k8s_scan.py`` (generated once, deterministically: 5,000 objects by
default, about 1,200 workloads over 50 namespaces, a tenth of their Services LoadBalancers, a fifth behind an
Ingress, LLM keys in 5 % of containers, IRSA roles on 30 % of service accounts). So that paths reach cloud
identities and Bedrock too, a tenth of the IRSA roles get a CloudTrail detection naming a Bedrock model (made up
here, as the rules engine shapes them). Then measures, in this process (one core):

- ``baseline``: ``yaml.load_all`` with the C safe loader of every file;
- ``read``, ``inventory``, ``checks``: as ``jackwatch scan k8s`` (``benchmarks/k8s_scan.py`` times them alone);
- ``graph``: the inventory's assets and every finding into the correlation graph (``build_graph``);
- ``risks``: every risk definition over every workload and identity (``evaluate``);
- ``paths``: every attack path from the internet and the leaked keys (``find_paths``).

    python benchmarks/posture_pipeline.py [--objects 5000] [--data benchmarks/data/k8s-5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
SEED = 20261129

from k8s_scan import generate  # noqa: E402  (the sibling benchmark's deterministic manifests)

from jackwatch.model import Asset, Finding, FindingKind, Severity, finding_id  # noqa: E402


def _timed(function: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def detections(assets: list[Asset], now: datetime) -> list[Finding]:
    """A CloudTrail detection naming a Bedrock model for a tenth of the IRSA roles the workloads assume."""
    rng = random.Random(SEED)
    roles = sorted(
        {
            str(identity["principal"])
            for asset in assets
            if asset.kind == "k8s_workload"
            for identity in asset.attrs.get("identities") or ()
            if identity.get("provider") == "aws_irsa"
        }
    )
    found = []
    for role in roles:
        if rng.random() >= 0.1:
            continue
        found.append(
            Finding(
                id=finding_id(FindingKind.DETECTION, "aws.bedrock.invocation_volume", role),
                kind=FindingKind.DETECTION,
                rule_id="aws.bedrock.invocation_volume",
                title="Bedrock invocation volume",
                subject=role,
                severity=Severity.HIGH,
                first_seen=now - timedelta(hours=1),
                last_seen=now,
                count=600,
                evidence={"source": "aws_cloudtrail", "models": ["anthropic.claude-3-opus-20240229-v1:0"]},
            )
        )
    return found


def measure(data: Path) -> dict[str, float]:
    """One run of every stage; seconds per stage, and what each made."""
    from jackwatch.checks.kubernetes import registry, run_checks
    from jackwatch.correlate.build import build_graph
    from jackwatch.correlate.inputs import GraphInputs
    from jackwatch.correlate.paths import find_paths
    from jackwatch.correlate.risk import RiskCatalog, evaluate
    from jackwatch.inventory.kubernetes import build_inventory, read_manifests
    from jackwatch.inventory.kubernetes.assets import inventory_assets
    from jackwatch.sources.stats import ReadStats

    files = sorted(data.glob("*.yaml"))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    baseline, _ = _timed(lambda: [list(yaml.load_all(f.read_text(), Loader=loader)) for f in files])
    _ = registry.specs  # metadata loaded once, as a scan does before reading
    catalog = RiskCatalog.load()
    now = datetime.now(UTC)
    stats = ReadStats()
    read, objects = _timed(lambda: read_manifests([data], stats))
    inventory_time, inventory = _timed(lambda: build_inventory(objects, "bench", stats))
    gc.freeze()  # as jackwatch scan k8s does once the inventory is built
    checks, run = _timed(lambda: run_checks(inventory, now))
    assert not run.errors, run.errors
    assets = inventory_assets(inventory)
    findings = [*run.findings, *detections(assets, now)]
    graph_time, graph = _timed(lambda: build_graph(GraphInputs(assets=assets, findings=findings)))
    risks_time, risks = _timed(lambda: evaluate(graph, catalog, now))
    paths_time, search = _timed(lambda: find_paths(graph))
    gc.unfreeze()
    return {
        "baseline": baseline,
        "read": read,
        "inventory": inventory_time,
        "checks": checks,
        "graph": graph_time,
        "risks": risks_time,
        "paths": paths_time,
        "objects": len(objects),
        "workloads": len(inventory.workloads),
        "findings": len(findings),
        "nodes": len(graph.nodes),
        "edges": graph.graph.number_of_edges(),
        "risk_count": len(risks),
        "path_count": len(search.paths),
        "truncated": search.truncated,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    data = options.data or HERE / "data" / f"k8s-{options.objects}"
    if not (data / "count.json").exists():
        generate(data, options.objects)
    runs = [measure(data) for _ in range(options.repeat)]
    first = runs[0]
    print(
        f"{first['objects']} objects, {first['workloads']} workloads, {first['findings']} findings → "
        f"{first['nodes']} nodes, {first['edges']} edges, {first['risk_count']} risks, {first['path_count']} paths"
        + (" (search cut)" if first["truncated"] else "")
    )
    stages = ("baseline", "read", "inventory", "checks", "graph", "risks", "paths")
    for stage in stages:
        values = [run[stage] for run in runs]
        print(f"{stage:>10}: {min(values):.3f}–{max(values):.3f} s")
    totals = [sum(run[stage] for stage in stages[1:]) for run in runs]
    correlation = [run["graph"] + run["risks"] + run["paths"] for run in runs]
    ratios = [total / run["baseline"] for total, run in zip(totals, runs, strict=True)]
    print(f"{'total':>10}: {min(totals):.3f}–{max(totals):.3f} s (read to paths; target ≤ 5 s)")
    print(f"{'correlate':>10}: {min(correlation):.3f}–{max(correlation):.3f} s (graph + risks + paths)")
    print(f"{'ratio':>10}: {min(ratios):.2f}–{max(ratios):.2f} × the YAML parse baseline")


if __name__ == "__main__":
    main()
