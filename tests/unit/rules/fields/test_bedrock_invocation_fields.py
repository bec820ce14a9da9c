"""Fields of the aws_bedrock_invocation source on realistic invocation records, missing values included."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from tests.unit.secrets.samples import sample
from tests.unit.sources.bedrock_invocation.invocations import ACCOUNT, make_record

from jackwatch.model import Event
from jackwatch.rules.fields import SourceFields
from jackwatch.rules.fields.bedrock_invocation import bedrock_invocation_fields
from jackwatch.rules.fields.docs import render_field_docs
from jackwatch.secrets import fingerprint, redact, scan_text
from jackwatch.sources.bedrock_invocation import bodies, to_event

FIELDS: SourceFields = bedrock_invocation_fields()


def converse(**fields: Any) -> dict[str, Any]:
    """A ConverseStream call through an inference profile of Amazon Nova."""
    stream = {
        "timestamp": "2025-03-11T00:38:02Z",
        "requestId": "ff4b6c63-5561-4431-93b8-06a817275900",
        "operation": "ConverseStream",
        "modelId": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.amazon.nova-lite-v1:0",
    }
    return make_record(**{**stream, **fields})


def event_of(raw: dict[str, Any]) -> Event:
    return to_event(raw, "s3://logs/AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2025/03/11/00/a.gz")


def value(event: Event, name: str) -> object:
    return FIELDS.fields[name].extract(event, None)


def test_every_field_of_a_successful_converse_stream() -> None:
    event = event_of(converse())
    assert {name: value(event, name) for name in FIELDS.fields} == {
        "bedrock.operation": "ConverseStream",
        "bedrock.model_id": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.amazon.nova-lite-v1:0",
        "bedrock.model": "amazon.nova-lite-v1:0",
        "bedrock.principal": f"arn:aws:iam::{ACCOUNT}:role/chat-backend",
        "bedrock.account": ACCOUNT,
        "bedrock.region": "us-east-1",
        "bedrock.request_id": "ff4b6c63-5561-4431-93b8-06a817275900",
        "bedrock.input_tokens": 4,
        "bedrock.output_tokens": 8,
        "bedrock.cache_read_tokens": 0,
        "bedrock.cache_write_tokens": 0,
        "bedrock.total_tokens": 12,
        "bedrock.error_code": None,
        "bedrock.error": False,
        "bedrock.guardrail": None,
        "bedrock.secrets": (),
        "bedrock.secret_evidence": (),
        "bedrock.prompt_chars": len("hello how are you"),
    }
    assert FIELDS.name_field == "bedrock.operation" and FIELDS.source == "aws_bedrock_invocation"
    assert FIELDS.principal(event) == f"arn:aws:iam::{ACCOUNT}:role/chat-backend"
    assert FIELDS.evidence(event) == {"region": "us-east-1", "model": "amazon.nova-lite-v1:0"}


def test_a_failed_invocation() -> None:
    raw = converse(operation="InvokeModel", modelId="anthropic.claude-v2", errorCode="ValidationException")
    raw["input"] = {
        "inputContentType": "application/json",
        "inputBodyJson": {"prompt": "\n\nHuman:\n\nAssistant:", "max_tokens_to_sample": -1},
    }
    del raw["output"]
    event = event_of(raw)
    assert value(event, "bedrock.error_code") == "ValidationException" and value(event, "bedrock.error") is True
    assert [
        value(event, name) for name in ("bedrock.input_tokens", "bedrock.output_tokens", "bedrock.total_tokens")
    ] == [
        None,
        None,
        None,
    ]
    assert value(event, "bedrock.secrets") == () and value(event, "bedrock.guardrail") is None


def test_a_record_with_nothing_optional() -> None:
    event = event_of({"timestamp": "2025-03-11T00:38:02Z", "operation": "InvokeModel"})
    optional = {name: value(event, name) for name in FIELDS.fields if name != "bedrock.operation"}
    assert optional == {
        **dict.fromkeys(optional, None),
        "bedrock.principal": "unknown",
        "bedrock.error": False,
    }
    assert FIELDS.evidence(event) == {}


@pytest.mark.parametrize(
    ("arn", "principal", "account"),
    [
        (f"arn:aws:iam::{ACCOUNT}:user/dheeraj", f"arn:aws:iam::{ACCOUNT}:user/dheeraj", ACCOUNT),
        (f"arn:aws:iam::{ACCOUNT}:user/BedrockAPIKey-k3y1", f"arn:aws:iam::{ACCOUNT}:user/BedrockAPIKey-k3y1", ACCOUNT),
        (
            "arn:aws:sts::444455556666:assumed-role/BEDROCKPLAYGROUNDACCESS/uwga",
            "arn:aws:iam::444455556666:role/BEDROCKPLAYGROUNDACCESS",
            "444455556666",
        ),
        (
            "arn:aws-us-gov:sts::444455556666:assumed-role/ops/jane",
            "arn:aws-us-gov:iam::444455556666:role/ops",
            "444455556666",
        ),
        (f"arn:aws:iam::{ACCOUNT}:root", f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT),
        ("<redacted>", "<redacted>", None),
    ],
)
def test_principals_roll_up_like_cloudtrail(arn: str, principal: str, account: str | None) -> None:
    raw = converse(identity={"arn": arn})
    del raw["accountId"]  # the account then comes from the ARN
    event = event_of(raw)
    assert (value(event, "bedrock.principal"), value(event, "bedrock.account")) == (principal, account)


@pytest.mark.parametrize(
    ("model_id", "model"),
    [
        ("anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"),
        ("eu.anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-70b-instruct-v1:0",
            "meta.llama3-70b-instruct-v1:0",
        ),
        (
            f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/xyz",
            f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/xyz",
        ),
    ],
)
def test_the_model_is_normalised_and_the_raw_id_kept(model_id: str, model: str) -> None:
    event = event_of(converse(modelId=model_id))
    assert (value(event, "bedrock.model_id"), value(event, "bedrock.model")) == (model_id, model)


def test_guardrail_of_a_converse_call() -> None:
    raw = converse()
    raw["output"]["outputBodyJson"]["stopReason"] = "guardrail_intervened"
    assert value(event_of(raw), "bedrock.guardrail") == "intervened"


def test_token_fields_fall_back_to_the_usage_object_and_refuse_bad_counts() -> None:
    raw = converse()
    raw["input"]["inputTokenCount"] = -1
    raw["input"]["cacheReadInputTokenCount"] = "many"
    event = event_of(raw)
    assert value(event, "bedrock.input_tokens") == 4
    assert value(event, "bedrock.cache_read_tokens") is None


def secret_record(prompt: str, completion: str) -> dict[str, Any]:
    raw = converse()
    raw["input"]["inputBodyJson"]["messages"][0]["content"][0]["text"] = prompt
    raw["output"]["outputBodyJson"]["output"]["message"]["content"][0]["text"] = completion
    return raw


def test_secrets_in_the_prompt_and_the_completion_give_kinds_and_redacted_evidence() -> None:
    aws, openai = sample("aws_access_key", 1), sample("openai_api_key", 2)
    raw = secret_record(f"why is boto3 failing?\n{aws.text}", f"Use this key instead: {openai.secret}")
    event = event_of(raw)
    assert value(event, "bedrock.secrets") == ("aws_access_key", "openai_api_key")
    evidence = value(event, "bedrock.secret_evidence")
    assert evidence == (
        f"aws_access_key {redact(aws.secret)} {fingerprint(aws.secret)} {aws.identifier}",
        f"openai_api_key {redact(openai.secret)} {fingerprint(openai.secret)}",
    )
    assert aws.secret not in str(evidence) and openai.secret not in str(evidence)


def test_a_secret_repeated_in_a_conversation_is_one_piece_of_evidence() -> None:
    key = sample("anthropic_api_key", 3)
    raw = secret_record(f"my key is {key.secret}", f"Do not share {key.secret} with anyone.")
    assert value(event_of(raw), "bedrock.secret_evidence") == (
        f"anthropic_api_key {redact(key.secret)} {fingerprint(key.secret)}",
    )


def test_records_without_text_have_no_secret_fields() -> None:
    raw = converse()
    raw["input"] = {"inputBodyS3Path": "s3://logs/data/ff4b_input.json.gz", "inputTokenCount": 120000}
    del raw["output"]
    event = event_of(raw)
    assert [value(event, name) for name in ("bedrock.secrets", "bedrock.secret_evidence", "bedrock.prompt_chars")] == [
        None,
        None,
        None,
    ]


def test_the_text_is_scanned_lazily_and_once(monkeypatch: pytest.MonkeyPatch) -> None:
    scanned: list[str] = []
    real = scan_text

    def counting(text: str) -> list[Any]:
        scanned.append(text)
        return real(text)

    monkeypatch.setattr(bodies, "scan_text", counting)
    prompt, completion = "hello search-indexer-exports-2026-11-20", "hi there"  # a run of key characters: scanned
    event = event_of(secret_record(prompt, completion))
    for name in FIELDS.fields:
        if name not in ("bedrock.secrets", "bedrock.secret_evidence"):
            value(event, name)
    assert scanned == []
    for _ in range(3):
        value(event, "bedrock.secrets")
        value(event, "bedrock.secret_evidence")
    assert scanned == [prompt, completion]


def test_texts_that_cannot_hold_a_secret_are_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bodies, "scan_text", lambda text: pytest.fail(f"{text!r} was scanned"))
    event = event_of(secret_record("hello, where is order 84010?", "hi there, it left the warehouse today"))
    assert value(event, "bedrock.secrets") == ()
    assert value(event, "bedrock.secret_evidence") == ()


def test_retained_copies_keep_counts_and_outcome_but_no_text() -> None:
    key = sample("google_api_key", 4)
    raw = secret_record(f"call Gemini with {key.secret}", "done")
    raw["output"]["outputBodyJson"]["stopReason"] = "guardrail_intervened"
    event = event_of(raw)
    assert FIELDS.retain is not None
    kept = FIELDS.retain(event)
    assert FIELDS.retain(event) is kept
    assert "call Gemini" not in json.dumps(kept.raw) and key.secret not in json.dumps(kept.raw)
    assert kept.raw["input"] == {"inputTokenCount": 4, "cacheReadInputTokenCount": 0, "cacheWriteInputTokenCount": 0}
    assert (kept.id, kept.time, kept.name) == (event.id, event.time, event.name)
    for name in ("bedrock.total_tokens", "bedrock.guardrail", "bedrock.principal", "bedrock.model", "bedrock.region"):
        assert value(kept, name) == value(event, name)
    assert value(kept, "bedrock.prompt_chars") is None  # not worked out before the copy was made
    assert value(kept, "bedrock.secrets") == value(event, "bedrock.secrets") == ("google_api_key",)
    assert FIELDS.evidence(kept) == FIELDS.evidence(event)
    assert fingerprint(key.secret) in FIELDS.evidence(kept)["secret"]


def test_a_copy_made_after_the_scan_keeps_its_findings() -> None:
    key = sample("huggingface_token", 5)
    event = event_of(secret_record(f"login with {key.secret}", "ok"))
    assert value(event, "bedrock.secrets") == ("huggingface_token",)
    assert FIELDS.retain is not None
    assert value(FIELDS.retain(event), "bedrock.secrets") == ("huggingface_token",)


def test_the_record_is_never_modified() -> None:
    raw = secret_record("text " + sample("slack_token", 6).secret, "reply")
    before = copy.deepcopy(raw)
    event = event_of(raw)
    for name in FIELDS.fields:
        value(event, name)
    assert FIELDS.retain is not None
    FIELDS.retain(event)
    assert raw == before


def test_every_field_is_documented_under_the_bedrock_prefix() -> None:
    page = render_field_docs(FIELDS)
    for name, field in FIELDS.fields.items():
        assert name.startswith("bedrock.") and field.doc.strip()
        assert f"`{name}`" in page
    assert [name for name, field in FIELDS.fields.items() if field.is_list] == [
        "bedrock.secret_evidence",
        "bedrock.secrets",
    ]


def test_random_prompts_without_keys_have_no_secrets() -> None:
    rng = random.Random(7)
    words = ["the", "key", "sk", "ant", "api", "token", "AKIA", "BEGIN", "PRIVATE", "hf", "model", "42"]
    for _ in range(200):
        prompt = " ".join(rng.choice(words) for _ in range(40))
        assert value(event_of(secret_record(prompt, prompt.upper())), "bedrock.secrets") == ()
