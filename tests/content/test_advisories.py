"""The bundled advisory database and KEV extract: rebuilt from the datasets they come from, conformant with the
advisories' own version lists, licensed, and matching the real dist-info samples as expected."""

from __future__ import annotations

import hashlib
import json
from email.parser import BytesHeaderParser
from pathlib import Path
from types import ModuleType

import pytest
from tests.datasets import DATASETS, needs
from tests.scripts import load_script

from jackwatch.model.inventory import Ecosystem, Package
from jackwatch.vulns.db import AdvisoryDb
from jackwatch.vulns.dbfile import bundled_path

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "src/jackwatch/content"
PYPA = DATASETS / "pypa-advisory-database"
KEV = DATASETS / "cisa-kev"
SAMPLES = DATASETS / "pypi-dist-info-samples"
ORIGIN = "https://github.com/pypa/advisory-database@3ccb612573e2511ab5cad7dafecd838605c80cda"

FIXES_AFFECTED_UPSTREAM = {
    ("PYSEC-2023-177", "23.9.0"): "gevent: the record lists its own fix, 23.9.0, among its affected versions",
    ("PYSEC-2022-236", "3.1.1"): "pyspark: a second range re-introduces the flaw at 3.1.1, its first range's fix",
    ("PYSEC-2023-72", "3.1.1"): "pyspark: as PYSEC-2022-236",
    ("PYSEC-2021-114", "2.11.6"): "wagtail: 2.11.6 fixes the 0-2.11.6 range but lies in the 2.11-2.11.7 range",
}
"""The fixed versions the PyPA records themselves mark as affected (upstream inconsistencies, kept as published)."""


def _load_builder() -> ModuleType:
    return load_script(ROOT / "tools/build_advisory_db.py")


builder = _load_builder()


@pytest.fixture(scope="module")
def db() -> AdvisoryDb:
    return AdvisoryDb.load(Path(str(bundled_path())))


@needs(PYPA)
def test_the_bundled_database_is_the_builders_output() -> None:
    database, stats = builder.build_advisories(PYPA / "vulns", ORIGIN)
    assert database == (CONTENT / "advisories" / "advisories.json.gz").read_bytes(), (
        "stale: run tools/build_advisory_db.py (see content/advisories/NOTICE)"
    )
    assert stats.imported == {"PyPI": 2649}
    assert stats.ignored == {"withdrawn": 10, "git_range": 1391}


@needs(KEV)
def test_the_bundled_kev_extract_is_the_builders_output() -> None:
    assert (
        builder.build_kev(KEV / "known_exploited_vulnerabilities.json") == (CONTENT / "kev" / "kev.json").read_bytes()
    )


@pytest.mark.parametrize(
    ("folder", "file", "attribution", "license_text"),
    [
        (
            "advisories",
            "advisories.json.gz",
            "Python Packaging Authority (PyPA) and contributors",
            "Attribution 4.0 International",
        ),
        ("kev", "kev.json", "Cybersecurity and Infrastructure Security Agency", "Creative Commons 0 1.0"),
    ],
)
def test_bundled_data_ships_its_license_and_notice(folder: str, file: str, attribution: str, license_text: str) -> None:
    notice = (CONTENT / folder / "NOTICE").read_text()
    assert attribution in notice
    assert "tools/build_advisory_db.py" in notice
    assert hashlib.sha256((CONTENT / folder / file).read_bytes()).hexdigest() in notice
    assert license_text in (CONTENT / folder / "LICENSE").read_text()


def test_every_listed_version_matches_and_every_fix_does_not(db: AdvisoryDb) -> None:
    expected: dict[tuple[str, str], set[str]] = {}
    fixes: dict[tuple[str, str], set[str]] = {}
    for advisory in db:
        for entry in advisory["affected"]:
            for version in entry["versions"]:
                expected.setdefault((entry["name"], version), set()).add(advisory["id"])
            for item in entry["ranges"]:
                for kind, version in item["events"]:
                    if kind == "fixed":
                        fixes.setdefault((entry["name"], version), set()).add(advisory["id"])
    assert sum(len(ids) for ids in expected.values()) > 135_000
    missed, affected_fixes = [], set()
    for (name, version), ids in expected.items():
        found = {ident for match in db.match(Package(Ecosystem.PYPI, name, version)) for ident in match.advisories}
        missed += [(ident, name, version) for ident in ids - found]
    for (name, version), ids in fixes.items():
        found = {ident for match in db.match(Package(Ecosystem.PYPI, name, version)) for ident in match.advisories}
        affected_fixes |= {(ident, version) for ident in ids & found}
    assert missed == []
    assert affected_fixes == set(FIXES_AFFECTED_UPSTREAM)


def _read_dist_info(path: Path) -> Package:
    """The name and version of a ``*.dist-info`` directory, from its METADATA headers."""
    headers = BytesHeaderParser().parsebytes((path / "METADATA").read_bytes())
    return Package(Ecosystem.PYPI, str(headers["Name"]), str(headers["Version"]))


@needs(SAMPLES)
def test_the_dist_info_samples_match_exactly_the_expected_advisories(db: AdvisoryDb) -> None:
    expected = json.loads((SAMPLES / "expected_pypa_matches.json").read_text())["packages"]
    assert len(expected) == 9
    for sample in expected:
        package = _read_dist_info(SAMPLES / "site-packages" / sample["dist_info"])
        assert (package.name, package.key, package.version) == (
            sample["name"],
            sample["normalized_name"],
            sample["version"],
        )
        matches = db.match(package)
        by_record = {ident: match for match in matches for ident in match.advisories}
        wanted = {item["id"]: item for item in sample["pypa_advisories_matching"]}
        assert sorted(by_record) == sorted(wanted), package.name
        for ident, item in wanted.items():
            match = by_record[ident]
            assert set(match.ids) == {ident, *item["aliases"]}, ident
            assert list(match.fixed_versions) == item["fixed"], ident
        withdrawn = {item["id"] for item in sample["pypa_withdrawn_advisories_also_matching"]}
        assert not withdrawn & set(by_record)


@needs(SAMPLES)
def test_the_fix_versions_of_the_samples(db: AdvisoryDb) -> None:
    fixes = {}
    for path in sorted((SAMPLES / "site-packages").iterdir()):
        package = _read_dist_info(path)
        fixes[package.key] = db.fix_version(package, db.match(package))
    assert fixes == {
        "aiohttp": "3.9.2",
        "fastapi": "0.109.1",
        "gradio": "4.14.0",
        "langchain": "0.1.11",
        "langchain-experimental": None,
        "llama-index": "0.9.35",
        "mlflow": "2.10.1",
        "pillow": "10.0.1",
        "transformers": None,
    }


def test_exploited_vulnerabilities_of_the_bundled_data_are_flagged(db: AdvisoryDb) -> None:
    [spark] = [m for m in db.match(Package(Ecosystem.PYPI, "pyspark", "3.0.0")) if "PYSEC-2022-236" in m.advisories]
    assert spark.kev is not None and (spark.kev.cve, spark.kev.date_added) == ("CVE-2022-33891", "2023-03-07")
    salt = {m.id: m.kev for m in db.match(Package(Ecosystem.PYPI, "salt", "3000.1"))}
    assert salt["CVE-2020-11651"] is not None and salt["CVE-2020-11652"] is not None
    aiohttp = db.match(Package(Ecosystem.PYPI, "aiohttp", "3.9.1"))
    assert [m.kev for m in aiohttp] == [None, None]
