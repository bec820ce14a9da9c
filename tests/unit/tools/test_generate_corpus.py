"""Tests for benchmarks/generate_corpus.py on small corpora: layout, shapes, ratios, determinism."""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from datetime import timedelta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.scripts import load_script

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))

import cloudtrail_synth as ct

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "generate_corpus.py"
REQUIRED = (
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestID",
    "eventID",
    "readOnly",
    "eventType",
    "managementEvent",
    "recipientAccountId",
    "eventCategory",
)


@cache
def corpus() -> ModuleType:
    return load_script(SCRIPT)


def small_plan(**overrides: Any) -> Any:
    settings = {"events": 9000, "seed": 11, "principals": 3000, "accounts": 3, "per_slot": 4000}
    return corpus().Plan(**{**settings, **overrides})


def build(out: Path, workers: int = 1, **overrides: Any) -> Any:
    total = corpus().SlotResult()
    for result in corpus().generate(small_plan(**overrides), out, workers):
        total.add(result)
    return total


def read(out: Path) -> dict[str, list[dict[str, Any]]]:
    return {
        p.relative_to(out).as_posix(): json.loads(gzip.decompress(p.read_bytes()))["Records"]
        for p in sorted(out.rglob("*.json.gz"))
    }


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.json.gz"))}


def principal(record: dict[str, Any]) -> str:
    ui = record["userIdentity"]
    return str(ui.get("sessionContext", {}).get("sessionIssuer", {}).get("arn") or ui.get("arn") or ui.get("invokedBy"))


def test_files_follow_the_aws_layout_and_hold_their_slot_and_region(tmp_path: Path) -> None:
    total = build(tmp_path)
    files = read(tmp_path)
    assert len(files) == total.files > 0
    start = corpus().START
    for key, records in files.items():
        match = ct.OBJECT_KEY_RE.match(key)
        assert match is not None, key
        assert records and len(records) <= ct.MAX_RECORDS_PER_FILE
        delivered = ct.parse_time(
            f"{match['stamp'][:4]}-{match['stamp'][4:6]}-{match['stamp'][6:8]}T"
            f"{match['stamp'][9:11]}:{match['stamp'][11:13]}:00Z"
        )
        assert (delivered - start) % timedelta(minutes=5) == timedelta(0)
        times = [r["eventTime"] for r in records]
        assert times == sorted(times)
        for r in records:
            assert delivered - timedelta(minutes=5) <= ct.parse_time(r["eventTime"]) < delivered
            assert r["awsRegion"] == match["region"]
            assert r["recipientAccountId"] == match["account"]


def test_records_are_complete_cloudtrail_events(tmp_path: Path) -> None:
    build(tmp_path)
    records = [r for batch in read(tmp_path).values() for r in batch]
    assert len(records) == 9000
    assert len({r["eventID"] for r in records}) == len(records)
    for r in records:
        assert all(k in r for k in REQUIRED), sorted(set(REQUIRED) - set(r))
        assert r["eventType"] == "AwsApiCall" and r["managementEvent"] is True
        assert json.loads(json.dumps(r)) == r
        assert ("tlsDetails" in r) == (not r["sourceIPAddress"].endswith(".amazonaws.com"))
    types = Counter(r["userIdentity"]["type"] for r in records)
    assert {"IAMUser", "AssumedRole"} <= set(types)
    assert types["AssumedRole"] > types["IAMUser"]


def test_five_percent_bedrock_with_normal_and_llmjacking_patterns(tmp_path: Path) -> None:
    total = build(tmp_path)
    records = [r for batch in read(tmp_path).values() for r in batch]
    bedrock = [r for r in records if r["eventSource"] == "bedrock.amazonaws.com"]
    assert len(bedrock) == total.bedrock == round(4000 * 0.05) * 2 + round(1000 * 0.05)
    names = Counter((r["eventName"], r.get("errorCode")) for r in bedrock)
    assert names[("InvokeModel", "ValidationException")] > 0
    assert names[("ListFoundationModels", "AccessDenied")] > 0
    assert names[("GetModelInvocationLoggingConfiguration", None)] > 0
    assert names[("GetFoundationModelAvailability", None)] > 0
    assert any(r.get("additionalEventData", {}).get("callWithBearerToken") for r in bedrock)
    agents = Counter(r["userAgent"] for r in bedrock)
    assert agents[ct.AXIOS_UA] > 0 and agents[ct.AIOHTTP_UA] > 0
    legit = [r for r in bedrock if r["userAgent"].startswith(("Boto3", "aws-sdk", "APN")) and "errorCode" not in r]
    assert len(legit) > len(bedrock) / 2


def test_many_principals_accounts_and_regions(tmp_path: Path) -> None:
    build(tmp_path, events=20000, per_slot=10000)
    records = [r for batch in read(tmp_path).values() for r in batch]
    assert len({principal(r) for r in records}) > 1500
    assert len({r["recipientAccountId"] for r in records}) == 3
    assert len({r["awsRegion"] for r in records}) >= 10


def test_same_seed_same_bytes_whatever_the_worker_count(tmp_path: Path) -> None:
    build(tmp_path / "one", workers=1)
    build(tmp_path / "two", workers=2)
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_other_seed_other_corpus(tmp_path: Path) -> None:
    build(tmp_path / "a", events=2000)
    build(tmp_path / "b", events=2000, seed=12)
    assert snapshot(tmp_path / "a") != snapshot(tmp_path / "b")


def test_command_line_writes_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--events", "3000", "--out", str(tmp_path), "--principals", "500", "--accounts", "2", "--workers", "1"]
    assert corpus().main(args) == 0
    summary = json.loads((tmp_path / "corpus.json").read_text())
    assert summary["events"] == 3000
    assert summary["bedrock_events"] == 150
    assert summary["files"] == len(read(tmp_path))
    assert "events/s" in capsys.readouterr().out


def test_command_line_rejects_impossible_plans(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        corpus().main(["--events", "0", "--out", str(tmp_path)])
    assert exit_info.value.code == 2


JSON_SAFE = st.text(st.characters(codec="utf-8"), max_size=30)


@given(ip=JSON_SAFE, ua=JSON_SAFE, region=JSON_SAFE)
def test_templates_fill_into_valid_json(ip: str, ua: str, region: str) -> None:
    g = corpus()
    template = g.record_template("ec2", "DescribeInstances", request={"filter": "100% @@REGION@@"})
    safe = {k: json.dumps(v)[1:-1] for k, v in {"ip": ip, "ua": ua, "region": region}.items()}
    values = {
        "ident": '{"type":"Root"}',
        "time": "2025-06-10T00:00:00Z",
        "account": "123456789012",
        "req": "r",
        "evt": "e",
    }
    record = json.loads(template % {**values, **safe})
    assert record["sourceIPAddress"] == ip
    assert record["userAgent"] == ua
    assert record["awsRegion"] == region
    assert record["requestParameters"] == {"filter": f"100% {region}"}
    assert record["userIdentity"] == {"type": "Root"}
