"""Compact events: the reader works out what the bodies say, keeps it in the memo, and drops the bodies."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
from tests.unit.secrets.samples import sample
from tests.unit.sources.sourcekit import Reader, RecordFactory, json_lines, put

from jackwatch.normalize import principal_from_record
from jackwatch.rules.fields.bedrock_invocation import bedrock_invocation_fields
from jackwatch.sources.bedrock_invocation import to_event
from jackwatch.sources.bedrock_invocation.bodies import COMPACT_KEY, KEPT_KEYS, compact, without_bodies
from jackwatch.sources.bedrock_invocation.identity import PRINCIPAL_KEY

FIELDS = bedrock_invocation_fields()


def with_text(record: RecordFactory, index: int, prompt: str, completion: str) -> dict[str, Any]:
    raw = record(index)
    raw["input"]["inputBodyJson"]["messages"][0]["content"][0]["text"] = prompt
    raw["output"]["outputBodyJson"]["output"]["message"]["content"][0]["text"] = completion
    return raw


def values(event: Any) -> dict[str, object]:
    return {name: field.extract(event, None) for name, field in FIELDS.fields.items()}


def test_the_reader_hands_on_compact_events_whose_fields_are_those_of_the_whole_record(
    tmp_path: Path, read: Reader, record: RecordFactory
) -> None:
    key = sample("openai_api_key", 3)
    blocked = record(2)
    blocked["output"]["outputBodyJson"]["stopReason"] = "guardrail_intervened"
    no_bodies = record(3)
    del no_bodies["input"]["inputBodyJson"], no_bodies["output"]
    raws = [with_text(record, 1, f"use {key.secret} please", "done"), blocked, no_bodies]
    events, _ = read([put(tmp_path / "a.jsonl", json_lines(raws))])
    for event, raw in zip(events, raws, strict=True):
        assert event.memo[COMPACT_KEY] is True
        assert event.raw == without_bodies(raw)
        assert key.secret not in orjson.dumps(event.raw).decode()
        assert values(event) == values(to_event(copy.deepcopy(raw), event.origin))
    assert [values(event)["bedrock.secrets"] for event in events] == [("openai_api_key",), (), None]
    assert values(events[1])["bedrock.guardrail"] == "intervened"


def test_a_compact_event_is_its_own_retained_copy(record: RecordFactory) -> None:
    event = compact(to_event(record(4), "f"))
    assert FIELDS.retain is not None
    assert FIELDS.retain(event) is event
    assert set(event.raw) <= set(KEPT_KEYS) | {"input", "output"}
    assert event.raw["output"] == {"outputTokenCount": 8}


def test_the_record_read_is_never_modified(record: RecordFactory) -> None:
    raw = with_text(record, 5, "text " + sample("slack_token", 6).secret, "reply")
    before = copy.deepcopy(raw)
    event = to_event(raw, "f")
    compact(event)
    assert raw == before and event.raw is raw


def test_the_reader_works_out_who_made_each_call_once_per_identity(
    tmp_path: Path, read: Reader, record: RecordFactory
) -> None:
    other_session = record(2)
    other_session["identity"] = {"arn": other_session["identity"]["arn"].replace("i-0a1b", "i-9f8e")}
    with_id = record(3)
    with_id["identity"]["principalId"] = "AROAEXAMPLE:i-0a1b2c3d4e5f60718"
    raws = [record(1), record(4), other_session, with_id]
    events, _ = read([put(tmp_path / "a.jsonl", json_lines(raws))])
    principals = [event.memo[PRINCIPAL_KEY] for event in events]
    assert principals[0] is principals[1]  # one identity: one principal, made once
    assert principals[2] is not principals[0] and principals[2].id == principals[0].id  # the role, not the session
    assert principals[0].id == f"arn:aws:iam::{raws[0]['accountId']}:role/chat-backend"
    for principal, raw in zip(principals, raws, strict=True):
        expected = principal_from_record({"userIdentity": raw["identity"], "recipientAccountId": raw["accountId"]})
        assert principal == expected
