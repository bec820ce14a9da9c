"""Redacted forms and fingerprints: what jackwatch keeps of a secret."""

from __future__ import annotations

import hashlib

import pytest
from tests.unit.secrets.samples import sample

from jackwatch.secrets import fingerprint, redact, redact_secrets
from jackwatch.secrets.redaction import MASK, MIN_SHOWN_LENGTH
from jackwatch.sources.reading.records import field_error


def test_a_long_secret_shows_its_first_four_and_last_three_characters() -> None:
    secret = "sk-a" + "Q" * 40 + "9xQ"
    assert redact(secret) == "sk-a\u20269xQ"


@pytest.mark.parametrize("secret", ["a", "hunter2", "x" * (MIN_SHOWN_LENGTH - 1)])
def test_a_short_secret_is_masked_completely_whatever_its_length(secret: str) -> None:
    assert redact(secret) == MASK
    assert secret not in redact(secret)


def test_the_shortest_shown_secret_reveals_seven_characters() -> None:
    secret = "0123456789abcdefghij"
    assert len(secret) == MIN_SHOWN_LENGTH
    assert redact(secret) == "0123\u2026hij"


def test_the_fingerprint_is_the_sha256_of_the_secret() -> None:
    secret = "ghp_" + "k" * 36
    assert fingerprint(secret) == "sha256:" + hashlib.sha256(secret.encode()).hexdigest()
    assert fingerprint(secret) == fingerprint(str(secret))
    assert fingerprint(secret) != fingerprint(secret + "x")


@pytest.mark.parametrize("kind", ["openai_api_key", "anthropic_api_key", "aws_access_key", "private_key"])
def test_every_secret_a_message_quotes_is_redacted_and_the_rest_kept(kind: str) -> None:
    found = sample(kind, 7)
    message = f"record 3: effective_at must be a number, got {found.text!r} (line 12)"
    redacted = redact_secrets(message)
    assert found.secret not in redacted and redact(found.secret) in redacted
    assert redacted.startswith("record 3: effective_at must be a number") and redacted.endswith("(line 12)")


def test_a_message_without_secrets_is_unchanged() -> None:
    message = "timestamp 'yesterday' is not an RFC 3339 timestamp"
    assert redact_secrets(message) == message


def test_a_bad_value_in_a_record_message_is_shown_redacted() -> None:
    key = sample("openai_api_key", 8).secret
    assert key not in field_error("effective_at", key, "a number").message
