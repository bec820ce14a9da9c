"""Keys without a prefix (Cohere, Mistral, DeepSeek, legacy Together) are reported only when their provider is
named: assigned to a generic name in text that never names one, a key of any of these shapes yields no hit."""

from __future__ import annotations

import random
import string

from hypothesis import assume, given
from hypothesis import strategies as st
from tests.unit.secrets.samples import ALNUM, HEX, varied

from jackwatch.secrets import DETECTORS, scan_text

PROSE = string.ascii_lowercase + string.digits + " \n.,;:!?()'\""
CONTEXT = [detector for detector in DETECTORS if not detector.precise and detector.kind != "azure_openai_key"]
WORDS = {word for detector in CONTEXT for word in detector.keywords}
SHAPES = {
    "cohere": lambda rng: varied(rng, ALNUM, 40),
    "mistral": lambda rng: varied(rng, ALNUM, 32),
    "deepseek": lambda rng: "sk-" + varied(rng, HEX, 32),
    "together": lambda rng: varied(rng, HEX, 64),
}
GENERIC = ('api_key = "{key}"', "token: {key}", "- name: API_KEY\n  value: {key}", "Authorization: Bearer {key}")


@given(
    shape=st.sampled_from(sorted(SHAPES)),
    form=st.sampled_from(GENERIC),
    seed=st.integers(0, 2**32),
    before=st.text(alphabet=PROSE, max_size=300),
    after=st.text(alphabet=PROSE, max_size=300),
)
def test_a_key_of_no_distinctive_shape_needs_its_provider_named(
    shape: str, form: str, seed: int, before: str, after: str
) -> None:
    text = f"{before}\n{form.format(key=SHAPES[shape](random.Random(seed)))}\n{after}"
    assume(not any(word in text.lower() for word in WORDS))
    assert scan_text(text, CONTEXT) == []


@given(shape=st.sampled_from(sorted(SHAPES)), form=st.sampled_from(GENERIC), seed=st.integers(0, 2**32))
def test_the_same_key_is_found_once_its_provider_is_named_nearby(shape: str, form: str, seed: int) -> None:
    text = f"# {shape}\n{form.format(key=SHAPES[shape](random.Random(seed)))}\n"
    assert [hit.kind for hit in scan_text(text)] == [f"{shape}_api_key"]
