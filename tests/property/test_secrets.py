"""Properties of the secret scanner: redaction never reveals a secret, every generated key of every kind is
found wherever it sits in text, and text without the structure of a key yields no hit of the precise kinds."""

from __future__ import annotations

import random
import string

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.secrets.samples import SAMPLES

from jackwatch.secrets import DETECTORS, fingerprint, redact, scan_text

PROSE = string.ascii_lowercase + string.digits + " \n.,;:!?()'\""
"""Surroundings of a key: lower-case prose (no upper case, ``-``, ``_``, ``+``, ``/`` or ``=`` to join a key)."""

PLAIN = string.ascii_letters + string.digits + " \t\n.,;:!?()'\"#%&*<>@[]{}|~"
"""Text with every letter and digit but none of the ``-_+/=`` that keys are built with."""

PRECISE = [detector for detector in DETECTORS if detector.precise]


@given(st.text(alphabet=string.printable, min_size=1))
def test_a_redacted_form_never_contains_the_secret(secret: str) -> None:
    assert secret not in redact(secret)


@given(st.text(alphabet=string.printable, min_size=20))
def test_a_redacted_form_of_a_long_secret_shows_only_its_ends(secret: str) -> None:
    shown = redact(secret)
    assert shown.startswith(secret[:4]) and shown.endswith(secret[-3:]) and len(shown) == 8


@settings(max_examples=300)
@given(
    kind=st.sampled_from(sorted(SAMPLES)),
    seed=st.integers(min_value=0, max_value=2**32),
    before=st.text(alphabet=PROSE, max_size=200),
    after=st.text(alphabet=PROSE, max_size=200),
)
def test_every_generated_key_is_found(kind: str, seed: int, before: str, after: str) -> None:
    found = SAMPLES[kind](random.Random(seed))
    text = f"{before}\n{found.text}\n{after}"
    hits = scan_text(text)
    assert [(hit.kind, hit.fingerprint, hit.identifier) for hit in hits] == [
        (kind, fingerprint(found.secret), found.identifier)
    ]
    in_blocks = kind in ("private_key", "gcp_service_account_key")  # the secret is the block's joined body
    assert hits[0].offset == (text.find("-----BEGIN") if in_blocks else text.find(found.secret))
    assert all(found.secret not in field for hit in hits for field in (hit.redacted, hit.describe()))


@settings(max_examples=300)
@given(st.text(alphabet=PLAIN, max_size=2000))
def test_plain_text_yields_no_hit_of_the_precise_kinds(text: str) -> None:
    assert scan_text(text, PRECISE) == []


@given(st.lists(st.sampled_from(sorted(SAMPLES)), min_size=2, max_size=5), st.integers(0, 2**32))
def test_hits_come_in_text_order_one_per_key(kinds: list[str], seed: int) -> None:
    rng = random.Random(seed)
    samples = [SAMPLES[kind](rng) for kind in kinds]
    hits = scan_text("\n\n".join(found.text for found in samples))
    assert [hit.fingerprint for hit in hits] == [fingerprint(found.secret) for found in samples]
    assert [hit.offset for hit in hits] == sorted(hit.offset for hit in hits)
