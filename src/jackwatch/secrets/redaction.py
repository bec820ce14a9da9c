"""What jackwatch keeps of a secret instead of the secret: its fingerprint and a redacted form."""

from __future__ import annotations

import hashlib

SHOWN_PREFIX = 4
"""Characters of a secret's start a redacted form shows."""

SHOWN_SUFFIX = 3
"""Characters of a secret's end a redacted form shows."""

MIN_SHOWN_LENGTH = 20
"""Secrets shorter than this are masked completely: showing 7 characters would give too much away."""

ELLIPSIS = "\u2026"
MASK = "\u2022" * 8
"""The redacted form of a short secret (the same whatever its length, so the length is not revealed)."""


def redact(secret: str) -> str:
    """``sk-a…9xQ``: the first 4 and last 3 characters of ``secret``; a fully masked form when it is short."""
    if len(secret) < MIN_SHOWN_LENGTH:
        return MASK
    return f"{secret[:SHOWN_PREFIX]}{ELLIPSIS}{secret[-SHOWN_SUFFIX:]}"


def fingerprint(secret: str) -> str:
    """``sha256:<hex>`` of the secret's UTF-8 bytes: the same secret found anywhere has the same fingerprint."""
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()
