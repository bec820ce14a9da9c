"""The check framework: metadata files (errors with their location), the registry's consistency, and findings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jackwatch.checks.base import CheckRegistry, Hit, content_path, load_specs
from jackwatch.errors import ContentError
from jackwatch.model import FindingKind, Severity, finding_id

GOOD = """\
checks:
  - id: demo.one
    title: One
    severity: high
    description: The first.
    remediation: Fix it.
    refs: {kubescape: [C-0001], checkov: [CKV_1]}
    mitre: [T1611]
    docs: {url: https://example.com}
  - id: demo.two
    title: Two
    severity: low
    description: The second.
    remediation: Fix it too.
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(text)
    return path


def test_metadata_is_loaded_in_file_order(tmp_path: Path) -> None:
    specs = load_specs(write(tmp_path, GOOD))
    assert list(specs) == ["demo.one", "demo.two"]
    one = specs["demo.one"]
    assert one.severity is Severity.HIGH and one.refs == {"kubescape": ("C-0001",), "checkov": ("CKV_1",)}
    assert one.mitre == ("T1611",) and one.docs == {"url": "https://example.com"}
    assert one.location is not None and one.location.line == 2


@pytest.mark.parametrize(
    ("change", "message", "line"),
    [
        (("severity: low", "severity: severe"), "unknown severity 'severe'", 12),
        (("title: Two", "title: ''"), "title must be a non-empty string", 11),
        (("id: demo.two", "id: demo.one"), "check demo.one is defined twice", 10),
        (("remediation: Fix it too.", "remediation: x\n    colour: red"), "unknown check key(s): colour", 15),
        (("refs: {kubescape: [C-0001], checkov: [CKV_1]}", "refs: [C-0001]"), "refs maps a tool", 7),
    ],
)
def test_bad_metadata_is_reported_with_its_location(
    tmp_path: Path, change: tuple[str, str], message: str, line: int
) -> None:
    with pytest.raises(ContentError) as error:
        load_specs(write(tmp_path, GOOD.replace(*change)))
    assert message in error.value.message and error.value.location is not None
    assert error.value.location.line == line


def test_a_file_without_a_checks_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="a 'checks' list"):
        load_specs(write(tmp_path, "- id: x\n"))
    with pytest.raises(ContentError, match="cannot read check metadata"):
        load_specs(tmp_path / "absent.yaml")


def make_registry(tmp_path: Path) -> CheckRegistry[list[str]]:
    registry: CheckRegistry[list[str]] = CheckRegistry("demo", write(tmp_path, GOOD))

    @registry.check("demo.one")
    def one(items: list[str]) -> Iterator[Hit]:
        for item in items:
            yield Hit(subject=f"thing://{item}", key="k", resource={"name": item}, fix={"summary": "do"})

    @registry.check("demo.two")
    def two(items: list[str]) -> Iterator[Hit]:
        if "boom" in items:
            raise ValueError("odd input")
        yield Hit(subject="thing://all", severity=Severity.CRITICAL, evidence={"count": len(items)})

    return registry


def test_hits_become_misconfiguration_findings(tmp_path: Path) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    run = make_registry(tmp_path).run(["a", "b"], now)
    assert run.counts == {"demo.one": 2, "demo.two": 1} and run.errors == []
    first = run.findings[0]
    assert first.kind is FindingKind.MISCONFIGURATION and first.rule_id == "demo.one" and first.title == "One"
    assert first.id == finding_id(FindingKind.MISCONFIGURATION, "demo.one", "thing://a", "k")
    assert first.evidence == {
        "resource": {"name": "a"},
        "kubescape": ["C-0001"],
        "checkov": ["CKV_1"],
        "fix": {"summary": "do"},
    }
    assert (first.first_seen, first.count, first.mitre) == (now, 1, ("T1611",))
    last = run.findings[-1]
    assert last.severity is Severity.CRITICAL and last.evidence["count"] == 2 and "fix" not in last.evidence


def test_a_failing_check_is_recorded_and_selection_works(tmp_path: Path) -> None:
    registry = make_registry(tmp_path)
    run = registry.run(["boom"], datetime.now(UTC))
    assert [(e.check_id, e.message) for e in run.errors] == [("demo.two", "ValueError: odd input")]
    assert [f.rule_id for f in run.findings] == ["demo.one"]
    assert [f.rule_id for f in registry.run(["x"], datetime.now(UTC), {"demo.two"}).findings] == ["demo.two"]
    with pytest.raises(ContentError, match="unknown check"):
        registry.run([], datetime.now(UTC), {"demo.three"})


def test_functions_and_metadata_must_match(tmp_path: Path) -> None:
    registry: CheckRegistry[list[str]] = CheckRegistry("demo", write(tmp_path, GOOD))
    registry.check("demo.one")(lambda items: [])
    with pytest.raises(ContentError, match=r"no check function for demo\.two"):
        _ = registry.specs
    registry.check("demo.two")(lambda items: [])
    registry.check("demo.three")(lambda items: [])
    with pytest.raises(ContentError, match=r"no metadata for check\(s\) demo.three"):
        _ = registry.specs
    with pytest.raises(ValueError, match="registered twice"):
        registry.check("demo.one")(lambda items: [])


def test_the_shipped_metadata_files_load() -> None:
    for path in content_path("kubernetes").parent.glob("*.yaml"):
        assert load_specs(path), path
