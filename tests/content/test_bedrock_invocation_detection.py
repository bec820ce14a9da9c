"""Bedrock invocation logs through the whole pipeline: read, detect with the built-in pack, findings.

Each rule of the pack fires on its pattern, and nothing that leaves the pipeline — outputs, evidence,
findings — holds prompt or completion text or a secret: only redacted forms and fingerprints.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from tests.unit.secrets.samples import sample

from jackwatch.detect.service import DetectionResult, Detector, RuleSelection, build_detector, detect_events
from jackwatch.normalize.asn import AsnDb
from jackwatch.outputs.serialize import finding_to_dict
from jackwatch.secrets import fingerprint, redact
from jackwatch.sources.bedrock_invocation import read_bedrock_invocation
from jackwatch.sources.stats import ReadStats

ACCOUNT = "123456789012"
START = datetime(2026, 11, 19, 0, 0, tzinfo=UTC)
PROMPT = "Here is our staging config, please find why the deploy fails:"
COMPLETION = "The deploy fails because this key was revoked:"


@lru_cache(maxsize=1)
def detector() -> Detector:
    return build_detector(RuleSelection(), AsnDb.load())


def invocation(at: timedelta, role: str, number: int, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": (START + at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accountId": ACCOUNT,
        "identity": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/session-1"},
        "region": "us-east-1",
        "requestId": f"7d1e0000-0000-4000-8000-{role[:4].encode().hex()}{number:04d}",
        "operation": "Converse",
        "modelId": "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "input": {
            "inputContentType": "application/json",
            "inputBodyJson": {"messages": [{"role": "user", "content": [{"text": "Summarise this ticket."}]}]},
            "inputTokenCount": 3000,
        },
        "output": {
            "outputContentType": "application/json",
            "outputBodyJson": {
                "output": {"message": {"role": "assistant", "content": [{"text": "A refund request."}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": 3000, "outputTokens": 1000, "totalTokens": 4000},
            },
            "outputTokenCount": 1000,
        },
    }
    record.update(fields)
    return record


def scenario() -> tuple[list[dict[str, Any]], list[str]]:
    """Records of four principals, each showing one pattern; and the strings no output may hold."""
    aws, openai = sample("aws_access_key", 31), sample("openai_api_key", 32)
    leak = invocation(timedelta(hours=30), "support-bot", 1)
    leak["input"]["inputBodyJson"]["messages"][0]["content"][0]["text"] = f"{PROMPT}\n{aws.text}"
    leak["output"]["outputBodyJson"]["output"]["message"]["content"][0]["text"] = f"{COMPLETION} {openai.secret}"
    records = [leak]
    records += [
        invocation(timedelta(hours=30, seconds=10 * i), "key-checker", i, errorCode="ValidationException", output=None)
        for i in range(5)
    ]
    blocked = {"stopReason": "guardrail_intervened", "usage": {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0}}
    records += [
        invocation(timedelta(hours=31, minutes=5 * i), "roleplay", i, output={"outputBodyJson": blocked})
        for i in range(6)
    ]
    records += [invocation(timedelta(hours=hour, minutes=20), "openai-app", hour) for hour in range(24)]
    burst = invocation(timedelta(hours=24, minutes=30), "openai-app", 99)
    burst["input"]["inputTokenCount"] = 700000
    burst["output"]["outputBodyJson"]["usage"] = {"inputTokens": 700000, "outputTokens": 1000, "totalTokens": 701000}
    records.append(burst)
    return records, [aws.secret, openai.secret, PROMPT, COMPLETION, "Summarise this ticket"]


def run(tmp_path: Path) -> tuple[DetectionResult, list[str]]:
    records, forbidden = scenario()
    path = tmp_path / "invocations.jsonl"
    path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    read = ReadStats()
    events = read_bedrock_invocation([str(path)], read)
    return detect_events(detector(), events, read), forbidden


def test_each_rule_fires_on_its_principal(tmp_path: Path) -> None:
    result, _ = run(tmp_path)
    found = {(finding.rule_id, finding.subject) for finding, _ in result.findings}
    role = f"arn:aws:iam::{ACCOUNT}:role/"
    assert found == {
        ("aws.bedrock.secrets_in_prompt", role + "support-bot"),
        ("aws.bedrock.validation_errors_burst", role + "key-checker"),
        ("aws.bedrock.guardrail_blocks_burst", role + "roleplay"),
        ("aws.bedrock.token_spike", role + "openai-app"),
    }
    assert result.read.events_read == 37 and result.read.events_skipped == 0


def test_no_output_evidence_or_finding_holds_text_or_a_secret(tmp_path: Path) -> None:
    result, forbidden = run(tmp_path)
    published = json.dumps([finding_to_dict(finding) for finding, _ in result.findings])
    for text in forbidden:
        assert text not in published
    (leak,) = [finding for finding, _ in result.findings if finding.rule_id == "aws.bedrock.secrets_in_prompt"]
    aws, openai = sample("aws_access_key", 31), sample("openai_api_key", 32)
    output = str(leak.evidence["output"])
    for secret in (aws.secret, openai.secret):
        assert redact(secret) in output and fingerprint(secret) in output
    assert leak.evidence["regions"] == ["us-east-1"]
    assert leak.evidence["models"] == ["anthropic.claude-3-5-sonnet-20240620-v1:0"]


def test_a_finding_about_several_leaks_names_every_credential(tmp_path: Path) -> None:
    keys = [sample("aws_access_key", 41), sample("openai_api_key", 42), sample("anthropic_api_key", 43)]
    records = []
    for number, key in enumerate(keys):
        record = invocation(timedelta(hours=1, minutes=number), "support-bot", number)
        record["input"]["inputBodyJson"]["messages"][0]["content"][0]["text"] = f"{PROMPT}\n{key.text}"
        records.append(record)
    path = tmp_path / "leaks.jsonl"
    path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    read = ReadStats()
    result = detect_events(detector(), read_bedrock_invocation([str(path)], read), read)
    (leak,) = [finding for finding, _ in result.findings if finding.rule_id == "aws.bedrock.secrets_in_prompt"]
    assert leak.count == 3
    named = " ".join(map(str, leak.evidence["secrets"]))
    for key in keys:
        assert fingerprint(key.secret) in named and key.secret not in named
