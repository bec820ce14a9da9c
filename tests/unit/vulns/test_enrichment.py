"""Severity from CVSS vectors and database ratings, the CISA KEV catalog, and FIRST's EPSS files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from jackwatch.errors import ContentError
from jackwatch.sources.stats import ReadStats
from jackwatch.vulns.epss import EpssScore, EpssScores
from jackwatch.vulns.kev import KevCatalog, KevEntry, extract
from jackwatch.vulns.severity import VulnSeverity, database_rating, score_vector

# ------------------------------------------------------------------------------------------- severity


@pytest.mark.parametrize(
    ("kind", "vector", "severity", "score"),
    [
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", VulnSeverity.CRITICAL, 9.8),
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", VulnSeverity.HIGH, 7.5),
        ("CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N", VulnSeverity.MEDIUM, 5.4),
        ("CVSS_V3", "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", VulnSeverity.LOW, 1.8),
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", VulnSeverity.LOW, 0.0),
        ("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", VulnSeverity.CRITICAL, 9.3),
        ("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", VulnSeverity.MEDIUM, 6.9),
    ],
)
def test_cvss_vectors_are_scored(kind: str, vector: str, severity: VulnSeverity, score: float) -> None:
    rating = score_vector(kind, vector)
    assert (rating.severity, rating.score, rating.vector) == (severity, score, vector)


@pytest.mark.parametrize(
    ("kind", "vector"),
    [
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L"),
        ("CVSS_V3", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
        ("CVSS_V4", "CVSS:4.0/AV:X"),
        ("CVSS_V3", ""),
    ],
)
def test_malformed_vectors_are_a_value_error(kind: str, vector: str) -> None:
    with pytest.raises(ValueError, match="invalid CVSS_V"):
        score_vector(kind, vector)


@pytest.mark.parametrize(
    ("text", "severity"),
    [("CRITICAL", "critical"), ("HIGH", "high"), ("MODERATE", "medium"), ("moderate ", "medium"), ("LOW", "low")],
)
def test_database_ratings(text: str, severity: str) -> None:
    rating = database_rating(text)
    assert rating is not None and (rating.severity.value, rating.score) == (severity, None)


@pytest.mark.parametrize("text", ["", "SEVERE", None, 7])
def test_unknown_database_ratings_are_none(text: object) -> None:
    assert database_rating(text) is None


def test_severities_rank_from_unknown_to_critical() -> None:
    assert sorted(VulnSeverity, key=lambda s: s.rank) == [
        VulnSeverity.UNKNOWN,
        VulnSeverity.LOW,
        VulnSeverity.MEDIUM,
        VulnSeverity.HIGH,
        VulnSeverity.CRITICAL,
    ]


# ------------------------------------------------------------------------------------------- KEV

CATALOG = {
    "title": "CISA Catalog of Known Exploited Vulnerabilities",
    "catalogVersion": "2025.08.25",
    "dateReleased": "2025-08-25T17:04:19.9796Z",
    "count": 3,
    "vulnerabilities": [
        {
            "cveID": "CVE-2022-33891",
            "vendorProject": "Apache",
            "product": "Spark",
            "vulnerabilityName": "Apache Spark Command Injection Vulnerability",
            "dateAdded": "2023-03-07",
            "shortDescription": "Apache Spark contains a command injection vulnerability.",
            "requiredAction": "Apply updates per vendor instructions.",
            "dueDate": "2023-03-28",
            "knownRansomwareCampaignUse": "Unknown",
            "notes": "https://lists.apache.org/thread/p847l3kopoo5bjtmxrcwk21xp6tjxqlc",
            "cwes": ["CWE-78"],
        },
        {
            "cveID": "CVE-2020-11651",
            "dateAdded": "2021-11-03",
            "knownRansomwareCampaignUse": "Known",
        },
        {"vendorProject": "Nobody", "dateAdded": "2021-11-03"},
    ],
}


def test_the_full_catalog_and_its_extract_read_the_same() -> None:
    stats = ReadStats()
    full = KevCatalog.decode(json.dumps(CATALOG).encode(), "kev.json", stats)
    slim = KevCatalog.decode(extract(CATALOG), "kev-extract.json")
    assert full.entries == slim.entries
    assert (full.version, full.released, len(full)) == ("2025.08.25", "2025-08-25T17:04:19.9796Z", 2)
    assert full.get("CVE-2022-33891") == KevEntry("CVE-2022-33891", "2023-03-07", False)
    assert full.get("CVE-2020-11651") == KevEntry("CVE-2020-11651", "2021-11-03", True)
    assert full.get("CVE-2099-0001") is None
    [problem] = stats.problems
    assert (problem.reason, problem.message) == ("invalid_kev_entry", "entry 2: no CVE id")
    assert set(json.loads(extract(CATALOG))["vulnerabilities"][0]) == {
        "cveID",
        "dateAdded",
        "knownRansomwareCampaignUse",
    }


def test_the_bundled_catalog_loads_by_default() -> None:
    catalog = KevCatalog.load()
    assert len(catalog) > 1000 and catalog.get("CVE-2022-33891") is not None


def test_a_replacement_catalog_file(tmp_path: Path) -> None:
    path = tmp_path / "known_exploited_vulnerabilities.json"
    path.write_text(json.dumps(CATALOG))
    assert len(KevCatalog.load(path)) == 2


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b'{\n  "vulnerabilities": [\n', r"kev\.json:3:1: invalid JSON"),
        (b'{"title": "x"}', r"kev\.json: not a KEV catalog"),
        (b"[]", r"kev\.json: not a KEV catalog"),
    ],
)
def test_a_file_that_is_not_a_catalog_is_a_content_error(tmp_path: Path, blob: bytes, message: str) -> None:
    path = tmp_path / "kev.json"
    path.write_bytes(blob)
    with pytest.raises(ContentError, match=message):
        KevCatalog.load(path)
    with pytest.raises(ContentError, match="cannot read the KEV catalog"):
        KevCatalog.load(tmp_path / "missing.json")


# ------------------------------------------------------------------------------------------- EPSS

EPSS_CSV = """\
#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z
cve,epss,percentile
CVE-1999-0001,0.01141,0.77816
CVE-2022-33891,0.94427,0.99963
CVE-2099-0001,1.5,0.5
not-a-cve,0.1,0.1
CVE-2099-0002,abc,0.1
CVE-2099-0003,0.1
"""


def test_an_epss_file_as_first_publishes_it_gzip_or_not(tmp_path: Path) -> None:
    for name, blob in (("epss.csv", EPSS_CSV.encode()), ("epss.csv.gz", gzip.compress(EPSS_CSV.encode()))):
        path = tmp_path / name
        path.write_bytes(blob)
        stats = ReadStats()
        scores = EpssScores.load(path, stats)
        assert (scores.model_version, scores.score_date) == ("v2025.03.14", "2025-08-25T12:55:00Z")
        assert scores.get("CVE-2022-33891") == EpssScore("CVE-2022-33891", 0.94427, 0.99963)
        assert len(scores) == 2
        assert [str(p.location) for p in stats.problems] == [f"{path}:{line}" for line in (5, 6, 7, 8)]
        assert stats.skipped == {"invalid_epss_row": 4}


def test_an_epss_file_without_the_comment_line() -> None:
    scores = EpssScores.parse("cve,epss,percentile\nCVE-1999-0001,0.01141,0.77816\n", "epss.csv")
    assert (scores.model_version, len(scores)) == ("", 1)


@pytest.mark.parametrize("text", ["", "#model_version:v1\n", "cve,score\nCVE-1,0.1\n", "\x1f\x8b"])
def test_a_file_that_is_not_an_epss_file_is_a_content_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "epss.csv"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ContentError, match=r"epss\.csv"):
        EpssScores.load(path)
