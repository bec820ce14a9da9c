"""Reading OSV exports: directories of JSON and YAML records, osv.dev archives read in place, and bad input —
corrupt or truncated archives, decompression bombs, oversized and broken files, symbolic links."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from tests.unit.vulns.osvkit import ELLIPTIC, record, write_zip

from jackwatch.errors import SourceError
from jackwatch.model.inventory import Ecosystem
from jackwatch.vulns.importer import ImportLimits, import_osv

AIOHTTP = record("PYSEC-2024-24", "aiohttp", [("introduced", "1.0.5"), ("fixed", "3.9.2")])
FASTAPI = record("PYSEC-2024-38", "fastapi", [("introduced", "0"), ("fixed", "0.109.1")])

YAML_RECORD = """\
id: PYSEC-2023-175
modified: '2023-09-25T17:25:13.946374Z'
details: Pillow versions before v10.0.1 bundled libwebp binaries in wheels that are vulnerable.
related:
- CVE-2023-4863
affected:
- package:
    name: pillow
    ecosystem: PyPI
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: "0"
    - fixed: 10.0.1
"""


def ids(paths: list[Path], **kwargs: object) -> list[str]:
    return [advisory["id"] for advisory in import_osv(paths, **kwargs).advisories]  # type: ignore[arg-type]


def test_a_directory_tree_of_json_and_yaml_records(tmp_path: Path) -> None:
    (tmp_path / "vulns" / "aiohttp").mkdir(parents=True)
    (tmp_path / "vulns" / "pillow").mkdir()
    (tmp_path / "vulns" / "aiohttp" / "PYSEC-2024-24.json").write_text(json.dumps(AIOHTTP))
    (tmp_path / "vulns" / "pillow" / "PYSEC-2023-175.yaml").write_text(YAML_RECORD)
    (tmp_path / "vulns" / "id-allocator").write_text("PYSEC-2024-100\n")
    result = import_osv([tmp_path / "vulns"])
    assert [a["id"] for a in result.advisories] == ["PYSEC-2023-175", "PYSEC-2024-24"]
    assert result.advisories[0]["related"] == ["CVE-2023-4863"]
    assert (result.stats.read.files_read, result.stats.read.events_read) == (2, 2)
    assert result.stats.read.problems == []


def test_an_osv_dev_archive_is_read_in_place_for_the_ecosystems_asked(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "all.zip", [AIOHTTP, FASTAPI, ELLIPTIC])
    assert ids([archive]) == ["GHSA-r9p9-mrjm-926w", "PYSEC-2024-24", "PYSEC-2024-38"]
    only_npm = import_osv([archive], [Ecosystem.NPM])
    assert [a["id"] for a in only_npm.advisories] == ["GHSA-r9p9-mrjm-926w"]
    assert only_npm.stats.ignored == {"other_ecosystem": 2, "other_ecosystem_record": 2}
    assert os.listdir(tmp_path) == ["all.zip"]


def test_a_json_file_may_hold_a_list_of_records(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps([AIOHTTP, FASTAPI]))
    assert ids([path]) == ["PYSEC-2024-24", "PYSEC-2024-38"]


def test_the_copy_modified_last_wins_whatever_the_order(tmp_path: Path) -> None:
    old = record("PYSEC-2024-24", "aiohttp", [("introduced", "0"), ("fixed", "3.9.0")], modified="2024-01-01T00:00:00Z")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.json").write_text(json.dumps(AIOHTTP))
    (tmp_path / "b" / "x.json").write_text(json.dumps(old))
    for order in ([tmp_path / "a", tmp_path / "b"], [tmp_path / "b", tmp_path / "a"]):
        result = import_osv(order)
        [advisory] = result.advisories
        assert advisory["modified"] == AIOHTTP["modified"]
        assert result.stats.ignored == {"superseded": 1}
        assert result.stats.imported == {"PyPI": 1}


def test_syntax_errors_are_reported_with_their_line_and_the_rest_is_imported(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_text(json.dumps(AIOHTTP))
    (tmp_path / "bad.json").write_text('{\n  "id": "PYSEC-1",\n  "modified": \n}\n')
    (tmp_path / "bad.yaml").write_text("id: PYSEC-2\naffected:\n  - package: [unclosed\n")
    (tmp_path / "latin1.yaml").write_bytes("id: PYSEC-3\ndetails: caf\xe9\n".encode("latin-1"))
    result = import_osv([tmp_path])
    assert [a["id"] for a in result.advisories] == ["PYSEC-2024-24"]
    problems = {(str(p.location).replace(str(tmp_path), ""), p.reason) for p in result.stats.read.problems}
    assert problems == {
        ("/bad.json:4:1", "invalid_json"),
        ("/bad.yaml:4:1", "invalid_yaml"),
        ("/latin1.yaml", "invalid_yaml"),
    }
    assert result.stats.read.skipped == {"invalid_json": 1, "invalid_yaml": 2}


def test_symbolic_links_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text(json.dumps(FASTAPI))
    root = tmp_path / "root"
    root.mkdir()
    (root / "real.json").write_text(json.dumps(AIOHTTP))
    (root / "link.json").symlink_to(outside / "secret.json")
    (root / "dir").symlink_to(outside, target_is_directory=True)
    result = import_osv([root])
    assert [a["id"] for a in result.advisories] == ["PYSEC-2024-24"]
    assert sorted(str(p.location) for p in result.stats.read.problems) == [str(root / "dir"), str(root / "link.json")]
    assert result.stats.read.skipped == {"symlink": 2}


def test_oversized_record_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "big.json").write_text(json.dumps({**AIOHTTP, "details": "x" * 5000}))
    (tmp_path / "small.json").write_text(json.dumps(FASTAPI))
    result = import_osv([tmp_path], limits=ImportLimits(record_bytes=4000))
    assert [a["id"] for a in result.advisories] == ["PYSEC-2024-38"]
    assert result.stats.read.skipped == {"too_large": 1}


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_a_truncated_archive_fails_as_a_whole_with_a_clear_message(tmp_path: Path, cut: float) -> None:
    blob = write_zip(tmp_path / "full.zip", [AIOHTTP, FASTAPI]).read_bytes()
    truncated = tmp_path / "all.zip"
    truncated.write_bytes(blob[: int(len(blob) * cut)])
    result = import_osv([truncated])
    assert result.advisories == []
    assert result.stats.read.files_failed == 1
    [problem] = result.stats.read.problems
    assert (problem.location.path, problem.reason) == (str(truncated), "unreadable_archive")


def test_a_member_whose_data_is_corrupt_is_skipped_and_the_others_read(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "all.zip", [AIOHTTP, FASTAPI])
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("PYSEC-2024-24.json")
    blob = bytearray(path.read_bytes())
    data_start = info.header_offset + 30 + len(info.filename.encode())
    blob[data_start + 5 : data_start + 25] = b"\x00" * 20
    path.write_bytes(bytes(blob))
    result = import_osv([path])
    assert [a["id"] for a in result.advisories] == ["PYSEC-2024-38"]
    [problem] = result.stats.read.problems
    assert (str(problem.location), problem.reason) == (f"{path}!PYSEC-2024-24.json", "unreadable")


def test_a_decompression_bomb_is_stopped_at_the_inflated_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "all.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("PYSEC-2024-24.json", json.dumps(AIOHTTP))
        for n in range(5):
            archive.writestr(f"BOMB-{n}.json", json.dumps({**FASTAPI, "id": f"BOMB-{n}", "details": " " * 200_000}))
    assert path.stat().st_size < 10_000
    result = import_osv([path], limits=ImportLimits(archive_bytes=500_000))
    assert result.stats.read.files_failed == 1
    assert [p.reason for p in result.stats.read.problems] == ["archive_too_large"]
    assert [a["id"] for a in result.advisories] == ["BOMB-0", "BOMB-1", "PYSEC-2024-24"]


def test_a_member_declared_larger_than_the_record_limit_is_not_inflated(tmp_path: Path) -> None:
    path = tmp_path / "all.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("BIG.json", json.dumps({**FASTAPI, "details": " " * 100_000}))
        archive.writestr("PYSEC-2024-24.json", json.dumps(AIOHTTP))
    result = import_osv([path], limits=ImportLimits(record_bytes=50_000))
    assert [a["id"] for a in result.advisories] == ["PYSEC-2024-24"]
    assert [(str(p.location), p.reason) for p in result.stats.read.problems] == [(f"{path}!BIG.json", "too_large")]


def test_too_many_members_abandon_the_archive(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "all.zip", [AIOHTTP, FASTAPI, ELLIPTIC])
    result = import_osv([path], limits=ImportLimits(archive_members=2))
    assert result.advisories == []
    assert [p.reason for p in result.stats.read.problems] == ["archive_too_large"]
    assert "3 members, more than 2" in result.stats.read.problems[0].message


def test_a_file_that_is_neither_a_record_nor_an_archive_fails(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not an export")
    result = import_osv([path])
    assert result.stats.read.files_failed == 1
    assert result.stats.read.problems[0].reason == "unreadable_archive"


def test_a_missing_path_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or directory"):
        import_osv([tmp_path / "missing.zip"])
