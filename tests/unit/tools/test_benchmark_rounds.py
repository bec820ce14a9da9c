"""Tests for benchmarks/rounds.py: the modes alternate round after round, and each keeps its best round."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from tests.scripts import load_script

ROUNDS = load_script(Path(__file__).resolve().parents[3] / "benchmarks" / "rounds.py")

CHILD = """
import json, sys
from pathlib import Path
mode, corpus = sys.argv[2], Path(sys.argv[4])
log = corpus / "log"
runs = log.read_text().split() if log.exists() else []
log.write_text(" ".join([*runs, mode]))
seconds = json.loads((corpus / "seconds.json").read_text())[mode][runs.count(mode)]
print("noise")
print(json.dumps({"records": 1000, "seconds": seconds * 1.5, "cpu_seconds": seconds, "peak_rss_mb": 40}))
"""


def test_the_modes_alternate_and_each_keeps_its_fastest_round(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    (tmp_path / "seconds.json").write_text(json.dumps({"base": [2.0, 1.0, 4.0], "full": [5.0, 8.0, 4.0]}))
    rounds = ROUNDS.Rounds(script, ["base", "full"], tmp_path, 3, "records")
    assert (tmp_path / "log").read_text().split() == ["base", "full"] * 3
    assert rounds.rates(rounds.best("base")) == (1000.0, 1000 / 1.5)
    assert rounds.best("full")["cpu_seconds"] == 4.0
    assert rounds.spread("base") == ", rounds 250–1,000"
    assert rounds.micros("base") == 1000.0  # 1 CPU second for 1,000 records, its best round
    assert rounds.micros("full") == 4000.0


def test_the_report_gives_the_best_rates_and_their_ratio(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD.replace('"peak_rss_mb": 40', '"peak_rss_mb": 40, "startup": 0.5'), encoding="utf-8")
    (tmp_path / "seconds.json").write_text(json.dumps({"base": [2.0, 1.0], "detect": [5.0, 4.0]}))
    rounds = ROUNDS.Rounds(script, ["base", "detect"], tmp_path, 2, "records")
    capsys.readouterr()
    assert rounds.report(tmp_path, "measured", "rules", ["base"])["cpu_seconds"] == 4.0
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[2]
        == "base (gunzip + JSON parse): 1,000 records/s of CPU (667 wall-clock, rounds 500–1,000), peak RSS 40 MB"
    )
    assert lines[3].startswith(
        "measured: 250 records/s of CPU (167 wall-clock, rounds 200–250), peak RSS 40 MB (+ 0.5 s"
    )
    assert lines[4] == "ratio detect/base: 25.0% (25.0% wall-clock)"


def test_one_round_has_no_spread(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    (tmp_path / "seconds.json").write_text(json.dumps({"base": [2.0]}))
    rounds = ROUNDS.Rounds(script, ["base"], tmp_path, 1, "records")
    assert rounds.best("base")["cpu_seconds"] == 2.0
    assert rounds.spread("base") == ""


@pytest.mark.parametrize("text", ["0", "-2", "two", ""])
def test_a_round_count_is_one_or_more(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        ROUNDS.round_count(text)
    assert ROUNDS.round_count("4") == 4
