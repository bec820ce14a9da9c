"""Tests for benchmarks/invocation_throughput.py on a small corpus: every mode runs, and the report gives the rates,
the split of a record's cost between reading and what follows it, and the matches of the full pipeline."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"
RECORDS = 8000


def test_one_round_reports_rates_the_split_of_a_record_and_the_matches(tmp_path: Path) -> None:
    generate = [sys.executable, str(BENCHMARKS / "generate_invocation_corpus.py"), "--records", str(RECORDS)]
    settings = ["--hours", "8", "--principals", "200", "--accounts", "2", "--workers", "1"]
    subprocess.run([*generate, *settings, "--out", str(tmp_path)], check=True, capture_output=True)
    command = [sys.executable, str(BENCHMARKS / "invocation_throughput.py"), "--corpus", str(tmp_path), "--rounds", "1"]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    ran = re.findall(r"round 1/1: (\S+) …", done.stderr)
    assert ran == ["baseline-orjson", "baseline-msgspec", "read", "after-reading", "detect"]
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"corpus: {tmp_path} ({RECORDS:,} records")
    assert any(line.startswith("jackwatch detect (full pack, pricing): ") for line in lines)
    assert any(line.startswith("invocation log reader: ") for line in lines)
    split = next(line for line in lines if line.startswith("CPU per record: "))
    found = re.fullmatch(
        r"CPU per record: reading ([\d.]+) µs \(files, gunzip, parsing, compact events\), the rest (-?[\d.]+) µs"
        r" \(reorder, rules, ledger, findings; ([\d.]+) µs over events read beforehand\), ([\d.]+) µs in all;"
        r" the target leaves 33\.3 µs",
        split,
    )
    assert found is not None, split
    reading, rest, _after, whole = map(float, found.groups())
    assert abs(reading + rest - whole) < 0.15  # each figure rounded to a tenth
    matches = lines[-1]
    assert matches.startswith("matches: ") and "aws.bedrock.token_spike" in matches
    assert re.search(r"findings with a cost [1-9]", matches)
