"""Grouping keywords by their rarest character never changes which detectors run on a text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from jackwatch.secrets import DETECTORS
from jackwatch.secrets.keywords import keyword_groups, with_keywords

KEYWORDS = sorted({word for detector in DETECTORS for word in detector.keywords})
FRAGMENTS = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from(KEYWORDS).flatmap(lambda word: st.integers(1, len(word)).map(lambda cut: word[:cut])),
    st.sampled_from(KEYWORDS).flatmap(lambda word: st.integers(0, len(word) - 1).map(lambda cut: word[cut:])),
    st.text(max_size=6),
)


@settings(max_examples=500)
@given(st.lists(FRAGMENTS, max_size=10).map("".join))
def test_grouped_keywords_choose_the_detectors_every_keyword_would(text: str) -> None:
    lowered = text.lower()
    expected = {index for index, item in enumerate(DETECTORS) if any(word in lowered for word in item.keywords)}
    assert with_keywords(lowered, keyword_groups(DETECTORS)) == expected
