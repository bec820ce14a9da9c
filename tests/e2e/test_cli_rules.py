"""``jackwatch rules validate|test|list|docs`` end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from tests.datasets import DATASETS, needs
from tests.e2e.runner import run_cli, run_jackwatch

from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.loader import builtin_rule_files, load_rules
from jackwatch.rules.sources import default_registry
from jackwatch.rules.spec import RuleSpec

FALCO_RULES = DATASETS / "falco-rules"
FALCO_FILES = [
    "rules/falco_rules.yaml",
    "rules/falco-incubating_rules.yaml",
    "rules/falco-sandbox_rules.yaml",
    "plugins/cloudtrail/rules/aws_cloudtrail_rules.yaml",
    "plugins/k8saudit/rules/k8s_audit_rules.yaml",
]
READ_SOURCES = {"aws_cloudtrail", "syscall"}

BROKEN_RULES = """\
- rule: Broken syntax
  id: test.broken.syntax
  source: aws_cloudtrail
  desc: The condition does not parse.
  condition: ct.name = InvokeModel and (ct.region =
  output: x
  priority: WARNING

- rule: Unknown macro
  id: test.broken.macro
  source: aws_cloudtrail
  desc: Uses a macro nobody defined.
  condition: ct.name = InvokeModel and no_such_macro_here
  output: x
  priority: WARNING

- rule: Unknown field
  id: test.broken.field
  source: aws_cloudtrail
  desc: Uses a field the source does not have.
  condition: ct.no_such_field = 1 or json.value[/requestParameters/modelId] = "[/x]"
  output: x
  priority: WARNING

- rule: Stray bracket
  id: test.broken.bracket
  source: aws_cloudtrail
  desc: A stray closing bracket that a terminal renderer could take for markup.
  condition: ct.name = InvokeModel and [/x]
  output: x
  priority: WARNING
"""

IDENTITY_EVENT = """\
        - eventVersion: "1.09"
          userIdentity: {{type: IAMUser, arn: "arn:aws:iam::123456789012:user/ci", accountId: "123456789012",
                         accessKeyId: AKIAQ3EGCIUSER000001}}
          eventTime: "2025-06-10T14:02:11Z"
          eventSource: {source}
          eventName: {name}
          awsRegion: us-east-1
          sourceIPAddress: 5.161.100.20
          eventID: {event_id}
"""

RULE_WITH_TESTS = (
    """\
- rule: Caller identity checked
  id: test.sts.caller_identity
  source: aws_cloudtrail
  desc: Someone asked STS which identity their credentials belong to.
  condition: ct.name = GetCallerIdentity
  output: Caller identity checked (principal=%aws.principal)
  priority: NOTICE
  tests:
    - name: a ListUsers call is wrongly expected to match
      events:
"""
    + IDENTITY_EVENT.format(source="iam.amazonaws.com", name="ListUsers", event_id="t-1")
    + """\
      expect: {matches: 1}
    - name: GetCallerIdentity matches
      events:
"""
    + IDENTITY_EVENT.format(source="sts.amazonaws.com", name="GetCallerIdentity", event_id="t-2")
    + """\
      expect: {matches: 1}
"""
)


def builtin_rules() -> tuple[RuleSpec, ...]:
    """The built-in rule pack as the loader reads it."""
    loaded = load_rules(builtin_rule_files(), default_registry(AsnDb.load()))
    assert loaded.ok
    return loaded.ruleset.rules


def table_rows(text: str) -> list[list[str]]:
    """The body rows of a rich table, with cells wrapped over several lines joined again."""
    rows: list[list[str]] = []
    for line in text.splitlines():
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if cells[0] or not rows:
            rows.append(cells)
        else:
            rows[-1] = [f"{old} {new}".strip() for old, new in zip(rows[-1], cells, strict=True)]
    return rows


@needs(FALCO_RULES)
@pytest.mark.parametrize("relative", FALCO_FILES)
def test_falco_rule_files_validate_unchanged(relative: str) -> None:
    path = FALCO_RULES / relative
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    sources = [item.get("source", "syscall") for item in items if isinstance(item, dict) and "rule" in item]
    unsupported = sorted(set(sources) - READ_SOURCES)
    result = run_cli("rules", "validate", path)
    assert result.code == 0, result.describe()
    summary = result.stderr.strip().splitlines()[-1]
    assert summary.startswith(f"{len(sources)} rule(s)") and "; 0 error(s)" in summary
    rules = load_rules([path], default_registry(AsnDb.load())).ruleset.rules
    not_evaluated = [rule for rule in rules if rule.unsupported]  # unread sources, or fields not provided
    assert len(not_evaluated) >= sum(s not in READ_SOURCES for s in sources)
    assert (
        f"{len(not_evaluated)} rule(s) not run (their source is not read yet, or they use fields jackwatch "
        "does not provide)" in summary
    )
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning ")]
    for source in unsupported:
        assert any(f"'{source}'" in line and line.startswith(f"warning {path}:") for line in warnings), source
    without_fields = [line for line in warnings if "use fields jackwatch does not provide" in line]
    assert len(without_fields) == (1 if any("does not provide" in rule.unsupported for rule in rules) else 0)
    assert len(warnings) == len(unsupported) + len(without_fields)


def test_every_error_of_a_broken_rule_file_is_reported_with_its_location(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_RULES, encoding="utf-8")
    cut = tmp_path / "cut.yaml"
    cut.write_text("- rule: Cut short\n  condition: [unclosed\n", encoding="utf-8")
    result = run_cli("rules", "validate", path, cut)
    assert result.code == 1, result.describe()
    errors = [line for line in result.stderr.splitlines() if line.startswith("error ")]
    assert len(errors) == 5, result.stderr
    expected = [
        (rf"{re.escape(str(path))}:5(:\d+)?: ", "Broken syntax"),
        (rf"{re.escape(str(path))}:13(:\d+)?: ", "unknown macro 'no_such_macro_here'"),
        (rf"{re.escape(str(path))}:21(:\d+)?: ", "unknown field 'ct.no_such_field'"),
        (rf"{re.escape(str(path))}:29(:\d+)?: ", "'[/x]'"),
        (rf"{re.escape(str(cut))}:\d+(:\d+)?: ", "YAML"),
    ]
    for location, message in expected:
        assert any(re.search(location, line) and message in line for line in errors), (location, result.stderr)
    assert "5 error(s)" in result.stderr.splitlines()[-1]


def test_the_builtin_pack_passes_its_inline_tests() -> None:
    result = run_jackwatch("rules", "test")
    assert result.code == 0, result.describe()
    counts = re.search(r"^(\d+) passed, 0 failed$", result.stderr, re.MULTILINE)
    assert counts is not None, result.describe()
    assert int(counts.group(1)) >= 2 * len(builtin_rules()), "a positive and a negative test per rule"
    assert "FAIL" not in result.stderr


def test_a_failing_inline_test_fails_the_run(tmp_path: Path) -> None:
    path = tmp_path / "identity.yaml"
    path.write_text(RULE_WITH_TESTS, encoding="utf-8")
    result = run_cli("rules", "test", path)
    assert result.code == 1, result.describe()
    failures = [line for line in result.stderr.splitlines() if line.startswith("FAIL ")]
    assert len(failures) == 1
    assert "test.sts.caller_identity: a ListUsers call is wrongly expected to match" in failures[0]
    assert f"({path}:9)" in failures[0]
    assert "pass test.sts.caller_identity: GetCallerIdentity matches" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "1 passed, 1 failed"


def test_rules_test_stops_on_a_rule_file_that_does_not_load(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_RULES, encoding="utf-8")
    result = run_cli("rules", "test", path)
    assert result.code == 1, result.describe()
    assert f"{path}:13" in result.stderr and "passed" not in result.stderr


def test_list_shows_every_builtin_rule() -> None:
    result = run_cli("rules", "list")
    assert result.code == 0, result.describe()
    rows = {row[0]: row[1:] for row in table_rows(result.text)}
    rules = builtin_rules()
    assert set(rows) == {rule.id for rule in rules}
    for rule in rules:
        name, severity, source, tags, status = rows[rule.id]
        assert (name, severity, source, status) == (rule.name, rule.severity.value, rule.source, "enabled")
        assert tags == ", ".join(rule.tags) and rule.tags


@needs(FALCO_RULES)
def test_list_marks_rules_of_sources_not_read_yet(tmp_path: Path) -> None:
    path = FALCO_RULES / "plugins/k8saudit/rules/k8s_audit_rules.yaml"
    result = run_cli("rules", "list", path)
    assert result.code == 0, result.describe()
    rows = table_rows(result.text)
    assert rows and {(row[3], row[5]) for row in rows} == {("k8s_audit", "unsupported source")}


def test_docs_are_written_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "docs" / "rules" / "aws_cloudtrail.md"
    result = run_cli("rules", "docs", "--output", target)
    assert (result.code, result.stdout) == (0, b""), result.describe()
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Rule reference")
    for rule in builtin_rules():
        assert f"`{rule.id}`" in text and f"## {rule.name}" in text
    for heading in ("### What it detects", "### Why it matters", "### False positives", "### Response"):
        assert text.count(heading) == len(builtin_rules()), heading
    printed = run_cli("rules", "docs")
    assert printed.code == 0 and printed.text == text


def test_docs_refuse_a_broken_rule_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_RULES, encoding="utf-8")
    target = tmp_path / "out.md"
    result = run_cli("rules", "docs", path, "-o", target)
    assert result.code == 1 and not target.exists(), result.describe()
    assert f"{path}:21" in result.stderr


USER_OVERRIDES = """\
- list: jw_allowed_cidrs
  items: [5.161.0.0/16]
  override: {items: replace}
"""


def test_a_user_file_that_overrides_the_builtin_pack_validates_only_with_it(tmp_path: Path) -> None:
    path = tmp_path / "allowlists.yaml"
    path.write_text(USER_OVERRIDES, encoding="utf-8")
    alone = run_cli("rules", "validate", path)
    assert alone.code == 1, alone.describe()
    assert f"{path}:1: list 'jw_allowed_cidrs' is appended to or overridden but not defined before" in alone.stderr
    together = run_cli("rules", "validate", "--with-builtin", path)
    assert together.code == 0, together.describe()
    assert f"{len(builtin_rules())} rule(s)" in together.stderr


def test_a_cidr_allowlist_silences_every_rule_for_that_network(tmp_path: Path) -> None:
    # the built-in tests' attacker address is in 5.161.0.0/16: allowlisted, their positive cases no longer match
    path = tmp_path / "allowlists.yaml"
    path.write_text(USER_OVERRIDES, encoding="utf-8")
    result = run_cli("rules", "test", "--with-builtin", path)
    assert result.code == 1, result.describe()
    failed = {
        line.split(":")[0].removeprefix("FAIL ") for line in result.stderr.splitlines() if line.startswith("FAIL ")
    }
    assert "aws.bedrock.invoke_probe" in failed and "aws.bedrock.region_fanout" in failed
    assert not any(line.startswith("FAIL") and "0 matches, got" in line for line in result.stderr.splitlines())
