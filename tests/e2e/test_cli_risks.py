"""``jackwatch risks``, ``paths`` and ``accept`` on a store filled by the demo: the risks and paths the store adds up
to, every output format, and accepted findings dropping out of risks until revoked — and the errors of each
command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.demo_env import DEMO
from tests.e2e.runner import run_cli

Report = dict[str, Any]
WORKLOAD = "k8s://manifests/support/Deployment/openai-app"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store holding everything the demo records."""
    path = tmp_path_factory.mktemp("risks") / "demo.db"
    result = run_cli("demo", DEMO, "--db", path, "--format", "jsonl")
    assert result.code == 0, result.describe()
    return str(path)


def risks_of(db: str, *options: str) -> Report:
    result = run_cli("risks", "--db", db, "--format", "json", *options)
    assert result.code == 0, result.describe()
    return result.report()


def workload_risk(report: Report) -> Report:
    [risk] = [r for r in report["risks"] if r["subject"]["id"] == WORKLOAD]
    return risk


def test_risks_are_sorted_and_explained(demo_store: str) -> None:
    report = risks_of(demo_store)
    ranks = ["critical", "high", "medium", "low", "info"]
    keys = [(ranks.index(r["severity"]), -r["score"]) for r in report["risks"]]
    assert keys == sorted(keys)
    risk = workload_risk(report)
    assert risk["severity"] == "critical" and risk["definition"] == "risk.workload.exposed_vulnerable_ai"
    assert all(f["findings"] and f["reason"] for f in risk["factors"])
    assert report["stats"]["risks"] == len(report["risks"]) and report["stats"]["accepted_findings"] == 0
    assert report["stats"]["assessed_at"] == "2025-06-10T17:59:34Z"


def test_the_risks_table(demo_store: str) -> None:
    result = run_cli("risks", "--db", demo_store)
    assert result.code == 0, result.describe()
    assert "Internet-exposed AI workload" in result.text and "Deployment support/openai-app" in result.text
    assert "■ Exposed to the internet (20)" in result.text and "risks: 3 critical" in result.text


def test_a_severity_threshold_and_a_bad_one(demo_store: str) -> None:
    assert risks_of(demo_store, "--severity", "critical")["risks"]
    bad = run_cli("risks", "--db", demo_store, "--severity", "urgent")
    assert bad.code == 2 and "not a severity" in bad.stderr


def test_extra_definitions_and_a_broken_file(demo_store: str, tmp_path: Path) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "risks:\n  - id: risk.mine\n    title: Any exposed workload\n    description: d\n    subject: workload\n"
        "    necessary: [internet_exposed]\n    severity: low\n",
        encoding="utf-8",
    )
    report = risks_of(demo_store, "--definitions", str(extra))
    assert "risk.mine" not in {r["definition"] for r in report["risks"]}  # told in full by the built-in risk
    extra.write_text("risks:\n  - id: risk.mine\n    subject: pod\n", encoding="utf-8")
    broken = run_cli("risks", "--db", demo_store, "--definitions", str(extra))
    assert broken.code == 2 and f"{extra}:" in broken.stderr


def test_paths_in_every_format(demo_store: str) -> None:
    body = run_cli("paths", "--db", demo_store, "--format", "json").report()
    [bedrock] = [p for p in body["paths"] if p["entry"]["id"] == "internet" and p["target"]["id"] == "ai:aws-bedrock"]
    assert WORKLOAD in [hop["to"]["id"] for hop in bedrock["hops"]]
    assert body["stats"]["paths"] == len(body["paths"]) and body["stats"]["truncated"] is False
    text = run_cli("paths", "--db", demo_store).text
    assert text.startswith("1. Internet → Service support/openai-app (LoadBalancer)") and "Amazon Bedrock" in text
    mermaid = run_cli("paths", "--db", demo_store, "--format", "mermaid").text
    assert mermaid.startswith("flowchart LR\n") and "-.->|can_invoke|" in mermaid
    dot = run_cli("paths", "--db", demo_store, "--format", "dot").text
    assert dot.startswith("digraph attack_paths {") and "Amazon Bedrock" in dot


def test_paths_to_models_and_to_nothing(demo_store: str) -> None:
    body = run_cli("paths", "--db", demo_store, "--format", "json", "--to", "model").report()
    assert body["paths"] and {p["target"]["kind"] for p in body["paths"]} == {"model"}
    short = run_cli("paths", "--db", demo_store, "--format", "json", "--max-hops", "3").report()
    assert all(len(p["hops"]) <= 3 for p in short["paths"])
    missing = run_cli("paths", "--db", demo_store, "--to", "no-such-thing")
    assert missing.code == 2 and "names no node" in missing.stderr


def test_accepting_a_finding_drops_it_out_of_risks_until_revoked(tmp_path: Path) -> None:
    db = str(tmp_path / "accept.db")
    assert run_cli("demo", DEMO, "--db", db, "--format", "jsonl").code == 0
    risk = workload_risk(risks_of(db))
    [exposure] = next(f for f in risk["factors"] if f["name"] == "internet_exposed")["findings"]
    accepted = run_cli(
        "accept", exposure["id"][:10], "--reason", "owned", "--note", "public on purpose", "--expires", "30d",
        "--by", "alice", "--db", db,
    )  # fmt: skip
    assert accepted.code == 0, accepted.describe()
    assert "Accepted" in accepted.text and "owned, by alice until" in accepted.text
    after = risks_of(db)
    assert after["stats"]["accepted_findings"] == 1
    left = [r["definition"] for r in after["risks"] if r["subject"]["id"] == WORKLOAD]
    assert left == ["risk.workload.runtime_detection"]  # the only workload risk that does not need exposure
    [runtime] = [r for r in after["risks"] if r["definition"] == "risk.workload.runtime_detection"]
    assert "internet_exposed" not in {factor["name"] for factor in runtime["factors"]}
    cited = json.dumps(run_cli("paths", "--db", db, "--format", "json").report())
    assert exposure["id"] not in cited
    listed = run_cli("accept", "--list", "--db", db, "--format", "json").report()
    [entry] = listed["acceptances"]
    assert (entry["finding_id"], entry["reason"], entry["accepted_by"], entry["state"]) == (
        exposure["id"],
        "owned",
        "alice",
        "active",
    )
    assert entry["note"] == "public on purpose" and entry["expires_at"]
    table = run_cli("accept", "--list", "--db", db)
    assert "Accepted risks" in table.text and exposure["id"][:12] in table.text
    revoked = run_cli("accept", exposure["id"][:10], "--revoke", "--by", "bob", "--db", db)
    assert revoked.code == 0 and "Revoked" in revoked.text
    assert workload_risk(risks_of(db))["severity"] == "critical"
    history = run_cli("accept", "--list", "--all", "--db", db, "--format", "json").report()["acceptances"]
    assert [(a["state"], a["revoked_by"]) for a in history] == [("revoked", "bob")]
    again = run_cli("accept", exposure["id"][:10], "--revoke", "--db", db)
    assert again.code == 0 and "is not accepted" in again.text


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((), "give the id of the finding"),
        (("abc",), "at least 6 characters"),
        (("ffffffffff", "--reason", "owned"), "no finding 'ffffffffff'"),
        (("FIRST", "--reason", "custom"), "needs a --note"),
        (("FIRST",), "--reason is required"),
        (("FIRST", "--reason", "owned", "--expires", "soon"), "neither a duration"),
        (("FIRST", "--reason", "owned", "--expires", "2020-01-01"), "already past"),
        (("FIRST", "--reason", "owned", "--expires", "0s"), "must be positive"),
        (("FIRST", "--list", "--revoke"), "separate actions"),
        (("FIRST", "--revoke", "--reason", "owned"), "only the finding"),
    ],
)
def test_accept_errors(demo_store: str, arguments: tuple[str, ...], message: str) -> None:
    first = risks_of(demo_store)["risks"][0]["factors"][0]["findings"][0]["id"]
    result = run_cli("accept", *(first if a == "FIRST" else a for a in arguments), "--db", demo_store)
    assert result.code == 2, result.describe()
    assert message in result.stderr
    assert risks_of(demo_store)["stats"]["accepted_findings"] == 0


def test_a_bad_reason_is_a_usage_error(demo_store: str) -> None:
    result = run_cli("accept", "0123456789", "--reason", "because", "--db", demo_store)
    assert result.code == 2 and "because" in result.stderr


def test_an_empty_store_has_no_risk_and_no_path(tmp_path: Path) -> None:
    db = str(tmp_path / "empty.db")
    assert risks_of(db)["risks"] == []
    empty = run_cli("risks", "--db", db)
    assert "No risks" in empty.text
    assert "No attack path" in run_cli("paths", "--db", db).text
    assert "No accepted risks" in run_cli("accept", "--list", "--db", db).text
