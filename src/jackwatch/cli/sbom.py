"""``jackwatch sbom``: a CycloneDX SBOM of a directory's packages, AI packages tagged, vulnerabilities included."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from jackwatch.cli.common import output_stream
from jackwatch.cli.scan import AdvisoriesOption, EpssOption, KevOption, load_advisories
from jackwatch.inventory.catalog import AiCatalog
from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.inventory.scan import scan_root
from jackwatch.outputs.cyclonedx import write_cyclonedx
from jackwatch.sources.stats import ReadStats


class SbomFormat(StrEnum):
    """SBOM formats written."""

    CYCLONEDX = "cyclonedx"


def sbom(
    path: Path = typer.Argument(..., help="Directory to inventory: a project, a virtualenv, an unpacked filesystem."),
    fmt: SbomFormat = typer.Option(
        SbomFormat.CYCLONEDX, "--format", "-f", help="cyclonedx (CycloneDX 1.6 JSON).", case_sensitive=False
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the SBOM to this file instead of stdout."),
    advisories: Path | None = AdvisoriesOption,
    kev: Path | None = KevOption,
    epss: Path | None = EpssOption,
) -> int:
    """Write the software bill of materials of a directory: every PyPI and npm package with its PURL, AI packages
    tagged (jackwatch:ai:category, jackwatch:ai:providers), and their known vulnerabilities with the fixing
    upgrade.

    Exit codes: 0 done; 2 bad usage or unreadable input.
    """
    stats = ReadStats()
    database = load_advisories(advisories, kev, epss, stats)
    result = scan_root(DirectoryRoot(path, stats), db=database, catalog=AiCatalog.load(), stats=stats)
    with output_stream(output) as stream:
        write_cyclonedx(result, stream)
    return 0
