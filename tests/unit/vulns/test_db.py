"""Matching packages against the advisory database: OSV semantics, alias merging, enrichment, fix versions, and
the database file itself (default locations, corrupt files)."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest
from tests.unit.vulns.osvkit import ELLIPTIC, build_db, cvss, load_db, npm, pypi, record

from jackwatch.errors import ContentError
from jackwatch.model.inventory import Ecosystem, Package, PackageLocation
from jackwatch.sources.stats import ReadStats
from jackwatch.vulns.db import AdvisoryDb
from jackwatch.vulns.dbfile import FILE_NAME, FORMAT, FORMAT_VERSION
from jackwatch.vulns.epss import EpssScores
from jackwatch.vulns.kev import KevCatalog, KevEntry
from jackwatch.vulns.severity import VulnSeverity

HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"  # 7.5
CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8


def matched_ids(db: AdvisoryDb, package: Package) -> list[str]:
    return sorted(ident for match in db.match(package) for ident in match.advisories)


# ------------------------------------------------------------------------------------------- OSV semantics


def test_names_are_matched_after_pep_503_normalisation(tmp_path: Path) -> None:
    db = load_db(tmp_path, [record("PYSEC-2099-1", "Zope.Interface", [("introduced", "0"), ("fixed", "5.0")])])
    for name in ("zope.interface", "Zope_Interface", "ZOPE-interface", "zope--interface"):
        assert matched_ids(db, pypi(name, "4.0")) == ["PYSEC-2099-1"], name
    assert matched_ids(db, pypi("zope-interfaces", "4.0")) == []
    assert matched_ids(db, npm("zope.interface", "4.0.0")) == []


def test_pep_440_pre_post_dev_and_local_versions(tmp_path: Path) -> None:
    db = load_db(tmp_path, [record("PYSEC-2099-2", "demo", [("introduced", "1.0"), ("fixed", "1.2")])])
    affected = ["1.0", "1.0.0", "1.0.post1", "1.1.dev0", "1.2rc1", "1.2.dev1", "1.1+cu118"]
    clean = ["0.9", "1.0rc1", "1.0.dev0", "1.2", "1.2.post1", "1!0.5", "2.0"]
    assert [v for v in affected if not matched_ids(db, pypi("demo", v))] == []
    assert [v for v in clean if matched_ids(db, pypi("demo", v))] == []


def test_multiple_introduced_fixed_pairs_and_last_affected(tmp_path: Path) -> None:
    db = load_db(
        tmp_path,
        [
            record(
                "PYSEC-2099-3",
                "pairs",
                [("introduced", "1.0"), ("fixed", "1.0.2"), ("introduced", "3.0"), ("fixed", "3.2.5")],
            ),
            record("PYSEC-2099-4", "capped", [("introduced", "0"), ("last_affected", "2.1.214")]),
        ],
    )
    assert [bool(matched_ids(db, pypi("pairs", v))) for v in ("0.9", "1.0.1", "2.0", "3.2.4", "3.2.5")] == [
        False,
        True,
        False,
        True,
        False,
    ]
    assert matched_ids(db, pypi("capped", "2.1.214")) == ["PYSEC-2099-4"]
    assert matched_ids(db, pypi("capped", "2.1.215")) == []


def test_explicit_versions_match_even_outside_the_ranges(tmp_path: Path) -> None:
    db = load_db(
        tmp_path,
        [record("PYSEC-2099-5", "listed", [("introduced", "2.0"), ("fixed", "2.1")], versions=["1.5", "0.7.1.fix1"])],
    )
    assert matched_ids(db, pypi("listed", "1.5")) == ["PYSEC-2099-5"]
    assert matched_ids(db, pypi("listed", "1.5.0")) == ["PYSEC-2099-5"]  # the same PEP 440 version
    assert matched_ids(db, pypi("listed", "1.6")) == []


def test_an_invalid_installed_version_is_reported_and_only_compared_with_listed_versions(tmp_path: Path) -> None:
    db = load_db(
        tmp_path,
        [record("PYSEC-2015-24", "ipython", [("introduced", "0"), ("fixed", "1.0")], versions=["0.7.1.fix1"])],
    )
    stats = ReadStats()
    where = PackageLocation("usr/lib/python3/site-packages/ipython-0.7.1.fix1.dist-info")
    package = Package(Ecosystem.PYPI, "ipython", "0.7.1.fix1", locations=(where,))
    assert matched_ids(db, package) == ["PYSEC-2015-24"]
    assert db.match(Package(Ecosystem.PYPI, "ipython", "banana", locations=(where,)), stats) == []
    assert db.match(Package(Ecosystem.PYPI, "unknown-to-the-database", "banana"), stats) == []
    [problem] = stats.problems
    assert (problem.location.path, problem.reason) == (where.path, "invalid_version")
    assert "'banana' is not a valid PEP 440 version" in problem.message
    assert db.fix_version(package, db.match(package)) is None


def test_npm_versions_are_ordered_as_semver(tmp_path: Path) -> None:
    db = load_db(tmp_path, [ELLIPTIC])
    assert matched_ids(db, npm("elliptic", "6.5.3")) == ["GHSA-r9p9-mrjm-926w"]
    assert matched_ids(db, npm("elliptic", "6.5.4-beta.1")) == ["GHSA-r9p9-mrjm-926w"]
    assert matched_ids(db, npm("elliptic", "6.5.4")) == []
    assert matched_ids(db, npm("elliptic", "6.10.0")) == []
    assert matched_ids(db, pypi("elliptic", "6.5.3")) == []


def test_npm_ecosystem_ranges_and_scoped_names(tmp_path: Path) -> None:
    advisory = record(
        "GHSA-9999-8888-7777", "@anthropic-ai/sdk", [("introduced", "0.20.0"), ("fixed", "0.20.2")], ecosystem="npm"
    )
    db = load_db(tmp_path, [advisory])
    assert matched_ids(db, npm("@anthropic-ai/sdk", "0.20.1")) == ["GHSA-9999-8888-7777"]
    assert matched_ids(db, npm("@anthropic-ai/sdk", "0.21.0")) == []


def test_withdrawn_advisories_never_match(tmp_path: Path) -> None:
    withdrawn = record(
        "PYSEC-2022-43059",
        "aiohttp",
        [("introduced", "0")],
        aliases=["CVE-2022-33124"],
        withdrawn="2023-11-08T00:54:24Z",
    )
    db = load_db(
        tmp_path, [withdrawn, record("PYSEC-2024-24", "aiohttp", [("introduced", "1.0.5"), ("fixed", "3.9.2")])]
    )
    assert matched_ids(db, pypi("aiohttp", "3.9.1")) == ["PYSEC-2024-24"]
    assert db.info.imported["ignored"] == {"withdrawn": 1}


# ------------------------------------------------------------------------------------------- aliases


def test_aliases_merge_pysec_ghsa_and_cve_into_one_vulnerability(tmp_path: Path) -> None:
    pysec = record(
        "PYSEC-2024-24",
        "aiohttp",
        [("introduced", "1.0.5"), ("fixed", "3.9.2")],
        aliases=["CVE-2024-23334", "GHSA-5h86-8mv2-jq9f"],
        severity=cvss(HIGH),
    )
    ghsa = record(
        "GHSA-5h86-8mv2-jq9f",
        "aiohttp",
        [("introduced", "1.0.5"), ("fixed", "3.9.2")],
        [("introduced", "4.0.0a0"), ("fixed", "4.0.0a2")],
        aliases=["CVE-2024-23334"],
        severity=cvss(CRITICAL),
        summary="aiohttp is vulnerable to directory traversal",
    )
    other = record("PYSEC-2024-26", "aiohttp", [("introduced", "0"), ("fixed", "3.9.2")], aliases=["CVE-2024-23829"])
    db = load_db(tmp_path, [pysec, ghsa, other])
    matches = db.match(pypi("aiohttp", "3.9.1"))
    assert [m.id for m in matches] == ["GHSA-5h86-8mv2-jq9f", "CVE-2024-23829"]
    merged = matches[0]
    assert merged.aliases == ("CVE-2024-23334", "PYSEC-2024-24")
    assert merged.advisories == ("GHSA-5h86-8mv2-jq9f", "PYSEC-2024-24")
    assert merged.summary == "aiohttp is vulnerable to directory traversal"
    assert (merged.severity, merged.cvss_score, merged.cvss_vector) == (VulnSeverity.CRITICAL, 9.8, CRITICAL)
    assert merged.fixed_versions == ("3.9.2", "4.0.0a2")  # every fix the matched entries name
    alpha = db.match(pypi("aiohttp", "4.0.0a1"))
    assert [(m.id, m.advisories, m.fixed_versions) for m in alpha] == [
        ("GHSA-5h86-8mv2-jq9f", ("GHSA-5h86-8mv2-jq9f",), ("3.9.2", "4.0.0a2"))
    ]


def test_aliases_merge_transitively_but_related_ids_do_not(tmp_path: Path) -> None:
    a = record("PYSEC-2099-10", "demo", [("introduced", "0"), ("fixed", "1.0")], aliases=["CVE-2099-1"])
    b = record(
        "OSV-2099-11", "demo", [("introduced", "0"), ("fixed", "1.1")], aliases=["CVE-2099-1", "GHSA-aaaa-bbbb-cccc"]
    )
    c = record("GHSA-dddd-eeee-ffff", "demo", [("introduced", "0"), ("fixed", "1.2")], related=["CVE-2099-1"])
    matches = load_db(tmp_path, [a, b, c]).match(pypi("demo", "0.5"))
    assert [(m.id, m.advisories, m.fixed_versions, m.related) for m in matches] == [
        ("GHSA-aaaa-bbbb-cccc", ("OSV-2099-11", "PYSEC-2099-10"), ("1.0", "1.1"), ()),
        ("GHSA-dddd-eeee-ffff", ("GHSA-dddd-eeee-ffff",), ("1.2",), ("CVE-2099-1",)),
    ]


def test_the_primary_id_prefers_ghsa_then_cve_then_pysec() -> None:
    from jackwatch.vulns.matching import preferred_id

    assert (
        preferred_id(["PYSEC-2024-1", "CVE-2024-9", "GHSA-zzzz-zzzz-zzzz", "GHSA-aaaa-aaaa-aaaa"])
        == "GHSA-aaaa-aaaa-aaaa"
    )
    assert preferred_id(["PYSEC-2024-1", "CVE-2024-9", "CVE-2023-10"]) == "CVE-2023-10"
    assert preferred_id(["OSV-2024-1", "PYSEC-2024-1"]) == "PYSEC-2024-1"
    assert preferred_id(["OSV-2024-2", "MAL-2024-1"]) == "MAL-2024-1"


# ------------------------------------------------------------------------------------------- enrichment


def test_kev_and_epss_enrich_the_cves_of_a_match(tmp_path: Path) -> None:
    kev = KevCatalog(
        "2025.08.25", "2025-08-25", "<test>", {"CVE-2022-33891": KevEntry("CVE-2022-33891", "2023-03-07", False)}
    )
    epss = EpssScores.parse(
        "#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z\ncve,epss,percentile\n"
        "CVE-2022-33891,0.94,0.999\nCVE-2099-2,0.01,0.2\nCVE-2099-3,0.02,0.3\n",
        "epss.csv",
    )
    pyspark = record("PYSEC-2022-236", "pyspark", [("introduced", "0"), ("fixed", "3.1.3")], aliases=["CVE-2022-33891"])
    plain = record(
        "PYSEC-2099-20", "pyspark", [("introduced", "0"), ("fixed", "3.1.2")], aliases=["CVE-2099-2", "CVE-2099-3"]
    )
    matches = {m.id: m for m in load_db(tmp_path, [pyspark, plain], kev=kev, epss=epss).match(pypi("pyspark", "3.1.1"))}
    assert matches["CVE-2022-33891"].kev == KevEntry("CVE-2022-33891", "2023-03-07", False)
    assert matches["CVE-2022-33891"].epss is not None and matches["CVE-2022-33891"].epss.epss == 0.94
    assert matches["CVE-2099-2"].kev is None
    assert matches["CVE-2099-2"].epss is not None and matches["CVE-2099-2"].epss.cve == "CVE-2099-3"
    without = load_db(tmp_path, [pyspark]).match(pypi("pyspark", "3.1.1"))
    assert [(m.kev, m.epss) for m in without] == [(None, None)]


def test_the_database_rating_is_used_without_a_vector_and_unknown_without_either(tmp_path: Path) -> None:
    rated = record("GHSA-aaaa-1111-bbbb", "demo", [("introduced", "0")], database_specific={"severity": "MODERATE"})
    unrated = record("PYSEC-2099-30", "demo", [("introduced", "0")])
    matches = load_db(tmp_path, [rated, unrated]).match(pypi("demo", "1.0"))
    assert [(m.id, m.severity, m.cvss_score) for m in matches] == [
        ("GHSA-aaaa-1111-bbbb", VulnSeverity.MEDIUM, None),
        ("PYSEC-2099-30", VulnSeverity.UNKNOWN, None),
    ]


# ------------------------------------------------------------------------------------------- fix versions


def test_the_smallest_version_fixing_every_vulnerability(tmp_path: Path) -> None:
    db = load_db(
        tmp_path,
        [
            record("PYSEC-2099-40", "lib", [("introduced", "0"), ("fixed", "1.2")]),
            record("PYSEC-2099-41", "lib", [("introduced", "1.0"), ("fixed", "1.1")]),
            record(
                "PYSEC-2099-42",
                "lib",
                [("introduced", "0"), ("fixed", "1.3")],
                [("introduced", "1.4"), ("fixed", "1.5")],
            ),
        ],
    )
    package = pypi("lib", "1.0.5")
    matches = db.match(package)
    assert len(matches) == 3
    assert db.fix_version(package, matches) == "1.3"
    assert db.fix_version(pypi("lib", "1.4.1"), db.match(pypi("lib", "1.4.1"))) == "1.5"
    assert db.fix_version(package, []) is None


def test_a_fix_listed_as_affected_elsewhere_is_skipped(tmp_path: Path) -> None:
    db = load_db(
        tmp_path,
        [
            record("PYSEC-2023-177", "gevent", [("introduced", "0"), ("fixed", "23.9.0")], versions=["23.9.0"]),
            record("PYSEC-2099-50", "gevent", [("introduced", "0"), ("fixed", "23.9.1")]),
        ],
    )
    package = pypi("gevent", "23.7.0")
    assert db.fix_version(package, db.match(package)) == "23.9.1"


def test_no_fix_when_a_vulnerability_has_none(tmp_path: Path) -> None:
    db = load_db(
        tmp_path,
        [
            record("PYSEC-2023-194", "langchain-experimental", [("introduced", "0")]),
            record("PYSEC-2024-62", "langchain-experimental", [("introduced", "0"), ("fixed", "0.0.21")]),
            record("PYSEC-2099-51", "capped", [("introduced", "0"), ("last_affected", "2.0")]),
        ],
    )
    package = pypi("langchain-experimental", "0.0.14")
    assert db.fix_version(package, db.match(package)) is None
    assert db.fix_version(pypi("capped", "1.0"), db.match(pypi("capped", "1.0"))) is None


def test_final_releases_are_preferred_to_pre_releases_unless_already_on_one(tmp_path: Path) -> None:
    db = load_db(
        tmp_path,
        [
            record(
                "PYSEC-2099-60",
                "demo",
                [("introduced", "0"), ("fixed", "2.0rc1")],
                [("introduced", "2.0rc2"), ("fixed", "2.0.1")],
            )
        ],
    )
    assert db.fix_version(pypi("demo", "1.0"), db.match(pypi("demo", "1.0"))) == "2.0.1"
    assert db.fix_version(pypi("demo", "2.0b1"), db.match(pypi("demo", "2.0b1"))) == "2.0rc1"
    only_pre = load_db(tmp_path, [record("PYSEC-2099-61", "demo", [("introduced", "0"), ("fixed", "3.0a1")])])
    assert only_pre.fix_version(pypi("demo", "1.0"), only_pre.match(pypi("demo", "1.0"))) == "3.0a1"


def test_npm_fix_versions(tmp_path: Path) -> None:
    db = load_db(tmp_path, [ELLIPTIC])
    package = npm("elliptic", "6.5.3")
    matches = db.match(package)
    assert [(m.id, m.fixed_versions) for m in matches] == [("GHSA-r9p9-mrjm-926w", ("6.5.4",))]
    assert db.fix_version(package, matches) == "6.5.4"


# ------------------------------------------------------------------------------------------- the file


def test_the_user_database_replaces_the_bundled_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    bundled = AdvisoryDb.load()
    assert bundled.info.bundled and len(bundled) > 2000
    user = tmp_path / "data" / "jackwatch" / FILE_NAME
    user.parent.mkdir(parents=True)
    user.write_bytes(build_db(tmp_path, [ELLIPTIC]).read_bytes())
    mine = AdvisoryDb.load()
    assert (mine.info.bundled, mine.info.origin, len(mine)) == (False, str(user), 1)
    assert mine.info.counts == {"npm": (1, 1)}


def _gz_lines(header: object, *lines: bytes) -> bytes:
    return gzip.compress(b"\n".join([orjson.dumps(header), *lines]) + b"\n", mtime=0)


GOOD = {"format": FORMAT, "version": FORMAT_VERSION, "count": 0, "sources": [], "index": {}}


@pytest.mark.parametrize(
    "blob",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not gzip", id="not-gzip"),
        pytest.param(gzip.compress(b"{", mtime=0), id="bad-json"),
        pytest.param(gzip.compress(b'{"a": 1}', mtime=0)[:-6], id="truncated-gzip"),
        pytest.param(_gz_lines([]), id="not-an-object"),
        pytest.param(_gz_lines({**GOOD, "format": "other"}), id="other-format"),
        pytest.param(_gz_lines({**GOOD, "version": 99}), id="future-version"),
        pytest.param(_gz_lines({**GOOD, "count": 2}, b"{}"), id="fewer-advisories-than-counted"),
        pytest.param(_gz_lines({**GOOD, "index": []}), id="index-not-a-mapping"),
        pytest.param(_gz_lines({**GOOD, "index": {"PyPI": {"demo": [0]}}}), id="index-outside"),
        pytest.param(_gz_lines({**GOOD, "index": {"PyPI": []}}), id="bad-index"),
    ],
)
def test_a_corrupt_database_is_a_content_error_naming_the_file(tmp_path: Path, blob: bytes) -> None:
    path = tmp_path / "broken.json.gz"
    path.write_bytes(blob)
    with pytest.raises(ContentError, match=r"broken\.json\.gz: not an advisory database"):
        AdvisoryDb.load(path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        pytest.param(b'{"id": "PYSEC-2099-70", "affected": [', "corrupt advisory", id="not-json"),
        pytest.param(
            orjson.dumps(
                {"id": "PYSEC-2099-70", "affected": [{"ecosystem": "PyPI", "name": "demo", "ranges": [{"type": "X"}]}]}
            ),
            "advisory 1 is corrupt",
            id="bad-shape",
        ),
        pytest.param(b'["PYSEC-2099-70"]', "advisory 1 is corrupt", id="not-an-object"),
    ],
)
def test_a_corrupt_advisory_is_a_content_error_with_its_line_when_its_package_is_matched(
    tmp_path: Path, line: bytes, message: str
) -> None:
    path = tmp_path / "broken.json.gz"
    path.write_bytes(_gz_lines({**GOOD, "count": 1, "index": {"PyPI": {"demo": [0]}}}, line))
    db = AdvisoryDb.load(path)
    assert db.match(pypi("other", "1.0")) == []
    with pytest.raises(ContentError, match=rf"broken\.json\.gz:2: {message}"):
        db.match(pypi("demo", "1.0"))
