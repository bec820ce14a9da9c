"""The secret scanner: every detector on the text its credential is usually found in, and the noise it ignores."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pytest

from jackwatch.secrets import DETECTORS, DETECTORS_BY_KIND, Category, Detector, SecretHit, fingerprint, scan_text
from jackwatch.secrets.detectors import AWS_PAIR_DISTANCE, Candidate

from .samples import (
    ALNUM,
    SAMPLES,
    aws_key_id,
    aws_secret,
    draw,
    gcp_key_file,
    pem_block,
    pem_body,
    private_key,
    sample,
)


def kinds(text: str) -> list[str]:
    return [hit.kind for hit in scan_text(text)]


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_each_kind_is_found_with_its_fingerprint_and_never_the_secret(kind: str) -> None:
    found = sample(kind, seed=7)
    (hit,) = scan_text(found.text)
    assert hit.kind == kind
    assert hit.fingerprint == fingerprint(found.secret)
    assert hit.identifier == found.identifier
    assert found.secret not in repr(hit) and found.secret not in hit.describe()
    assert 0 <= hit.offset < len(found.text)


def test_every_kind_of_the_catalogue_has_a_sample_and_a_category() -> None:
    assert set(SAMPLES) == set(DETECTORS_BY_KIND)
    assert all(isinstance(detector.category, Category) for detector in DETECTORS)
    assert [d.kind for d in DETECTORS if not d.precise] == [
        "azure_openai_key",
        "together_api_key",
        "deepseek_api_key",
        "cohere_api_key",
        "mistral_api_key",
    ]
    assert [d.kind for d in DETECTORS if d.provider is None] == ["private_key"]


def test_offsets_point_at_the_secret_and_hits_come_in_text_order() -> None:
    slack, google = sample("slack_token", 1), sample("google_api_key", 2)
    text = f"first {google.text}\nthen {slack.text}\n"
    hits = scan_text(text)
    assert [hit.kind for hit in hits] == ["google_api_key", "slack_token"]
    assert [text[hit.offset :].startswith(s.secret) for hit, s in zip(hits, (google, slack), strict=True)] == [
        True,
        True,
    ]


def test_the_same_secret_twice_is_two_hits_with_one_fingerprint() -> None:
    token = sample("huggingface_token", 3)
    hits = scan_text(f"{token.text}\n# again: {token.secret}\n")
    assert len(hits) == 2 and hits[0].fingerprint == hits[1].fingerprint and hits[0].offset < hits[1].offset


# ------------------------------------------------------------------------------------------------- AWS


def test_an_aws_secret_may_come_before_its_key_id() -> None:
    rng = random.Random(11)
    key_id, secret = aws_key_id(rng), aws_secret(rng)
    (hit,) = scan_text(json.dumps({"SecretAccessKey": secret, "AccessKeyId": key_id}))
    assert (hit.kind, hit.identifier, hit.fingerprint) == ("aws_access_key", key_id, fingerprint(secret))


def test_the_nearest_secret_is_paired_with_the_key_id() -> None:
    rng = random.Random(12)
    key_id, near, far = aws_key_id(rng), aws_secret(rng), aws_secret(rng)
    (hit,) = scan_text(f"id={key_id} secret={near}\nother={far}")
    assert hit.fingerprint == fingerprint(near)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda rng: f"aws_access_key_id = {aws_key_id(rng)}", id="key id alone"),
        pytest.param(lambda rng: f"aws_secret_access_key = {aws_secret(rng)}", id="secret alone"),
        pytest.param(
            lambda rng: f"{aws_key_id(rng)}{' ' * (AWS_PAIR_DISTANCE + 1)}{aws_secret(rng)}", id="secret too far"
        ),
        pytest.param(lambda rng: f"{aws_key_id(rng)} commit {draw(rng, '0123456789abcdef', 40)}", id="sha1 nearby"),
        pytest.param(
            lambda rng: "AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", id="documentation sample"
        ),
        pytest.param(lambda rng: f"{aws_key_id(rng)} {'Ab' * 20}", id="low entropy"),
        pytest.param(lambda rng: f"X{aws_key_id(rng)} {aws_secret(rng)}", id="key id inside a longer word"),
    ],
)
def test_aws_noise_is_not_a_key(make: object) -> None:
    assert callable(make)
    assert kinds(make(random.Random(13))) == []


# ------------------------------------------------------------------------------------------ private keys


def test_a_private_key_in_a_json_string_with_escaped_line_breaks() -> None:
    body = pem_body(random.Random(14))
    text = json.dumps({"tls": {"key": pem_block("RSA PRIVATE KEY", body)}})
    assert "\\n" in text
    (hit,) = scan_text(text)
    assert (hit.kind, hit.fingerprint) == ("private_key", fingerprint(body))


def test_a_private_key_cut_short_still_counts_when_its_body_is_long_enough() -> None:
    body = pem_body(random.Random(15))
    truncated = pem_block("PRIVATE KEY", body)[:400]
    (hit,) = scan_text(f"the log line was: {truncated}")
    assert hit.kind == "private_key"


def test_an_encrypted_key_keeps_its_headers_out_of_the_secret() -> None:
    body = pem_body(random.Random(16))
    block = pem_block("RSA PRIVATE KEY", body).replace(
        "-----\n", "-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\n", 1
    )
    (hit,) = scan_text(block)
    assert hit.fingerprint == fingerprint(body)


def test_a_key_on_one_line_without_breaks() -> None:
    body = pem_body(random.Random(17), 164)
    (hit,) = scan_text(f"-----BEGIN EC PRIVATE KEY-----{body}-----END EC PRIVATE KEY-----")
    assert hit.fingerprint == fingerprint(body)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----", id="placeholder"
        ),
        pytest.param(
            "-----BEGIN PRIVATE KEY----- is how a key starts, and after many lines of base64 it ends with"
            " -----END PRIVATE KEY----- which is what the parser looks for in the file it reads",
            id="prose between the markers",
        ),
        pytest.param("-----BEGIN PUBLIC KEY-----\n" + "A" * 64 + "\n-----END PUBLIC KEY-----", id="public key"),
        pytest.param("-----BEGIN PRIVATE KEY-----\n" + "A" * 400 + "\n-----END PRIVATE KEY-----", id="no entropy"),
    ],
)
def test_private_key_noise(text: str) -> None:
    assert kinds(text) == []


def test_a_service_account_key_is_one_hit_with_the_same_fingerprint_as_the_bare_key() -> None:
    account = gcp_key_file(random.Random(18))
    (hit,) = scan_text(account.text)
    assert (hit.kind, hit.identifier) == ("gcp_service_account_key", account.identifier)
    bare = scan_text(json.loads(account.text)["private_key"])
    assert [(h.kind, h.fingerprint) for h in bare] == [("private_key", hit.fingerprint)]


def test_a_private_key_field_of_another_json_is_a_bare_private_key() -> None:
    key = private_key(random.Random(19))
    (hit,) = scan_text(json.dumps({"type": "deploy_key", "private_key": key.text}))
    assert hit.kind == "private_key"


# -------------------------------------------------------------------------------------------- LLM keys


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda rng: f"sk-{draw(rng, '0123456789abcdef', 32)}", id="sk- without OpenAI's mark"),
        pytest.param(lambda rng: f"sk-proj-{draw(rng, ALNUM, 20)}", id="project key too short"),
        pytest.param(lambda rng: f"task-{draw(rng, ALNUM, 60)}T3BlbkFJ", id="sk- inside a word"),
        pytest.param(lambda rng: f"sk-ant-api03-{draw(rng, ALNUM, 40)}", id="anthropic key too short"),
        pytest.param(lambda rng: f"AIza{draw(rng, ALNUM, 34)}", id="google key one short"),
        pytest.param(lambda rng: f"AIza{draw(rng, ALNUM, 36)}", id="google key one long"),
        pytest.param(lambda rng: f"shelf_{draw(rng, ALNUM, 34)}", id="hf_ inside a word"),
        pytest.param(lambda rng: f"ABSK{draw(rng, ALNUM, 30)}", id="bedrock key too short"),
        pytest.param(lambda rng: "sk-proj-" + "a" * 60, id="project key without entropy"),
        pytest.param(
            lambda rng: "OPENAI_API_KEY=sk-proj-your-key-goes-here-example-xxxxxxxxxxxxxxxxxxxx", id="placeholder"
        ),
    ],
)
def test_llm_key_noise(make: object) -> None:
    assert callable(make)
    assert kinds(make(random.Random(20))) == []


def test_an_anthropic_key_is_not_also_an_openai_key() -> None:
    key = sample("anthropic_api_key", 21)
    assert kinds(key.text) == ["anthropic_api_key"]


def test_an_azure_key_needs_a_key_name_and_an_azure_context() -> None:
    key = draw(random.Random(22), "0123456789abcdef", 32)
    assert kinds(f'{{"endpoint": "https://eastus.api.cognitive.microsoft.com/", "api_key": "{key}"}}') == [
        "azure_openai_key"
    ]
    assert kinds(f"curl -H 'Ocp-Apim-Subscription-Key: {key}' https://example.org") == ["azure_openai_key"]
    assert kinds(f"MAILGUN_API_KEY={key}") == []
    assert kinds(f"azure build {key} finished") == []
    assert kinds("AZURE_OPENAI_API_KEY=" + "deadbeef" * 4) == []


# ------------------------------------------------------------------------------------------- the engine


def _exploding(text: str) -> Iterator[Candidate]:
    raise AssertionError("a detector ran on text without its keyword")
    yield Candidate("", 0, 0)  # pragma: no cover - makes this a generator


def test_a_detector_runs_only_when_one_of_its_keywords_is_there() -> None:
    guarded = Detector("demo", Category.CHAT, "never runs here", ("zebra",), _exploding, 0.0)
    assert scan_text("nothing to see", [guarded]) == []
    with pytest.raises(AssertionError, match="without its keyword"):
        scan_text("a ZEBRA crossing", [guarded])


def test_overlapping_candidates_keep_the_earlier_detector() -> None:
    def whole(text: str) -> Iterator[Candidate]:
        yield Candidate(text, 0, len(text))

    def part(text: str) -> Iterator[Candidate]:
        yield Candidate(text[2:8], 2, 8, "id")

    first = Detector("first", Category.CLOUD, "whole text", ("q",), whole, 0.0)
    second = Detector("second", Category.CLOUD, "a part", ("q",), part, 0.0)
    assert [hit.kind for hit in scan_text("qwertyuiopasdfghjklzxcvbnm", [first, second])] == ["first"]
    assert [hit.kind for hit in scan_text("qwertyuiopasdfghjklzxcvbnm", [second, first])] == ["second"]


def test_a_hit_describes_itself_without_the_secret() -> None:
    hit = SecretHit("aws_access_key", "sha256:" + "0" * 64, "AbCd\u2026xyz", 10, "AKIA0000000000000000")
    assert hit.describe() == f"aws_access_key AbCd\u2026xyz sha256:{'0' * 64} AKIA0000000000000000"
    assert SecretHit("slack_token", "sha256:1", "xoxb\u2026abc", 0).describe() == "slack_token xoxb\u2026abc sha256:1"
