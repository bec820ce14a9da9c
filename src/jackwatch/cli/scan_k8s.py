"""``jackwatch scan k8s PATH…|--cluster``: the Kubernetes inventory and its posture checks.

Manifests (files, directories, ``-`` for standard input: ``helm template … | jackwatch scan k8s -``) or a live
cluster (kubeconfig and context, or in-cluster) are read into an inventory, every Kubernetes check runs on it, and
the findings are reported (table, JSON, SARIF) and, unless ``--no-store``, recorded with the inventory's assets.
"""

from __future__ import annotations

import gc
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from jackwatch.checks.kubernetes import registry, run_checks
from jackwatch.cli.common import DbOption, OutputOption, exit_code, output_stream, store_url
from jackwatch.cli.options import parse_severity
from jackwatch.errors import ConfigError
from jackwatch.inventory.kubernetes import K8sInventory, K8sSettings, build_inventory, read_manifests
from jackwatch.inventory.kubernetes.assets import inventory_assets
from jackwatch.inventory.kubernetes.cluster import read_cluster
from jackwatch.inventory.kubernetes.manifests import STDIN
from jackwatch.model import Finding
from jackwatch.outputs.posture import KUBERNETES_TOOLS, PostureFormat, PostureReport, write_posture
from jackwatch.remediate.kubernetes import with_object_digests
from jackwatch.sources.stats import ReadStats
from jackwatch.store import open_store

MANIFESTS_CLUSTER = "manifests"
"""The cluster name of objects read from manifests (unless ``--cluster-name``)."""

PostureFormatOption = typer.Option(
    PostureFormat.TABLE, "--format", "-f", help="table, json or sarif (2.1.0).", case_sensitive=False
)
PostureFailOnOption = typer.Option(
    None, "--fail-on", metavar="SEVERITY", help="Exit 1 when a finding is at least this severe."
)


def k8s(
    paths: list[str] = typer.Argument(
        None, metavar="[PATH]...", help="Manifest files or directories (- for standard input)."
    ),
    cluster: bool = typer.Option(False, "--cluster", help="Read a live cluster instead of manifests."),
    context: str | None = typer.Option(None, "--context", help="Kubeconfig context (default: the current one)."),
    kubeconfig: Path | None = typer.Option(
        None, "--kubeconfig", help="Kubeconfig file (default: $KUBECONFIG or ~/.kube/config)."
    ),
    in_cluster: bool = typer.Option(
        False, "--in-cluster", help="Use the pod's service account (with --cluster, when running in a pod)."
    ),
    namespaces: list[str] = typer.Option(
        None, "--namespace", "-n", help="List only these namespaces (repeat; default: all)."
    ),
    cluster_name: str | None = typer.Option(
        None, "--cluster-name", help="Cluster name in refs (default: the kubeconfig's, or 'manifests')."
    ),
    checks: list[str] = typer.Option(None, "--check", help="Run only these checks (repeat; default: all)."),
    digest_exempt: list[str] = typer.Option(
        None, "--digest-exempt", metavar="REPOSITORY", help="Repositories whose images need no digest (repeat)."
    ),
    fmt: PostureFormat = PostureFormatOption,
    output: Path | None = OutputOption,
    fail_on: str | None = PostureFailOnOption,
    db: str | None = DbOption,
    store: bool = typer.Option(
        True, "--store/--no-store", help="Record the workloads, containers and images as assets, and the findings."
    ),
) -> int:
    """Check Kubernetes manifests or a live cluster: privileged or root containers, host access, exposure, keys in
    plain sight, AI workloads without egress policy, and more. Each finding has its kubescape and Checkov
    equivalents and, where one exists, a fix (JSON and strategic-merge patches, kubectl command).

    Exit codes: 0 done; 1 a finding reached --fail-on; 2 bad usage, an unreadable input or an unreachable cluster.
    """
    from jackwatch.cli.scan import link_assets, store_posture  # the scan app registers this command

    threshold = parse_severity(fail_on)
    settings = K8sSettings(digest_exempt_repositories=tuple(digest_exempt or ()))
    if cluster or in_cluster:
        if paths:
            raise ConfigError("give manifest paths or --cluster, not both")
        inventory = read_cluster(
            kubeconfig,
            context,
            in_cluster=in_cluster,
            namespaces=tuple(namespaces or ()),
            cluster_name=cluster_name,
            settings=settings,
        )
        target = f"k8s://{inventory.cluster}"
    else:
        if not paths:
            raise ConfigError("give manifest paths (or - for standard input), or --cluster")
        missing = [path for path in paths if path != STDIN and not Path(path).exists()]
        if missing:
            raise ConfigError(f"no such file or directory: {', '.join(missing)}")
        stats = ReadStats()
        objects = read_manifests(paths, stats)
        inventory = build_inventory(objects, cluster_name or MANIFESTS_CLUSTER, stats, settings)
        target = " ".join(paths)
    gc.freeze()  # the inventory lives until the end: keep the collector from walking it again and again
    now = datetime.now(UTC)
    run = run_checks(inventory, now, set(checks) if checks else None)
    assets = inventory_assets(inventory)
    findings = link_assets(with_object_digests(run.findings, inventory.objects), assets)
    summary = scan_stats(inventory, findings, [{"check": e.check_id, "message": e.message} for e in run.errors])
    if store:
        with open_store(store_url(db)) as opened:
            store_posture(opened, "scan k8s", target, assets, findings, now, summary)
    report = PostureReport(
        findings,
        summary,
        registry.specs,
        target,
        f"Kubernetes posture of {target}",
        tools=KUBERNETES_TOOLS,
        gaps=list(inventory.denied),
    )
    with output_stream(output) as stream:
        write_posture(fmt, report, stream, color=output is None and fmt is PostureFormat.TABLE and stream.isatty())
    return exit_code(findings, threshold, False)


def scan_stats(inventory: K8sInventory, findings: list[Finding], errors: list[dict[str, str]]) -> dict[str, Any]:
    """What a scan read and found: objects by kind, workloads, findings by severity and check, partial view."""
    by_severity = Counter(str(finding.severity) for finding in findings)
    by_check = Counter(finding.rule_id for finding in findings)
    return {
        "cluster": inventory.cluster,
        "objects": len(inventory.objects),
        "kinds": inventory.kinds(),
        "workloads": len(inventory.workloads),
        "findings": len(findings),
        "by_severity": dict(sorted(by_severity.items())),
        "by_check": dict(sorted(by_check.items())),
        "partial": inventory.partial,
        "denied": list(inventory.denied),
        "check_errors": errors,
        "read": inventory.stats.as_dict(),
    }
