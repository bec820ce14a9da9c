"""Redacted forms and fingerprints: what jackwatch keeps of a secret."""

from __future__ import annotations

import hashlib

import pytest

from jackwatch.secrets import fingerprint, redact
from jackwatch.secrets.redaction import MASK, MIN_SHOWN_LENGTH


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
