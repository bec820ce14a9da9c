"""Find secrets in a text: run the catalogue, drop noise, keep only fingerprints and redacted forms."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from jackwatch.secrets.detectors import DETECTORS, Candidate, Detector
from jackwatch.secrets.redaction import fingerprint, redact
from jackwatch.secrets.screen import Screen

CATALOGUE_SCREEN = Screen(DETECTORS)

PLACEHOLDER_MARKERS = ("EXAMPLE", "example", "XXXXXXXXXX", "xxxxxxxxxx")
"""Secrets that contain one of these are documentation samples (``AKIAIOSFODNN7EXAMPLE``), not leaks."""


@dataclass(frozen=True, slots=True)
class SecretHit:
    """A secret found in a text, without the secret: its kind, sha256 fingerprint, redacted form and offset.

    ``identifier`` is the non-secret name that goes with it, when the text has one (the access key id of
    an AWS secret access key, the client e-mail of a Google Cloud service account).
    """

    kind: str
    fingerprint: str
    redacted: str
    offset: int
    identifier: str | None = None

    def describe(self) -> str:
        """``<kind> <redacted> <fingerprint>`` (and the identifier): what outputs may show of the hit."""
        parts = [self.kind, self.redacted, self.fingerprint]
        if self.identifier:
            parts.append(self.identifier)
        return " ".join(parts)


def scan_text(text: str, detectors: Iterable[Detector] = DETECTORS) -> list[SecretHit]:
    """The secrets in ``text``, in the order they appear (see :func:`find_secrets`)."""
    return [
        SecretHit(detector.kind, fingerprint(found.secret), redact(found.secret), found.start, found.identifier)
        for detector, found in find_secrets(text, detectors)
    ]


def redact_secrets(text: str) -> str:
    """``text`` with every secret the catalogue finds in it in redacted form (for messages that quote input)."""
    if not may_hold_secrets(text):
        return text
    for _detector, found in reversed(find_secrets(text)):
        text = f"{text[: found.start]}{redact(found.secret)}{text[found.end :]}"
    return text


def may_hold_secrets(*texts: str) -> bool:
    """Whether the quick tests of the catalogue let a detector run on one of ``texts``: when not, :func:`scan_text`
    finds nothing in any of them. The texts are tested at once, joined by line breaks, which end every run of key
    characters and are in no anchor."""
    return CATALOGUE_SCREEN.passes("\n".join(texts))


def find_secrets(text: str, detectors: Iterable[Detector] = DETECTORS) -> list[tuple[Detector, Candidate]]:
    """The secrets in ``text`` with the detector that found each, in the order they appear.

    Each detector runs only when the text passes its quick test (:class:`~jackwatch.secrets.screen.Screen`)
    and one of its keywords is in the text; its candidates must reach its least entropy and must not look
    like a placeholder. Where candidates of two detectors overlap, the one of the detector listed first is
    kept (a service-account key is not also a bare private key).
    """
    catalogue = detectors if isinstance(detectors, tuple) else tuple(detectors)
    screen = CATALOGUE_SCREEN if catalogue is DETECTORS else Screen(catalogue)
    wanted = screen.candidates(text)
    if not wanted:
        return []
    lowered = text.lower()
    kept: list[tuple[Detector, Candidate]] = []
    for index, detector in enumerate(catalogue):
        if index not in wanted or not any(word in lowered for word in detector.keywords):
            continue
        for candidate in detector.find(text):
            if _plausible(candidate.secret, detector) and not _overlaps(candidate, kept):
                kept.append((detector, candidate))
    kept.sort(key=lambda item: item[1].start)
    return kept


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text`` (0 for an empty or one-symbol text)."""
    if not text:
        return 0.0
    size = len(text)
    return -sum(count / size * math.log2(count / size) for count in Counter(text).values())


def _plausible(secret: str, detector: Detector) -> bool:
    if any(marker in secret for marker in PLACEHOLDER_MARKERS):
        return False
    return shannon_entropy(secret) >= detector.min_entropy


def _overlaps(candidate: Candidate, kept: list[tuple[Detector, Candidate]]) -> bool:
    return any(candidate.start < other.end and other.start < candidate.end for _, other in kept)
