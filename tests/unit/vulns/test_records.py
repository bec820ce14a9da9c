"""OSV records → stored advisories: what is kept, what is ignored on purpose, and bad records with their location."""

from __future__ import annotations

import copy

import pytest
from tests.unit.vulns.osvkit import ELLIPTIC, Record, cvss, record

from jackwatch.errors import Location
from jackwatch.model.inventory import Ecosystem
from jackwatch.vulns.records import SUMMARY_CHARS, ImportStats, OsvConverter, StoredAdvisory, summarize
from jackwatch.yamlsource import read_yaml

HERE = Location("advisories/x.json")

PYSEC_YAML = """\
id: PYSEC-2024-24
modified: 2024-02-05T20:20:47.716944Z
published: 2024-01-29T23:15:00Z
aliases:
- CVE-2024-23334
- GHSA-5h86-8mv2-jq9f
details: aiohttp is an asynchronous HTTP client/server framework for asyncio and Python.
  When using aiohttp as a web server and configuring static routes, it is necessary
  to specify the root path for static files.
affected:
- package:
    ecosystem: PyPI
    name: aiohttp
    purl: pkg:pypi/aiohttp
  ranges:
  - type: GIT
    events:
    - introduced: "0"
    - fixed: 1c335944d6a8b1298baf179b7c0b3069f10c514b
    repo: https://github.com/aio-libs/aiohttp
  - type: ECOSYSTEM
    events:
    - introduced: 1.0.5
    - fixed: 3.9.2
  - type: ECOSYSTEM
    events:
    - introduced: "0"
    - fixed: 0.2.0-n653
  versions:
  - 1.0.5
  - 3.9.1
  - "3.10"
severity:
- type: CVSS_V3
  score: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N
"""


def convert(
    raw: object, ecosystems: tuple[Ecosystem, ...] = tuple(Ecosystem)
) -> tuple[StoredAdvisory | None, ImportStats]:
    stats = ImportStats()
    return OsvConverter(stats, ecosystems).convert(raw, HERE), stats


def yaml_record(text: str) -> object:
    return read_yaml(text, "vulns/aiohttp/PYSEC-2024-24.yaml").values[0]


def test_a_github_npm_advisory_is_kept_with_its_cvss_rating() -> None:
    stored, stats = convert(ELLIPTIC)
    assert stored == {
        "id": "GHSA-r9p9-mrjm-926w",
        "aliases": ["CVE-2020-28498"],
        "related": [],
        "modified": "2021-03-08T16:02:43Z",
        "published": "2021-03-08T16:06:50Z",
        "summary": "Use of a Broken or Risky Cryptographic Algorithm",
        "severity": {"level": "medium", "score": 6.8, "vector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N"},
        "affected": [
            {
                "ecosystem": "npm",
                "name": "elliptic",
                "ranges": [{"type": "SEMVER", "events": [["introduced", "0"], ["fixed", "6.5.4"]]}],
                "versions": [],
            }
        ],
    }
    assert stats.imported == {"npm": 1}
    assert stats.read.problems == []


def test_a_pypa_yaml_record_keeps_its_ecosystem_ranges_and_reports_a_bad_one_with_its_line() -> None:
    stored, stats = convert(yaml_record(PYSEC_YAML))
    assert stored is not None
    [affected] = stored["affected"]
    assert affected["ranges"] == [{"type": "ECOSYSTEM", "events": [["introduced", "1.0.5"], ["fixed", "3.9.2"]]}]
    assert affected["versions"] == ["1.0.5", "3.9.1", "3.10"]
    assert stored["summary"].startswith("aiohttp is an asynchronous HTTP client/server framework")
    assert stored["severity"]["level"] == "high"
    assert stats.ignored == {"git_range": 1}
    [problem] = stats.read.problems
    assert (str(problem.location), problem.reason) == ("vulns/aiohttp/PYSEC-2024-24.yaml:25", "invalid_range")
    assert "0.2.0-n653" in problem.message
    assert stats.read.events_skipped == 0


def test_unquoted_yaml_numbers_in_versions_are_reported_not_guessed() -> None:
    text = PYSEC_YAML.replace('  - "3.10"\n', '  - "3.10"\n  - 3.20\n')
    stored, stats = convert(yaml_record(text))
    assert stored is not None
    assert stored["affected"][0]["versions"] == ["1.0.5", "3.9.1", "3.10"]
    assert [p.reason for p in stats.read.problems] == ["invalid_range", "invalid_version"]
    first_version_line = text.splitlines().index("  - 1.0.5") + 1
    assert str(stats.read.problems[1].location) == f"vulns/aiohttp/PYSEC-2024-24.yaml:{first_version_line}"


def test_pypi_names_are_normalised_as_pep_503_says() -> None:
    stored, _ = convert(record("PYSEC-2099-1", "Foo.Bar_baz", [("introduced", "0")]))
    assert stored is not None
    assert stored["affected"][0]["name"] == "foo-bar-baz"


def test_npm_names_are_kept_as_written() -> None:
    stored, _ = convert(record("GHSA-aaaa-bbbb-cccc", "@Scope/Pkg", [("introduced", "0")], ecosystem="npm"))
    assert stored is not None
    assert stored["affected"][0]["name"] == "@Scope/Pkg"


def test_withdrawn_records_are_ignored_and_counted() -> None:
    stored, stats = convert(
        record("PYSEC-2022-43059", "aiohttp", [("introduced", "0")], withdrawn="2023-11-08T00:54:24Z")
    )
    assert stored is None
    assert stats.ignored == {"withdrawn": 1}
    assert stats.read.problems == []


def test_other_ecosystems_are_ignored_and_counted_package_by_package() -> None:
    mixed = record("GHSA-xxxx-yyyy-zzzz", "requests", [("introduced", "0"), ("fixed", "2.0")])
    mixed["affected"].append({"package": {"ecosystem": "Go", "name": "example.com/x"}, "ranges": []})
    stored, stats = convert(mixed)
    assert stored is not None and [entry["name"] for entry in stored["affected"]] == ["requests"]
    assert stats.ignored == {"other_ecosystem": 1}
    only_go, stats = convert(record("GO-2024-0001", "example.com/x", [("introduced", "0")], ecosystem="Go"))
    assert only_go is None
    assert stats.ignored == {"other_ecosystem": 1, "other_ecosystem_record": 1}


def test_an_ecosystem_left_out_of_the_import_is_ignored() -> None:
    stored, stats = convert(ELLIPTIC, (Ecosystem.PYPI,))
    assert stored is None
    assert stats.ignored["other_ecosystem"] == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(lambda r: r.pop("id"), "missing or empty 'id'", id="no-id"),
        pytest.param(lambda r: r.pop("modified"), "invalid 'modified'", id="no-modified"),
        pytest.param(lambda r: r.update(modified="yesterday"), "invalid 'modified'", id="bad-modified"),
        pytest.param(lambda r: r.update(aliases="CVE-2024-1"), "'aliases' must be a list of strings", id="aliases"),
        pytest.param(lambda r: r.update(affected={"package": {}}), "'affected' must be a list", id="affected"),
    ],
)
def test_broken_records_are_rejected_with_their_location(change: object, message: str) -> None:
    raw: Record = copy.deepcopy(ELLIPTIC)
    change(raw)  # type: ignore[operator]
    stored, stats = convert(raw)
    assert stored is None
    [problem] = stats.read.problems
    assert (problem.location, problem.reason) == (HERE, "invalid_record")
    assert message in problem.message
    assert stats.read.skipped == {"invalid_record": 1}


def test_a_record_that_is_not_a_mapping_is_rejected() -> None:
    stored, stats = convert(["GHSA-r9p9-mrjm-926w"])
    assert stored is None
    assert "not list" in stats.read.problems[0].message


@pytest.mark.parametrize(
    "events",
    [
        pytest.param([{"introduced": "0", "fixed": "1.0"}], id="two-keys-in-one-event"),
        pytest.param([{"fixed": "1.0"}], id="no-introduced"),
        pytest.param([{"introduced": 1.0}], id="not-a-string"),
        pytest.param([], id="no-events"),
        pytest.param([{"patched": "1.0"}], id="unknown-kind"),
    ],
)
def test_ranges_breaking_the_schema_are_dropped_and_reported(events: list[object]) -> None:
    raw = record("PYSEC-2099-2", "demo", [("introduced", "0"), ("fixed", "2.0")], versions=["1.0"])
    raw["affected"][0]["ranges"].append({"type": "ECOSYSTEM", "events": events})
    stored, stats = convert(raw)
    assert stored is not None and len(stored["affected"][0]["ranges"]) == 1
    assert [p.reason for p in stats.read.problems] == ["invalid_range"]


def test_an_unknown_range_type_is_reported() -> None:
    raw = record("PYSEC-2099-3", "demo", [("introduced", "0")], range_type="DATE", versions=["1.0"])
    stored, stats = convert(raw)
    assert stored is not None and stored["affected"][0]["ranges"] == []
    assert "unknown range type 'DATE'" in stats.read.problems[0].message


def test_semver_ranges_are_checked_as_semver_even_for_pypi() -> None:
    raw = record("PYSEC-2099-4", "demo", [("introduced", "0"), ("fixed", "1.0")], range_type="SEMVER")
    stored, stats = convert(raw)
    assert stored is None
    assert [p.reason for p in stats.read.problems] == ["invalid_range", "unmatchable"]


def test_a_record_left_with_nothing_to_match_is_skipped_and_reported() -> None:
    raw = record("PYSEC-2019-125", "steam", [("introduced", "0"), ("fixed", "2019-09-12")])
    stored, stats = convert(raw)
    assert stored is None
    assert stats.read.skipped == {"unmatchable": 1}


def test_cvss_v4_is_preferred_to_v3_and_a_bad_vector_falls_back_with_a_problem() -> None:
    v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    v3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"
    both = record("GHSA-1111-2222-3333", "demo", [("introduced", "0")], severity=cvss(v3) + cvss(v4, "CVSS_V4"))
    stored, _ = convert(both)
    assert stored is not None and stored["severity"] == {"level": "critical", "score": 9.3, "vector": v4}
    broken = record(
        "GHSA-1111-2222-4444",
        "demo",
        [("introduced", "0")],
        severity=cvss("CVSS:3.1/AV:N/AC:L"),
        database_specific={"severity": "MODERATE"},
    )
    stored, stats = convert(broken)
    assert stored is not None and stored["severity"] == {"level": "medium", "score": None, "vector": None}
    assert [p.reason for p in stats.read.problems] == ["invalid_severity"]


def test_without_any_rating_the_severity_is_unknown() -> None:
    stored, _ = convert(record("PYSEC-2099-5", "demo", [("introduced", "0")], severity=cvss("AV:N/Au:N", "CVSS_V2")))
    assert stored is not None and stored["severity"] == {"level": "unknown", "score": None, "vector": None}


def test_a_package_rating_is_kept_beside_the_record_rating() -> None:
    raw = record("GHSA-5555-6666-7777", "demo", [("introduced", "0")])
    raw["affected"][0]["ecosystem_specific"] = {"severity": "LOW"}
    stored, _ = convert(raw)
    assert stored is not None
    assert stored["affected"][0].get("severity") == {"level": "low", "score": None, "vector": None}
    assert stored["severity"]["level"] == "unknown"


def test_summaries_come_from_details_cut_at_a_word() -> None:
    assert summarize("  Short  summary ", "long details") == "Short summary"
    long = "word " * 100
    cut = summarize(None, long)
    assert cut.endswith("…") and len(cut) <= SUMMARY_CHARS and " wor…" not in cut
    assert summarize(None, None) == ""


def test_a_severity_that_is_not_a_list_is_reported() -> None:
    stored, stats = convert(record("GHSA-5555-6666-8888", "demo", [("introduced", "0")], severity="HIGH"))
    assert stored is not None and stored["severity"]["level"] == "unknown"
    assert [(p.reason, p.message) for p in stats.read.problems] == [
        ("invalid_severity", "GHSA-5555-6666-8888: 'severity' must be a list")
    ]
