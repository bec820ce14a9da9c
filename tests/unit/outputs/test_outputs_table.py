"""The ``table`` output: a rich table of findings and a summary of what was read and skipped."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from tests.unit.outputs.findings import T0, USER, detection

from jackwatch.errors import Location
from jackwatch.model import CostBasis, CostFigures, Finding, Severity
from jackwatch.outputs import OutputFormat, render
from jackwatch.outputs.table import money, render_table
from jackwatch.sources.stats import MAX_PROBLEMS, ReadStats

ROLE = "arn:aws:iam::123456789012:role/LLMGateway"
LONG_RULE = "aws.bedrock.long_term_key_suspicious_client"
ESC = "\x1b["


def run_stats() -> dict[str, object]:
    stats = ReadStats(events_read=1204, files_read=3, files_failed=1)
    stats.skip("invalid_json", Location("logs/part-0001.json", 17), "Expecting ',' delimiter")
    stats.skip("invalid_json", Location("logs/part-0001.json", 18), "Expecting value")
    stats.skip("not_an_object", Location("logs/part-0003.json", 4), "record is a list, not an object")
    stats.skip("unreadable", Location("logs/locked.json"), "permission denied", records=0)
    return stats.as_dict()


def table(findings: list[Finding], stats: dict[str, object] | None = None, *, color: bool = False) -> str:
    out = io.BytesIO()
    render(OutputFormat.TABLE, findings, run_stats() if stats is None else stats, out, color=color)
    return out.getvalue().decode("utf-8")


def test_table_lists_rule_ids_titles_principals_and_counts() -> None:
    text = table(
        [
            detection(count=1204),
            detection(LONG_RULE, ROLE, title="Long-term key with a suspicious client", severity=Severity.MEDIUM),
        ]
    )
    for expected in (
        "2 finding(s)",
        "aws.bedrock.invoke_probe",
        LONG_RULE,
        "Bedrock invocation probe",
        "Long-term key with a suspicious client",
        USER,
        ROLE,
        "1204",
        "high",
        "medium",
    ):
        assert expected in text


def test_table_shows_where_the_calls_came_from() -> None:
    evidence = {
        "regions": ["ap-south-1", "eu-west-1", "us-east-1", "us-west-2"],
        "source_ips": ["194.48.248.108"],
        "asns": ["AS9009 M247 Europe SRL", "AS16509 Amazon.com, Inc.", "AS212238 Datacamp Limited"],
    }
    text = table([detection(evidence=evidence)])
    assert "ap-south-1, eu-west-1, us-east-1 (+1)" in text
    assert "194.48.248.108" in text
    assert "AS9009 M247 Europe SRL" in text
    assert "(+1)" in text
    assert "AS212238" not in text


def test_table_shows_the_pod_and_host_of_a_runtime_detection() -> None:
    evidence = {"source": "syscall", "pods": ["ai/chat-7d9"], "hosts": ["node-a", "node-b", "node-c"]}
    text = table([detection("runtime.shell_from_ai_server", "3f2a9c1b0e44", evidence=evidence)])
    assert "ai/chat-7d9; node-a, node-b (+1)" in " ".join(text.split())


def test_table_shows_times_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    finding = detection(first_seen=datetime(2024, 11, 3, 15, 2, tzinfo=paris), last_seen=T0 + timedelta(hours=1))
    assert "2024-11-03 14:02 → 15:02" in table([finding])


def test_table_shows_both_dates_when_a_finding_spans_days() -> None:
    finding = detection(last_seen=datetime(2024, 11, 5, 2, 30, tzinfo=UTC))
    assert "2024-11-03 14:02 → 2024-11-05 02:30" in table([finding])


@pytest.mark.parametrize("key", ["us-east-1", "anthropic.claude-3-5-sonnet-20240620-v1:0", "bold", "/red"])
def test_keys_and_principals_are_shown_literally_never_as_markup(key: str) -> None:
    text = table([detection(subject="arn:aws:iam::123456789012:user/[bold]mallory", key=key)])
    assert f"[{key}]" in text
    assert "[bold]mallory" in text


def test_summary_counts_what_was_read_and_every_skip_reason() -> None:
    text = table([detection()])
    assert "events read: 1204, skipped: 3, files read: 3, files failed: 1" in text
    assert "skipped 2 record(s): invalid_json" in text
    assert "skipped 1 record(s): not_an_object" in text
    assert "logs/part-0001.json:17: Expecting ',' delimiter" in text
    assert "logs/locked.json: permission denied" in text


def test_summary_shows_problem_text_literally() -> None:
    stats = ReadStats(events_read=1)
    stats.skip("invalid_json", Location("logs/[/tmp]/part.json", 2), "bad [red]token[/red] near '[/'")
    text = table([], stats.as_dict())
    assert "logs/[/tmp]/part.json:2: bad [red]token[/red] near '[/'" in text


def test_summary_lists_ten_problems_and_counts_the_rest() -> None:
    stats = ReadStats()
    for line in range(1, MAX_PROBLEMS + 31):
        stats.skip("invalid_json", Location("logs/big.json", line), "Expecting value")
    text = table([], stats.as_dict())
    assert "logs/big.json:10: Expecting value" in text
    assert "logs/big.json:11:" not in text
    assert f"… {MAX_PROBLEMS + 30 - 10} more problem(s)" in text


def test_summary_counts_dropped_problems_even_when_few_are_listed() -> None:
    stats = {"events_read": 5, "problems": [{"location": "a.json:1", "message": "bad"}], "problems_dropped": 4}
    assert "… 4 more problem(s)" in table([], stats)


def test_no_findings_still_reports_the_run() -> None:
    text = table([])
    assert "No findings." in text
    assert "events read: 1204" in text


def test_empty_stats_print_no_summary() -> None:
    text = table([detection()], {})
    assert "aws.bedrock.invoke_probe" in text
    assert "events read" not in text


def test_plain_text_has_no_escape_codes_and_colour_has_them() -> None:
    findings = [detection(severity=Severity.CRITICAL)]
    assert ESC not in table(findings)
    assert ESC in table(findings, color=True)


def test_rows_follow_the_given_order() -> None:
    text = render_table(
        [detection("aws.bedrock.region_fanout"), detection("aws.bedrock.action_diversity")], {}, color=False
    )
    assert text.index("aws.bedrock.region_fanout") < text.index("aws.bedrock.action_diversity")


def test_plain_table_keeps_long_principals_and_rule_ids_on_one_line() -> None:
    role = "arn:aws:sts::123456789012:assumed-role/BedrockGatewayRole"
    text = table([detection(LONG_RULE, role)])
    assert role in text
    assert LONG_RULE in text


def test_terminal_table_fits_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    text = table([detection(LONG_RULE, ROLE)], color=True)
    visible = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert LONG_RULE in visible
    assert max(len(line) for line in visible.splitlines()) <= 100


def test_cost_column_shows_spend_burn_rate_projection_and_estimates() -> None:
    exact = detection(cost=CostFigures(46_210.5, 1925.4, 46_209.6, CostBasis.TOKENS, False))
    guessed = detection(
        "aws.bedrock.invocation_volume", cost=CostFigures(12.3, 12.3, 295.2, CostBasis.INVOCATIONS, True)
    )
    unpriced = detection("aws.bedrock.logging_recon")
    text = render_table([exact, guessed, unpriced], {}, color=False)
    assert "cost (USD)" in text
    assert "$46.2k" in text and "$1,925/h → $46.2k/24h" in text
    assert "~$12.30" in text and "~$12.30/h → $295/24h" in text


def test_no_cost_column_when_nothing_is_priced() -> None:
    assert "cost (USD)" not in render_table([detection()], {}, color=False)


@pytest.mark.parametrize(
    ("usd", "shown"),
    [
        (0.0, "$0.00"),
        (0.421, "$0.42"),
        (99.999, "$100.00"),
        (1234.4, "$1,234"),
        (45_210, "$45.2k"),
        (2_345_000, "$2.3M"),
    ],
)
def test_money(usd: float, shown: str) -> None:
    assert money(usd) == shown
