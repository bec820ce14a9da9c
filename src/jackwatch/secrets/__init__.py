"""Leaked credentials in text: a catalogue of detectors, and what jackwatch keeps of a secret it finds.

:func:`scan_text` returns :class:`SecretHit` values — kind, sha256 fingerprint, redacted form (``sk-a…9xQ``)
and offset — never the secret itself. Prompts, container images, manifests and environments are scanned
with the same catalogue (:data:`DETECTORS`), so a fingerprint found in one place matches the same
secret found in another.
"""

from jackwatch.secrets.detectors import DETECTORS, DETECTORS_BY_KIND, Category, Detector
from jackwatch.secrets.redaction import fingerprint, redact
from jackwatch.secrets.scan import SecretHit, may_hold_secrets, redact_secrets, scan_text, shannon_entropy

__all__ = [
    "DETECTORS",
    "DETECTORS_BY_KIND",
    "Category",
    "Detector",
    "SecretHit",
    "fingerprint",
    "may_hold_secrets",
    "redact",
    "redact_secrets",
    "scan_text",
    "shannon_entropy",
]
