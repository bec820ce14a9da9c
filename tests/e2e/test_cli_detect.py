"""``jackwatch detect`` end to end: every input form, output format, option and exit code."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from tests.e2e import trails
from tests.e2e.demo_env import DEMO_TRAIL
from tests.e2e.runner import CliResult, run_cli, run_jackwatch

FINDING_KEYS = {"id", "rule_id", "title", "severity", "principal", "first_seen", "last_seen", "count", "event_ids"}
SEVERITIES = {"critical", "high", "medium", "low", "info"}
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
PROBE_IDS = {r["eventID"] for r in trails.probe_trace() if r["eventName"] == "InvokeModel"}
API_KEY_USER = "arn:aws:iam::123456789012:user/BedrockAPIKey-x1y2"

CUSTOM_RULE = """\
- rule: Caller identity checked
  id: test.sts.caller_identity
  source: aws_cloudtrail
  desc: Someone asked STS which identity their credentials belong to.
  condition: ct.name = GetCallerIdentity
  output: Caller identity checked (principal=%aws.principal ip=%aws.source_ip)
  priority: NOTICE
  severity: low
  tags: [test]
"""


Signature = set[tuple[str, str, str, int]]


def signature(findings: Iterable[dict[str, Any]]) -> Signature:
    """What identifies a run's findings: id, rule, principal and event count."""
    return {(f["id"], f["rule_id"], f["principal"], f["count"]) for f in findings}


def by_rule(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The findings of a one-principal report, by rule id."""
    findings = report["findings"]
    keyed = {f["rule_id"]: f for f in findings}
    assert len(keyed) == len(findings), "expected one finding per rule"
    return keyed


def detect(*args: str | os.PathLike[str], stdin: bytes = b"") -> CliResult:
    """``jackwatch detect … --no-store -q`` in this process."""
    return run_cli("detect", *args, "--no-store", "--quiet", stdin=stdin)


def detect_json(*args: str | os.PathLike[str], stdin: bytes = b"") -> dict[str, Any]:
    """The JSON report of a successful ``detect``."""
    result = detect(*args, "--format", "json", stdin=stdin)
    assert result.code == 0, result.describe()
    return result.report()


@pytest.fixture(scope="module")
def probe_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The probe trace in every form ``detect`` reads, and one probe alone."""
    root = tmp_path_factory.mktemp("probe")
    records = trails.probe_trace()
    document = trails.cloudtrail_document(records)
    tree = root / "tree"
    for region in {r["awsRegion"] for r in records}:
        in_region = [r for r in records if r["awsRegion"] == region]
        trails.write(trails.trail_path(tree, region, "20250610T1405Z"), trails.cloudtrail_document(in_region))
    return {
        "document": trails.write(root / "probe.json", document),
        "gzip": trails.write(root / "probe.json.gz", document),
        "jsonl": trails.write(root / "probe.jsonl", trails.json_lines(records)),
        "array": trails.write(root / "probe-array.json", json.dumps(records).encode()),
        "tree": tree,
        "single": trails.write(root / "single.json", json.dumps(records[1]).encode()),
    }


@pytest.fixture(scope="module")
def probe_report(probe_files: dict[str, Path]) -> dict[str, Any]:
    """``detect probe.json --format json``: the reference every other form is compared with."""
    return detect_json(probe_files["document"])


@pytest.fixture(scope="module")
def trail_report() -> dict[str, Any]:
    """``detect`` of the demo's CloudTrail tree with the built-in rules and default settings."""
    return detect_json(DEMO_TRAIL)


def test_a_cloudtrail_file_gives_findings_and_stats_in_json(probe_report: dict[str, Any]) -> None:
    assert set(probe_report) == {"findings", "incidents", "stats"}
    for finding in probe_report["findings"]:
        assert set(finding) >= FINDING_KEYS, finding
        assert finding["severity"] in SEVERITIES
        assert ISO_UTC.fullmatch(finding["first_seen"]) and ISO_UTC.fullmatch(finding["last_seen"])
        assert finding["first_seen"] <= finding["last_seen"]
        assert finding["principal"] == trails.THIEF
        assert 0 < len(finding["event_ids"]) <= finding["count"]
    probe = by_rule(probe_report)["aws.bedrock.invoke_probe"]
    assert probe["title"] == "Bedrock invocation probe"
    assert probe["severity"] == "high"
    assert (probe["count"], set(probe["event_ids"])) == (3, PROBE_IDS)
    assert (probe["first_seen"], probe["last_seen"]) == ("2025-06-10T14:02:11Z", "2025-06-10T14:06:11Z")
    assert {"aws.bedrock.long_term_key_suspicious_client", "aws.bedrock.region_fanout"} <= set(by_rule(probe_report))
    stats = probe_report["stats"]
    assert (stats["events_read"], stats["events_skipped"], stats["skipped_by_reason"]) == (5, 0, {})
    assert (stats["files_read"], stats["files_failed"], stats["problems"]) == (1, 0, [])


@pytest.mark.parametrize("form", ["gzip", "jsonl", "array", "tree"])
def test_every_input_form_gives_the_same_findings(
    form: str, probe_files: dict[str, Path], probe_report: dict[str, Any]
) -> None:
    report = detect_json(probe_files[form])
    assert signature(report["findings"]) == signature(probe_report["findings"])
    assert (report["stats"]["events_read"], report["stats"]["events_skipped"]) == (5, 0)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_standard_input(compress: bool, probe_files: dict[str, Path], probe_report: dict[str, Any]) -> None:
    data = probe_files["document"].read_bytes()
    report = detect_json("-", stdin=gzip.compress(data) if compress else data)
    assert signature(report["findings"]) == signature(probe_report["findings"])
    assert report["stats"]["events_read"] == 5


def test_a_bad_line_on_standard_input_is_located_and_the_rest_read() -> None:
    good = trails.probe_trace()
    data = trails.json_lines(good[:2]) + b'{"eventName": "InvokeModel", \n' + trails.json_lines(good[2:])
    report = detect_json("-", stdin=data)
    stats = report["stats"]
    assert (stats["events_read"], stats["skipped_by_reason"]) == (5, {"invalid_json": 1})
    assert [p["location"].split(":")[:2] for p in stats["problems"]] == [["<stdin>", "3"]]


def test_a_single_event_file(probe_files: dict[str, Path]) -> None:
    report = detect_json(probe_files["single"])
    probe = by_rule(report)["aws.bedrock.invoke_probe"]
    assert probe["count"] == 1 and probe["event_ids"] == [trails.probe_trace()[1]["eventID"]]
    assert "aws.bedrock.region_fanout" not in by_rule(report)


def test_table_format_names_rules_principals_and_the_run(probe_files: dict[str, Path]) -> None:
    result = detect(probe_files["gzip"], "--format", "table")
    assert result.code == 0, result.describe()
    text = result.text
    for rule_id in ("aws.bedrock.invoke_probe", "aws.bedrock.region_fanout"):
        assert rule_id in text
    assert trails.THIEF in text and "3 finding(s)" in text
    assert "events read: 5, skipped: 0, files read: 1, files failed: 0" in text
    assert "\x1b[" not in text, "no colour codes when stdout is not a terminal"


def test_jsonl_format_is_one_finding_per_line(probe_files: dict[str, Path], probe_report: dict[str, Any]) -> None:
    result = detect(probe_files["document"], "--format", "jsonl")
    assert result.code == 0, result.describe()
    lines = result.stdout.splitlines()
    assert len(lines) == len(probe_report["findings"]) == 3
    assert signature(result.jsonl()) == signature(probe_report["findings"])


def test_ocsf_format_is_detection_findings(probe_files: dict[str, Path], probe_report: dict[str, Any]) -> None:
    result = detect(probe_files["document"], "-f", "OCSF")
    assert result.code == 0, result.describe()
    findings = result.json()
    assert isinstance(findings, list) and len(findings) == 3
    assert {f["class_uid"] for f in findings} == {2004}
    assert {(f["finding_info"]["uid"], f["finding_info"]["analytic"]["uid"]) for f in findings} == {
        (f["id"], f["rule_id"]) for f in probe_report["findings"]
    }


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_output_file_takes_the_report_and_stdout_stays_empty(
    fmt: str, probe_files: dict[str, Path], probe_report: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "reports" / f"findings.{fmt}"
    result = detect(probe_files["document"], "--format", fmt, "--output", target)
    assert (result.code, result.stdout) == (0, b""), result.describe()
    text = target.read_text(encoding="utf-8")
    findings = json.loads(text)["findings"] if fmt == "json" else [json.loads(line) for line in text.splitlines()]
    assert signature(findings) == signature(probe_report["findings"])


def test_an_output_file_that_cannot_be_created_is_a_usage_error(probe_files: dict[str, Path], tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = detect(probe_files["document"], "-o", blocker / "report.json")
    assert result.code == 2, result.describe()
    assert f"cannot write the report to {blocker / 'report.json'}" in result.stderr


@pytest.mark.parametrize(
    ("window", "probes"),
    [
        (("--since", "2025-06-10T14:03:00Z"), 2),
        (("--since", "2025-06-10T16:03:00+02:00"), 2),
        (("--until", "2025-06-10T14:03:00Z"), 1),
        (("--since", "2025-06-10T14:03", "--until", "2025-06-10T14:05"), 1),
        (("--until", "1h"), 3),
        (("--since", "2025-06-10"), 3),
    ],
)
def test_since_and_until_bound_the_events(window: tuple[str, ...], probes: int, probe_files: dict[str, Path]) -> None:
    report = detect_json(probe_files["document"], *window)
    assert by_rule(report)["aws.bedrock.invoke_probe"]["count"] == probes


def test_a_recent_look_back_leaves_an_old_trace_out(probe_files: dict[str, Path]) -> None:
    report = detect_json(probe_files["tree"], "--since", "24h")
    assert report["findings"] == []
    assert report["stats"]["events_read"] == 0


def test_since_and_until_on_the_demo_trace(trail_report: dict[str, Any]) -> None:
    later = detect_json(DEMO_TRAIL, "--since", "2025-06-10T16:00:00Z")
    assert all(f["first_seen"] >= "2025-06-10T16:00:00Z" for f in later["findings"])
    rules = {f["rule_id"] for f in later["findings"]}
    assert "aws.bedrock.list_models_denied" in rules and "aws.iam.key_recon" not in rules
    earlier = detect_json(DEMO_TRAIL, "--until", "2025-06-10T14:05:00Z")
    assert all(f["last_seen"] < "2025-06-10T14:05:00Z" for f in earlier["findings"])
    rules = {f["rule_id"] for f in earlier["findings"]}
    assert "aws.bedrock.invoke_probe" in rules and "aws.bedrock.logging_heartbeat" not in rules
    total = trail_report["stats"]["events_read"]
    assert 0 < later["stats"]["events_read"] < total and 0 < earlier["stats"]["events_read"] < total


def test_an_extra_rule_file_can_replace_an_allowlist(trail_report: dict[str, Any], tmp_path: Path) -> None:
    allow = tmp_path / "allow.yaml"
    allow.write_text(
        f"- list: jw_allowed_principals\n  items: ['{API_KEY_USER}']\n  override: {{items: replace}}\n",
        encoding="utf-8",
    )
    before = trail_report["findings"]
    assert any(f["principal"] == API_KEY_USER for f in before), "the trace must have findings to allowlist"
    after = detect_json(DEMO_TRAIL, "--rules", allow)["findings"]
    assert all(f["principal"] != API_KEY_USER for f in after)
    assert signature(after) == signature(f for f in before if f["principal"] != API_KEY_USER)


def test_settings_raise_a_threshold_and_change_a_severity(probe_files: dict[str, Path], tmp_path: Path) -> None:
    settings = tmp_path / "jackwatch.yaml"
    settings.write_text(
        "rules:\n"
        "  aws.bedrock.region_fanout: {threshold: {count: 4}}\n"
        "  aws.bedrock.invoke_probe: {severity: critical}\n",
        encoding="utf-8",
    )
    report = detect_json(probe_files["document"], "--config", settings)
    rules = by_rule(report)
    assert "aws.bedrock.region_fanout" not in rules
    assert rules["aws.bedrock.invoke_probe"]["severity"] == "critical"
    assert rules["aws.bedrock.long_term_key_suspicious_client"]["severity"] == "high"


def test_a_bad_settings_file_is_reported_with_every_location(probe_files: dict[str, Path], tmp_path: Path) -> None:
    settings = tmp_path / "jackwatch.yaml"
    settings.write_text(
        "rules:\n"
        "  aws.bedrock.invocation_volume: {threshold: {count: many}}\n"
        "  aws.bedrock.invoke_probes: {enabled: false}\n",
        encoding="utf-8",
    )
    result = detect(probe_files["document"], "--config", settings, "--format", "json")
    assert (result.code, result.stdout) == (2, b""), result.describe()
    assert f"{settings}:2" in result.stderr and "count" in result.stderr
    assert f"{settings}:3" in result.stderr and "aws.bedrock.invoke_probe" in result.stderr


def test_a_settings_file_with_a_yaml_error_is_located(probe_files: dict[str, Path], tmp_path: Path) -> None:
    settings = tmp_path / "jackwatch.yaml"
    settings.write_text("rules:\n  aws.bedrock.invoke_probe: {severity: high\n", encoding="utf-8")
    result = detect(probe_files["document"], "--config", settings)
    assert result.code == 2, result.describe()
    assert re.search(rf"{re.escape(str(settings))}:\d+", result.stderr)


def test_only_custom_rules_without_the_builtin_pack(probe_files: dict[str, Path], tmp_path: Path) -> None:
    rule_file = tmp_path / "custom.yaml"
    rule_file.write_text(CUSTOM_RULE, encoding="utf-8")
    report = detect_json(probe_files["gzip"], "--no-builtin-rules", "--rules", rule_file)
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["principal"], finding["count"]) == (
        "test.sts.caller_identity",
        trails.LAMBDA_ROLE,
        2,
    )
    assert (finding["title"], finding["severity"]) == ("Caller identity checked", "low")
    assert report["stats"]["rules_loaded"] == 1


def test_a_rule_file_error_stops_detection_with_its_location(probe_files: dict[str, Path], tmp_path: Path) -> None:
    rule_file = tmp_path / "broken.yaml"
    rule_file.write_text(
        CUSTOM_RULE.replace("id: test.sts.caller_identity", "id: test.broken").replace(
            "condition: ct.name = GetCallerIdentity", "condition: json.value[/requestParameters/x] = 1 and [/x]"
        ),
        encoding="utf-8",
    )
    result = detect(probe_files["document"], "--rules", rule_file)
    assert (result.code, result.stdout) == (2, b""), result.describe()
    assert f"{rule_file}:5" in result.stderr and "[/x]" in result.stderr


def test_no_store_writes_nothing(probe_files: dict[str, Path], isolated_default_store: Path) -> None:
    assert detect(probe_files["document"]).code == 0
    assert not isolated_default_store.exists()


def test_the_store_comes_from_jackwatch_db(
    probe_files: dict[str, Path], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JACKWATCH_DB", db_url)
    stored = run_cli("detect", probe_files["document"], "--quiet", "--format", "json")
    assert stored.code == 0, stored.describe()
    listed = run_cli("findings", "--format", "json")
    assert listed.code == 0, listed.describe()
    assert signature(listed.report()["findings"]) == signature(stored.report()["findings"])


def test_a_bad_store_url_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    result = run_cli("detect", tmp_path / "not-read-yet", "--db", "mysql://root@127.0.0.1/jackwatch", "--quiet")
    assert (result.code, result.stdout) == (2, b""), result.describe()
    assert "unsupported database URL" in result.stderr and "not-read-yet" not in result.stderr


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [("high", 1), ("HIGH", 1), ("medium", 1), ("info", 1), ("critical", 0)],
)
def test_fail_on(fail_on: str, code: int, probe_files: dict[str, Path]) -> None:
    result = detect(probe_files["document"], "--fail-on", fail_on, "--format", "json")
    assert result.code == code, result.describe()
    assert len(result.report()["findings"]) == 3


def test_fail_on_without_findings_succeeds(tmp_path: Path) -> None:
    quiet = trails.write(tmp_path / "quiet.json", trails.cloudtrail_document(trails.probe_trace()[:1]))
    result = detect(quiet, "--fail-on", "info", "--format", "json")
    assert result.code == 0, result.describe()
    assert result.report()["findings"] == []


def test_a_missing_input_is_a_usage_error(tmp_path: Path, probe_files: dict[str, Path]) -> None:
    missing = tmp_path / "no-such-trail"
    result = detect(probe_files["document"], missing)
    assert (result.code, result.stdout) == (2, b""), result.describe()
    assert str(missing) in result.stderr and "no such file or directory" in result.stderr


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--format", "xml"),
        ("--fail-on", "severe"),
        ("--since", "yesterday"),
        ("--until", "2025-13-45"),
        ("--since", "99999999d"),
    ],
)
def test_bad_option_values_are_usage_errors(option: str, value: str, probe_files: dict[str, Path]) -> None:
    result = detect(probe_files["document"], option, value)
    assert (result.code, result.stdout) == (2, b""), result.describe()
    assert value in result.stderr
    assert "Traceback" not in result.stderr


def test_since_after_until_is_a_usage_error(probe_files: dict[str, Path]) -> None:
    result = detect(probe_files["document"], "--since", "2025-06-11", "--until", "2025-06-10")
    assert result.code == 2, result.describe()
    assert "must be before" in result.stderr


def test_standard_input_twice_is_a_usage_error() -> None:
    result = detect("-", "-")
    assert result.code == 2 and "standard input" in result.stderr, result.describe()


def test_unreadable_files_among_good_ones(probe_files: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(probe_files["gzip"], folder / "good.json.gz")
    os.mkfifo(folder / "pipe.json")
    (folder / "dangling.json.gz").symlink_to(tmp_path / "gone.json.gz")
    result = detect(folder, "--format", "json", "--fail-on", "high")
    assert result.code == 2, result.describe()
    report = result.report()
    assert by_rule(report)["aws.bedrock.invoke_probe"]["count"] == 3
    stats = report["stats"]
    assert (stats["events_read"], stats["files_read"], stats["files_failed"]) == (5, 1, 2)
    assert stats["skipped_by_reason"] == {"unreadable": 2}
    assert {p["location"] for p in stats["problems"]} == {str(folder / "pipe.json"), str(folder / "dangling.json.gz")}


def test_an_empty_directory_is_reported_not_fatal(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    report = detect_json(empty)
    stats = report["stats"]
    assert (report["findings"], stats["events_read"], stats["files_failed"]) == ([], 0, 0)
    assert [(p["location"], p["reason"]) for p in stats["problems"]] == [(str(empty), "no_files")]


def test_console_script_reads_gzip_from_standard_input(probe_files: dict[str, Path]) -> None:
    data = probe_files["gzip"].read_bytes()
    result = run_jackwatch("detect", "-", "--no-store", "--format", "json", stdin=data)
    assert result.code == 0, result.describe()
    assert by_rule(result.report())["aws.bedrock.invoke_probe"]["count"] == 3
    failing = run_jackwatch("detect", "-", "--no-store", "--format", "jsonl", "--fail-on", "high", stdin=data)
    assert failing.code == 1, failing.describe()
    assert len(failing.jsonl()) == 3


def test_console_script_exit_codes_for_bad_usage(tmp_path: Path) -> None:
    missing = run_jackwatch("detect", tmp_path / "missing.json.gz", "--no-store")
    assert missing.code == 2 and "missing.json.gz" in missing.stderr, missing.describe()
    bad_format = run_jackwatch("detect", "-", "--no-store", "--format", "yaml")
    assert bad_format.code == 2 and "yaml" in bad_format.stderr, bad_format.describe()
    assert "Traceback" not in missing.stderr + bad_format.stderr
