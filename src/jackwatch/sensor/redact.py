"""Keep secrets out of command lines before they reach a record.

A key passed as an argument (``curl -H "Authorization: Bearer sk-…"``, ``--api-key …``) would otherwise be written
to the events file, the store and the findings. Each argument is searched with jackwatch's secret catalogue and
every secret found is replaced by its redacted form (``sk-a…9xQ``).
"""

from __future__ import annotations

from jackwatch.secrets.detectors import DETECTORS
from jackwatch.secrets.keywords import keyword_groups, with_keywords
from jackwatch.secrets.redaction import redact
from jackwatch.secrets.scan import PLACEHOLDER_MARKERS, shannon_entropy

_GROUPS = keyword_groups(DETECTORS)
MIN_LENGTH = 16
"""Arguments shorter than this hold no secret of the catalogue."""


def redact_text(text: str) -> str:
    """``text`` with every secret of the catalogue in it replaced by its redacted form."""
    if len(text) < MIN_LENGTH:
        return text
    wanted = with_keywords(text.lower(), _GROUPS)
    if not wanted:
        return text
    spans: list[tuple[int, int, str]] = []
    for index, detector in enumerate(DETECTORS):
        if index not in wanted:
            continue
        for found in detector.find(text):
            secret = found.secret
            if any(marker in secret for marker in PLACEHOLDER_MARKERS):
                continue
            if shannon_entropy(secret) < detector.min_entropy:
                continue
            if any(found.start < end and start < found.end for start, end, _ in spans):
                continue
            spans.append((found.start, found.end, redact(secret)))
    for start, end, shown in sorted(spans, reverse=True):
        text = text[:start] + shown + text[end:]
    return text


def redact_args(args: list[str]) -> list[str]:
    """The arguments with their secrets redacted (the same list when there is none)."""
    redacted = [redact_text(arg) for arg in args]
    return args if redacted == args else redacted
