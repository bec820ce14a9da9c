"""Keep secrets out of command lines before they reach a record.

A key passed as an argument (``curl -H "Authorization: Bearer sk-…"``, ``--api-key …``) would otherwise be written
to the events file, the store and the findings. Each argument is searched with jackwatch's secret catalogue and
every secret found is replaced by its redacted form (``sk-a…9xQ``).
"""

from __future__ import annotations

from jackwatch.secrets.redaction import redact
from jackwatch.secrets.scan import find_secrets

MIN_LENGTH = 16
"""Arguments shorter than this hold no secret of the catalogue."""


def redact_text(text: str) -> str:
    """``text`` with every secret of the catalogue in it replaced by its redacted form."""
    if len(text) < MIN_LENGTH:
        return text
    for _, found in reversed(find_secrets(text)):
        text = text[: found.start] + redact(found.secret) + text[found.end :]
    return text


def redact_args(args: list[str]) -> list[str]:
    """The arguments with their secrets redacted (the same list when there is none)."""
    redacted = [redact_text(arg) for arg in args]
    return args if redacted == args else redacted
