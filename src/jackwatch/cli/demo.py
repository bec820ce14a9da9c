"""``jackwatch demo``: the whole pipeline on the demo environment, into a fresh store.

The app's image is scanned, its Kubernetes manifests checked (as ``jackwatch scan k8s``), its CloudTrail trace,
invocation logs and bill run through detection; everything goes to one store, from which the correlation graph is
built (with the runtime findings the store holds, when ``--db`` names one that has them). The report ends with the
prioritized risks, the attack paths and the fixes of the findings behind the risks (manifest patches verified).
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import IO, Any

import orjson
import typer

from jackwatch.checks.kubernetes import registry, run_checks
from jackwatch.cli.common import FormatOption, OutputOption, exit_code, ordered, output_stream, use_color
from jackwatch.cli.demo_runtime import RuntimeView, record_runtime
from jackwatch.cli.paths import paths_json
from jackwatch.cli.risks import load_inputs, render_risks, risk_stats
from jackwatch.cli.scan import link_assets, store_posture, store_scan
from jackwatch.cli.scan_k8s import MANIFESTS_CLUSTER, scan_stats
from jackwatch.correlate.build import build_graph
from jackwatch.correlate.graph import AttackGraph, NodeKind
from jackwatch.correlate.incidents import find_incidents
from jackwatch.correlate.paths import PathSearch, find_paths
from jackwatch.correlate.report import SHORT_ID, paths_text, risk_dict
from jackwatch.correlate.risk import RiskCatalog, assessment_time, evaluate
from jackwatch.cost import load_price_table
from jackwatch.detect.service import Pricing, RuleSelection, build_detector, detect_inputs, store_result
from jackwatch.errors import ConfigError
from jackwatch.inventory.catalog import AiCatalog
from jackwatch.inventory.image import open_image
from jackwatch.inventory.kubernetes import K8sInventory, build_inventory, read_manifests
from jackwatch.inventory.kubernetes.assets import inventory_assets
from jackwatch.inventory.scan import ScanResult, scan_root
from jackwatch.model import Asset, Finding, FindingKind, Risk
from jackwatch.normalize.asn import AsnDb
from jackwatch.outputs import OutputFormat, render
from jackwatch.outputs.posture import KUBERNETES_TOOLS, PostureReport, write_posture_table
from jackwatch.outputs.scan_report import scan_to_dict, write_table
from jackwatch.remediate.errors import FixError
from jackwatch.remediate.kubernetes import with_object_digests
from jackwatch.remediate.plan import RemedyKind, manifest_fix, remedy_of
from jackwatch.secrets import fingerprint, redact, scan_text
from jackwatch.sources.inputs import ReadRequest
from jackwatch.sources.stats import ReadStats
from jackwatch.store import open_store, redact_url, resolve_db_url
from jackwatch.vulns import AdvisoryDb
from jackwatch.vulns.dbfile import bundled_path

DEFAULT_DEMO = Path("examples/openai-app")
SETTINGS_FILE = "jackwatch.yaml"
IMAGE_FOLDER = "image"
"""The app's container image in the environment (an OCI image layout), scanned when present."""
K8S_FOLDER = "k8s"
"""The app's Kubernetes manifests in the environment, checked when present."""
RUNTIME_FOLDER = "runtime"
"""The sensor's recorded trace of the app's container in the environment, kept in the store when present."""
INPUTS = (
    ("cloudtrail", "cloudtrail"),
    ("bedrock", "bedrock-invocations"),
    ("usage", "billing"),
    ("syscall", RUNTIME_FOLDER),
)
"""(input kind, folder of the environment) of what the demo reads; CloudTrail is required, the others are read
when the environment has them."""


def demo_inputs(environment: Path) -> list[str]:
    """The ``KIND:PATH`` inputs of the environment; a :class:`ConfigError` when it has no CloudTrail trace."""
    trail = environment / "cloudtrail"
    if not trail.is_dir():
        raise ConfigError(f"no demo trace at {trail}: run this from the jackwatch checkout or pass the directory")
    return [f"{kind}:{environment / folder}" for kind, folder in INPUTS if (environment / folder).is_dir()]


def scan_image(image: Path) -> ScanResult:
    """Scan the demo image with the bundled advisory database (never the user's, so the demo always shows the
    same matches) and the AI package catalog."""
    with resources.as_file(bundled_path()) as path:
        database = AdvisoryDb.load(path)
    with open_image(image) as root:
        result = scan_root(
            root, db=database, catalog=AiCatalog.load(), stats=root.stats, config=root.config, kind="image"
        )
        result.target = f"image://{root.image_id}"
    return result


def demo(
    environment: Path = typer.Argument(
        DEFAULT_DEMO,
        help="The demo environment directory: cloudtrail/ (the CloudTrail trace), bedrock-invocations/ (Bedrock "
        "model invocation logs), billing/ (a CUR 2.0 export), image/ (the app's container image) and k8s/ (its "
        "Kubernetes manifests).",
    ),
    db: str | None = typer.Option(
        None, "--db", help="Store to write to (default: a fresh SQLite file in a temporary directory)."
    ),
    fmt: OutputFormat = FormatOption,
    output: Path | None = OutputOption,
) -> int:
    """Scan the app's image (AI packages, their vulnerabilities, the keys left in it) and its Kubernetes manifests,
    run detection on the demo's CloudTrail trace, Bedrock invocation logs and billing export (the openai-app
    LLMjacking story), price every finding, then correlate it all: the report ends with the prioritized risks (every
    factor explained), the attack paths from the internet to Bedrock, and the fixes (manifest patches verified)."""
    inputs = demo_inputs(environment)
    now = datetime.now(UTC)
    image = environment / IMAGE_FOLDER
    scan = scan_image(image) if image.is_dir() else None
    manifests = environment / K8S_FOLDER
    posture = scan_manifests(manifests, now) if manifests.is_dir() else None
    settings = environment / SETTINGS_FILE
    detector = build_detector(RuleSelection(settings=settings if settings.is_file() else None), AsnDb.load())
    result = detect_inputs(detector, inputs, ReadRequest(), Pricing(load_price_table()))
    stats = result.stats(detector)
    with tempfile.TemporaryDirectory(prefix="jackwatch-demo-") as scratch:
        url = resolve_db_url(db or str(Path(scratch) / "demo.db"), {})
        with open_store(url) as store:
            store_result(store, result, "demo", inputs, stats)
            trace = environment / RUNTIME_FOLDER
            runtime = (
                record_runtime(
                    store, trace, image if scan is not None else None, [finding for finding, _ in result.findings]
                )
                if trace.is_dir()
                else None
            )
            found = [] if scan is None else store_scan(store, scan, "demo scan image", str(image), now)
            if posture is not None:
                store_posture(
                    store, "demo scan k8s", str(manifests), posture.assets, posture.findings, now, posture.stats
                )
                found.extend(posture.findings)
            scanned = {finding.id for finding in found}
            stored = [finding for finding in store.findings() if finding.id not in scanned]
            graph_inputs, accepted = load_inputs(store)
        stats["store"] = redact_url(url) if db else "temporary SQLite file (use --db to keep it)"
        correlated = correlate(graph_inputs.findings, build_graph(graph_inputs), accepted, stats["store"])
        with output_stream(output) as stream:
            write_demo_report(
                fmt,
                stored,
                stats,
                stream,
                scan,
                color=use_color(fmt, output),
                posture=posture,
                correlated=correlated,
                runtime=runtime,
            )
    return exit_code(stored, None, result.read.files_failed > 0)


@dataclass(slots=True)
class ManifestScan:
    """The demo's Kubernetes manifests as ``jackwatch scan k8s`` checks them."""

    target: str
    inventory: K8sInventory
    assets: list[Asset]
    findings: list[Finding]
    stats: dict[str, Any]


def scan_manifests(folder: Path, now: datetime) -> ManifestScan:
    """Read the manifests under ``folder``, run every Kubernetes check, and make the assets and findings a scan
    records (each finding linked to its asset, each fix sealed with its object's digest)."""
    read = ReadStats()
    inventory = build_inventory(read_manifests([folder], read), MANIFESTS_CLUSTER, read)
    run = run_checks(inventory, now)
    assets = inventory_assets(inventory)
    findings = link_assets(with_object_digests(run.findings, inventory.objects), assets)
    errors = [{"check": error.check_id, "message": error.message} for error in run.errors]
    return ManifestScan(str(folder), inventory, assets, findings, scan_stats(inventory, findings, errors))


@dataclass(slots=True)
class DemoFix:
    """The fix of one or more findings behind the risks: what to do, the commands, the manifest diff and what its
    verification checked (or why it could not be made)."""

    kind: str
    summary: str
    finding_ids: list[str]
    rule_ids: list[str]
    steps: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    diff: str | None = None
    verified: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "summary": self.summary,
            "findings": self.finding_ids,
            "rule_ids": self.rule_ids,
            "steps": self.steps,
            "commands": self.commands,
            "diff": self.diff,
            "verified": self.verified,
            "error": self.error,
        }


@dataclass(slots=True)
class Correlated:
    """What the demo's store adds up to: the graph, the risks, the attack paths and the fixes of each risk."""

    graph: AttackGraph
    risks: list[Risk]
    paths: PathSearch
    fixes: dict[str, list[DemoFix]]
    stats: dict[str, Any]


def correlate(findings: Sequence[Finding], graph: AttackGraph, accepted: set[str], store: str) -> Correlated:
    """Risks, paths and fixes of the demo's graph."""
    as_of = assessment_time(findings, datetime.now(UTC))
    risks = evaluate(graph, RiskCatalog.load(), as_of)
    fixes: dict[str, DemoFix] = {}
    by_risk: dict[str, list[DemoFix]] = {}
    secrets = frozenset(str(node.attrs.get("fingerprint")) for node in graph.of_kind(NodeKind.SECRET))
    for risk in risks:
        by_risk[risk.id] = []
        for finding_id in risk.finding_ids:
            made = fix_of(graph.findings[finding_id], fixes, secrets)
            if made is not None and made not in by_risk[risk.id]:
                by_risk[risk.id].append(made)
    return Correlated(graph, risks, find_paths(graph), by_risk, risk_stats(risks, accepted, as_of, store))


def fix_of(finding: Finding, made: dict[str, DemoFix], secrets: frozenset[str] = frozenset()) -> DemoFix | None:
    """The fix of ``finding``, merged into ``made`` with the fixes of findings that have the same one (the
    vulnerabilities of one package: one upgrade); ``None`` for a detection or a finding without a fix. A manifest
    diff shows the file's lines around the change, keys included: those (and the keys of the fingerprints
    ``secrets``) are redacted."""
    if finding.kind is FindingKind.DETECTION:
        return None
    remedy = remedy_of(finding)
    if remedy.kind is RemedyKind.NONE:
        return None
    secret = finding.evidence.get("secret")
    key_print = secret.get("fingerprint") if isinstance(secret, Mapping) else finding.evidence.get("fingerprint")
    group = f"{remedy.kind}\x1f{remedy.summary}\x1f{key_print or ''}"
    if remedy.kind is RemedyKind.KUBERNETES:
        group += f"\x1f{finding.id}"
    if group in made:
        existing = made[group]
        if finding.id not in existing.finding_ids:
            existing.finding_ids.append(finding.id)
        if finding.rule_id not in existing.rule_ids:
            existing.rule_ids.append(finding.rule_id)
        return existing
    fix = DemoFix(str(remedy.kind), remedy.summary, [finding.id], [finding.rule_id], remedy.steps, remedy.commands)
    resource = finding.evidence.get("resource")
    path = resource.get("file") if isinstance(resource, Mapping) else None
    if remedy.kind is RemedyKind.KUBERNETES and isinstance(path, str):
        try:
            change, verification = manifest_fix(remedy, Path(path))
        except FixError as error:
            fix.error = str(error)
        else:
            fix.diff, fix.verified = without_secrets(change.diff, secrets), list(verification.checks)
    made[group] = fix
    return fix


_TOKEN = re.compile(r"[^\s'\"=,]{16,}")
"""What may be a key in a line of a diff: a run of 16 characters or more without spaces, quotes or ``=``."""


def without_secrets(text: str, fingerprints: frozenset[str]) -> str:
    """``text`` with each key in it redacted (``sk-p…1lv``): the keys the secret catalogue finds in it, and those
    whose fingerprint is one of ``fingerprints``."""
    known = fingerprints | {hit.fingerprint for hit in scan_text(text)}

    def redacted(found: re.Match[str]) -> str:
        token = found.group(0)
        return redact(token) if fingerprint(token) in known else token

    return _TOKEN.sub(redacted, text)


def write_demo_report(
    fmt: OutputFormat,
    findings: Sequence[Finding],
    stats: Mapping[str, Any],
    stream: IO[bytes],
    scan: ScanResult | None,
    *,
    color: bool,
    posture: ManifestScan | None = None,
    correlated: Correlated | None = None,
    runtime: RuntimeView | None = None,
) -> None:
    """The detection report as ``detect`` writes it, with the image scan and the manifests' posture before it, and
    the runtime view (process tree, packages in use), the risks, attack paths and fixes after it, in a table; in
    JSON the scan under ``scan``, the runtime view under ``runtime``, the risks (each with its fixes) under
    ``risks`` and the paths under ``paths`` (``jsonl`` and ``ocsf`` hold the detection findings only)."""
    shown, incidents = ordered(findings), find_incidents(findings)
    if fmt is OutputFormat.TABLE:
        if scan is not None:
            write_table(scan, stream, color=color)
        if posture is not None:
            report = PostureReport(
                posture.findings,
                posture.stats,
                registry.specs,
                posture.target,
                f"Kubernetes posture of {posture.target}",
                tools=KUBERNETES_TOOLS,
            )
            write_posture_table(report, stream, color=color)
    if fmt is not OutputFormat.JSON:
        render(fmt, shown, stats, stream, color=color, incidents=incidents)
        if fmt is OutputFormat.TABLE and runtime is not None:
            stream.write(runtime.text(color=color).encode())
        if fmt is OutputFormat.TABLE and correlated is not None:
            write_correlation(correlated, stream, color=color)
        return
    buffer = io.BytesIO()
    render(fmt, shown, stats, buffer, incidents=incidents)
    body = orjson.loads(buffer.getvalue())
    if scan is not None:
        body["scan"] = scan_to_dict(scan)
    if runtime is not None:
        body["runtime"] = runtime.as_dict()
    if correlated is not None:
        graph = correlated.graph
        body["risks"] = [
            {**risk_dict(graph, risk), "fixes": [fix.as_dict() for fix in correlated.fixes.get(risk.id, [])]}
            for risk in correlated.risks
        ]
        body["paths"] = paths_json(graph, correlated.paths.paths)
    stream.write(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")


def write_correlation(correlated: Correlated, stream: IO[bytes], *, color: bool) -> None:
    """The risks table, the attack paths, and the fixes of the findings behind the risks, as text."""
    graph = correlated.graph
    stream.write(render_risks(graph, correlated.risks, correlated.stats, color=color).encode())
    stream.write(b"\nAttack paths\n\n")
    stream.write(paths_text(graph, correlated.paths.paths).encode())
    fixes = list({id(fix): fix for fixes in correlated.fixes.values() for fix in fixes}.values())
    fixes.sort(key=lambda fix: (fix.diff is None, fix.kind != "package", fix.summary))
    stream.write(f"\nFixes of the findings behind the risks ({len(fixes)})\n\n".encode())
    for number, fix in enumerate(fixes, 1):
        cited = ", ".join(fix.rule_ids[:2]) + (f" +{len(fix.rule_ids) - 2}" if len(fix.rule_ids) > 2 else "")
        ids = " ".join(finding[:SHORT_ID] for finding in fix.finding_ids[:4])
        more = f" +{len(fix.finding_ids) - 4}" if len(fix.finding_ids) > 4 else ""
        lines = [f"{number}. {fix.summary} — {cited} [{ids}{more}]"]
        lines.extend(f"   {step}" for step in fix.steps)
        lines.extend(f"   $ {command}" for command in fix.commands[:2])
        if fix.verified:
            lines.append(f"   verified: {'; '.join(fix.verified)}")
        if fix.error:
            lines.append(f"   no manifest change: {fix.error}")
        if fix.diff:
            lines.extend(f"   {line}" for line in fix.diff.rstrip("\n").splitlines())
        stream.write(("\n".join(lines) + "\n\n").encode())
