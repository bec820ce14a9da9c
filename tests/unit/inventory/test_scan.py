"""Scanning a root: packages with their catalog entries, vulnerabilities and fixes, leaks, store findings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.datasets import needs
from tests.scanroots import SAMPLES, build_root, expected_matches

from jackwatch.inventory.catalog import AiCatalog
from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.inventory.scan import ScanResult, finding_severity, scan_findings, scan_root
from jackwatch.model import FindingKind, Severity
from jackwatch.secrets import fingerprint
from jackwatch.sources.stats import ReadStats
from jackwatch.vulns import AdvisoryDb, VulnSeverity

NOW = datetime(2026, 11, 26, tzinfo=UTC)


@pytest.fixture(scope="module")
def db() -> AdvisoryDb:
    return AdvisoryDb.load()


def scan(top: Path, db: AdvisoryDb) -> ScanResult:
    stats = ReadStats()
    return scan_root(DirectoryRoot(top, stats), db=db, catalog=AiCatalog.load(), stats=stats)


@needs(SAMPLES)
def test_the_samples_are_scanned_with_their_advisories_and_the_leak(tmp_path: Path, db: AdvisoryDb) -> None:
    key = build_root(tmp_path)
    result = scan(tmp_path, db)
    by_key = {scanned.package.key: scanned for scanned in result.packages}
    assert {name for name, scanned in by_key.items() if scanned.ai} == {
        "gradio",
        "langchain",
        "langchain-experimental",
        "llama-index",
        "mlflow",
        "transformers",
    }
    assert by_key["aiohttp"].ai is None and by_key["pillow"].ai is None
    assert "openai" in by_key["mlflow"].ai.providers  # type: ignore[union-attr]
    for name, wanted in expected_matches().items():
        ids = {ident for match in by_key[name].vulnerabilities for ident in match.advisories}
        assert ids == {item["id"] for item in wanted}, name
    assert by_key["pillow"].fix_version == "10.0.1"
    assert by_key["transformers"].vulnerabilities == () and by_key["transformers"].fix_version is None
    [leak] = result.leaks
    assert (leak.kind, str(leak.location), leak.fingerprint) == ("openai_api_key", "app/.env:2:16", fingerprint(key))
    summary = result.summary()
    assert summary["packages"]["PyPI"] == {"installed": 9, "declared": 0}
    assert summary["ai_packages"] == 6 and summary["secrets"] == 1
    assert sum(summary["vulnerabilities"].values()) == sum(len(s.vulnerabilities) for s in result.packages)


@needs(SAMPLES)
def test_findings_are_one_per_package_vulnerability_and_one_per_leak(tmp_path: Path, db: AdvisoryDb) -> None:
    key = build_root(tmp_path)
    result = scan(tmp_path, db)
    findings = scan_findings(result, NOW)
    vulns = [f for f in findings if f.kind is FindingKind.VULNERABILITY]
    assert len(vulns) == sum(len(s.vulnerabilities) for s in result.packages)
    pillow = next(f for f in vulns if f.subject == "pkg:pypi/pillow@10.0.0")
    assert pillow.rule_id.startswith("vuln.") and pillow.evidence["fix_version"] == "10.0.1"
    assert pillow.evidence["locations"] == ["venv/lib/python3.11/site-packages/Pillow-10.0.0.dist-info"]
    [secret] = [f for f in findings if f.kind is FindingKind.MISCONFIGURATION]
    assert (secret.rule_id, secret.severity, secret.key) == ("secret.openai", Severity.HIGH, fingerprint(key))
    assert key not in repr(secret)
    assert len({f.id for f in findings}) == len(findings)
    again = scan_findings(scan(tmp_path, db), NOW.replace(day=27))
    assert [f.id for f in again] == [f.id for f in findings]


def test_a_root_without_packages_or_keys_finds_nothing(tmp_path: Path, db: AdvisoryDb) -> None:
    (tmp_path / "README.md").write_text("no packages here\n")
    (tmp_path / ".env").write_text("OPENAI_API_KEY=sk-xxxx\n")
    result = scan(tmp_path, db)
    assert (result.packages, result.leaks, scan_findings(result, NOW)) == ([], [], [])


def test_broken_metadata_is_reported_and_the_rest_scanned(tmp_path: Path, db: AdvisoryDb) -> None:
    good = tmp_path / "site-packages" / "pillow-10.0.0.dist-info"
    good.mkdir(parents=True)
    (good / "METADATA").write_text("Metadata-Version: 2.1\nName: Pillow\nVersion: 10.0.0\n")
    bad = tmp_path / "site-packages" / "broken-1.0.dist-info"
    bad.mkdir()
    (bad / "METADATA").write_bytes(b"\x00\x01 not metadata")
    result = scan(tmp_path, db)
    assert [s.package.key for s in result.packages] == ["pillow"]
    assert result.packages[0].vulnerabilities
    assert result.stats.problems and result.stats.events_skipped >= 1


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        (VulnSeverity.UNKNOWN, Severity.INFO),
        (VulnSeverity.LOW, Severity.LOW),
        (VulnSeverity.CRITICAL, Severity.CRITICAL),
    ],
)
def test_vulnerability_severities_become_finding_severities(severity: VulnSeverity, expected: Severity) -> None:
    assert finding_severity(severity) is expected
