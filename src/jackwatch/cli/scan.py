"""``jackwatch scan fs|image|sbom``: the AI packages of a directory, an image or an SBOM, their known
vulnerabilities (exploited? fixable?) and the keys in plain sight."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import typer

from jackwatch.cli import scan_aws, scan_k8s
from jackwatch.cli.common import DbOption, OutputOption, exit_code, output_stream, store_url
from jackwatch.cli.options import parse_severity
from jackwatch.errors import ConfigError, ContentError
from jackwatch.inventory.catalog import AiCatalog
from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.inventory.image import open_image
from jackwatch.inventory.sbom import read_sbom
from jackwatch.inventory.scan import ScanResult, scan_assets, scan_findings, scan_packages, scan_root
from jackwatch.model import Asset, Finding, Severity
from jackwatch.outputs.cyclonedx import write_cyclonedx
from jackwatch.outputs.sarif import write_sarif
from jackwatch.outputs.scan_report import write_json, write_table
from jackwatch.sources.stats import ReadStats
from jackwatch.store import Store, open_store
from jackwatch.vulns import AdvisoryDb, EpssScores, KevCatalog

app = typer.Typer(
    help="Inventory AI packages, match them against vulnerability advisories, and find keys in plain sight.",
    no_args_is_help=True,
)
app.command(name="k8s")(scan_k8s.k8s)
app.command(name="aws")(scan_aws.aws)


class ScanFormat(StrEnum):
    """How a scan is reported."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    CYCLONEDX = "cyclonedx"


FailOnOption = typer.Option(
    None,
    "--fail-on",
    metavar="SEVERITY",
    help="Exit 1 when a vulnerability or leaked key is at least this severe (leaked keys are high).",
)
AdvisoriesOption = typer.Option(
    None,
    "--advisories",
    help="Advisory database file to use instead of the user's (jackwatch db update) or bundled one.",
)
KevOption = typer.Option(None, "--kev", help="CISA KEV catalog JSON to use instead of the bundled extract.")
EpssOption = typer.Option(None, "--epss", help="EPSS scores CSV (epss_scores-YYYY-MM-DD.csv[.gz]) to add to matches.")
StoreOption = typer.Option(
    True,
    "--store/--no-store",
    help="Record the scanned root and its packages as assets, vulnerabilities and leaked keys as findings.",
)
ScanFormatOption = typer.Option(
    ScanFormat.TABLE, "--format", "-f", help="table, json, sarif (2.1.0) or cyclonedx (1.6 JSON).", case_sensitive=False
)

_WRITERS: dict[ScanFormat, Callable[[ScanResult, IO[bytes]], None]] = {
    ScanFormat.JSON: write_json,
    ScanFormat.SARIF: write_sarif,
    ScanFormat.CYCLONEDX: write_cyclonedx,
}


@app.command()
def fs(
    path: Path = typer.Argument(..., help="Directory to scan: a project, a virtualenv, an unpacked filesystem."),
    fmt: ScanFormat = ScanFormatOption,
    output: Path | None = OutputOption,
    fail_on: str | None = FailOnOption,
    db: str | None = DbOption,
    store: bool = StoreOption,
    advisories: Path | None = AdvisoriesOption,
    kev: Path | None = KevOption,
    epss: Path | None = EpssOption,
) -> int:
    """Scan a directory: installed and declared PyPI/npm packages, their vulnerabilities, and leaked keys.

    Exit codes: 0 done; 1 a finding reached --fail-on; 2 bad usage or unreadable input.
    """
    threshold = parse_severity(fail_on)
    stats = ReadStats()
    database = load_advisories(advisories, kev, epss, stats)
    result = scan_root(DirectoryRoot(path, stats), db=database, catalog=AiCatalog.load(), stats=stats)
    return finish(result, fmt, output, threshold, db, store, "scan fs", str(path))


@app.command()
def image(
    archive: Path = typer.Argument(
        ..., metavar="ARCHIVE|DIR", help="A docker save tarball, an OCI layout tarball or an OCI layout directory."
    ),
    ref: str | None = typer.Option(None, "--image", help="Which image of a multi-image archive (app:1.0, digest)."),
    platform: str | None = typer.Option(None, "--platform", help="Platform of a multi-platform index (linux/arm64)."),
    fmt: ScanFormat = ScanFormatOption,
    output: Path | None = OutputOption,
    fail_on: str | None = FailOnOption,
    db: str | None = DbOption,
    store: bool = StoreOption,
    advisories: Path | None = AdvisoriesOption,
    kev: Path | None = KevOption,
    epss: Path | None = EpssOption,
) -> int:
    """Scan a container image read in place: its packages and their vulnerabilities, and keys in its files,
    environment (config Env) and build history.

    Exit codes: 0 done; 1 a finding reached --fail-on; 2 bad usage or unreadable input.
    """
    threshold = parse_severity(fail_on)
    with open_image(archive, image=ref, platform=platform) as root:
        database = load_advisories(advisories, kev, epss, root.stats)
        result = scan_root(
            root, db=database, catalog=AiCatalog.load(), stats=root.stats, config=root.config, kind="image"
        )
        result.target = f"image://{root.image_id}"
    return finish(result, fmt, output, threshold, db, store, "scan image", str(archive))


@app.command()
def sbom(
    file: Path = typer.Argument(..., help="A CycloneDX or SPDX 2.x JSON document."),
    fmt: ScanFormat = ScanFormatOption,
    output: Path | None = OutputOption,
    fail_on: str | None = FailOnOption,
    db: str | None = DbOption,
    store: bool = StoreOption,
    advisories: Path | None = AdvisoriesOption,
    kev: Path | None = KevOption,
    epss: Path | None = EpssOption,
) -> int:
    """Match the PyPI and npm packages an SBOM lists against the advisories (components of other ecosystems are
    counted and skipped).

    Exit codes: 0 done; 1 a finding reached --fail-on; 2 bad usage or an unreadable or invalid document.
    """
    threshold = parse_severity(fail_on)
    stats = ReadStats()
    database = load_advisories(advisories, kev, epss, stats)
    packages = read_sbom(file, stats)
    scanned = scan_packages(packages, db=database, catalog=AiCatalog.load(), stats=stats)
    result = ScanResult(str(file), "sbom", scanned, [], stats)
    return finish(result, fmt, output, threshold, db, store, "scan sbom", str(file))


def load_advisories(path: Path | None, kev: Path | None, epss: Path | None, stats: ReadStats) -> AdvisoryDb:
    """The advisory database with its KEV and EPSS enrichment; unreadable files are a :class:`ConfigError`,
    entries of ``kev`` and rows of ``epss`` that cannot be used are reported in ``stats``."""
    try:
        catalog = KevCatalog.load(kev, stats) if kev is not None else None
        scores = EpssScores.load(epss, stats) if epss is not None else None
        return AdvisoryDb.load(path, kev=catalog, epss=scores)
    except OSError as error:
        raise ConfigError(f"cannot read {error.filename or path}: {error.strerror or error}") from None
    except ContentError as error:
        raise ConfigError(str(error)) from None


def finish(
    result: ScanResult,
    fmt: ScanFormat,
    output: Path | None,
    threshold: Severity | None,
    db: str | None,
    store: bool,
    command: str,
    target: str,
) -> int:
    """Store the assets and findings (unless ``--no-store``), write the report, and give the exit code."""
    now = datetime.now(UTC)
    url = store_url(db) if store else None
    if url is not None:
        with open_store(url) as opened:
            findings = store_scan(opened, result, command, target, now)
    else:
        findings = scan_findings(result, now)
    with output_stream(output) as stream:
        writer = _WRITERS.get(fmt)
        if writer is None:
            write_table(result, stream, color=output is None and stream.isatty())
        else:
            writer(result, stream)
    return exit_code(findings, threshold, False)


def store_scan(store: Store, result: ScanResult, command: str, target: str, now: datetime) -> list[Finding]:
    """Record a scan of ``target`` as a run of ``command``: its assets (the root and its packages) and its findings,
    seen ``now``; the findings are returned."""
    findings = scan_findings(result, now)
    found = scan_assets(result)
    summary = {**result.summary(), "assets": len(found)}
    record_run(store, command, target, found, findings, now, summary, result.stats.as_dict())
    return findings


def store_posture(
    store: Store,
    command: str,
    target: str,
    assets: Sequence[Asset],
    findings: Sequence[Finding],
    now: datetime,
    stats: Mapping[str, Any],
) -> None:
    """Record a posture scan (``scan k8s``, ``scan aws``) of ``target`` as a run of ``command``: its assets and
    findings (:func:`link_assets` links them), seen ``now``, and its stats."""
    partial = bool(stats.get("partial"))
    summary = {"target": target, "findings": len(findings), "assets": len(assets), "partial": partial}
    record_run(store, command, target, assets, findings, now, summary, stats)


def record_run(
    store: Store,
    command: str,
    target: str,
    assets: Iterable[Asset],
    findings: Iterable[Finding],
    now: datetime,
    summary: Mapping[str, Any],
    stats: Mapping[str, Any],
) -> None:
    """One run of ``command`` over ``target``: the assets upserted, the findings recorded, the summary kept."""
    run_id = store.start_run(command, [target])
    store.upsert_assets(assets, target=target, seen=now)
    store.record_many((finding, ()) for finding in findings)
    store.finish_run(run_id, {"summary": dict(summary), "stats": dict(stats)})


def link_assets(findings: Iterable[Finding], assets: Iterable[Asset]) -> list[Finding]:
    """Each finding naming in ``evidence["assets"]`` the id of the asset it is about (its subject), when the scan
    recorded one."""
    ids = {asset.ref: asset.id for asset in assets}
    return [
        replace(finding, evidence={**finding.evidence, "assets": [ids[finding.subject]]})
        if finding.subject in ids
        else finding
        for finding in findings
    ]
