"""Which detectors have one of their keywords in a text, found with few passes over the text.

Looking for every keyword of the catalogue separately is one pass over the text per keyword, some thirty of them.
Keywords are grouped by their rarest character instead (``z`` in ``azure``, ``_`` in ``hf_``): a group is looked
at only when the text has that character, so that ordinary prose costs about one pass per group.
"""

from __future__ import annotations

from collections.abc import Sequence

from jackwatch.secrets.detectors import Detector

RARE_FIRST = "zqjx_kvbywgpfmucdl-hrsnioate"
"""Lowercase letters and the ``_``, ``-`` of keywords, rarest in text first (English letter frequencies).
Other characters (digits, ``.``, space) count as the most common."""

Groups = tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
"""(character, ((keyword, index of its detector), …)) for each character that is the rarest of a keyword."""


def _rarity(character: str) -> int:
    found = RARE_FIRST.find(character)
    return len(RARE_FIRST) if found < 0 else found


def keyword_groups(detectors: Sequence[Detector]) -> Groups:
    """The keywords of ``detectors`` by their rarest character."""
    groups: dict[str, list[tuple[str, int]]] = {}
    for index, detector in enumerate(detectors):
        for word in detector.keywords:
            groups.setdefault(min(word, key=_rarity), []).append((word, index))
    return tuple((character, tuple(words)) for character, words in groups.items())


def with_keywords(lowered: str, groups: Groups) -> set[int]:
    """The indexes of the detectors with a keyword in ``lowered`` (a text in lower case)."""
    found: set[int] = set()
    for character, words in groups:
        if character in lowered:
            for word, index in words:
                if index not in found and word in lowered:
                    found.add(index)
    return found
