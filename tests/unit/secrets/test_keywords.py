"""Keywords grouped by their rarest character: the same detectors are chosen as by looking for every keyword."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from tests.unit.secrets.samples import huggingface_token

from jackwatch.secrets import DETECTORS, Category, Detector, scan_text
from jackwatch.secrets.detectors import Candidate
from jackwatch.secrets.keywords import RARE_FIRST, keyword_groups, with_keywords


def nothing(_text: str) -> Iterator[Candidate]:
    yield from ()


def detector(kind: str, *keywords: str) -> Detector:
    return Detector(kind, Category.CHAT, kind, keywords, nothing, 0.0)


def test_each_keyword_is_filed_under_its_rarest_character() -> None:
    groups = dict(keyword_groups([detector("a", "azure", "sk-"), detector("b", "hf_", "asia")]))
    assert groups == {"z": (("azure", 0),), "k": (("sk-", 0),), "_": (("hf_", 1),), "s": (("asia", 1),)}
    assert RARE_FIRST.index("z") < RARE_FIRST.index("k") < RARE_FIRST.index("s") < RARE_FIRST.index("a")


def test_characters_outside_the_ranking_count_as_common() -> None:
    groups = dict(keyword_groups([detector("a", "private key"), detector("b", "r8_"), detector("c", "cognitive.com")]))
    assert set(groups) == {"k", "_", "v"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nothing to see here", set()),
        ("deploy to asia-pacific with the azure cli", {0, 1}),
        ("export HF_TOKEN", {2}),
        ("a task-based plan: sk-", {3}),
    ],
)
def test_the_detectors_with_a_keyword_in_the_text(text: str, expected: set[int]) -> None:
    catalogue = [
        detector("aws", "akia", "asia"),
        detector("azure", "azure"),
        detector("hf", "hf_"),
        detector("o", "sk-"),
    ]
    assert with_keywords(text.lower(), keyword_groups(catalogue)) == expected


def test_the_catalogue_and_other_lists_of_detectors_alike() -> None:
    text = huggingface_token(random.Random(3)).text
    assert [hit.kind for hit in scan_text(text)] == ["huggingface_token"]
    only_hf = [item for item in DETECTORS if item.kind == "huggingface_token"]
    assert [hit.kind for hit in scan_text(text, only_hf)] == ["huggingface_token"]
    assert [hit.kind for hit in scan_text(text, iter(only_hf))] == ["huggingface_token"]  # any iterable
    assert scan_text(text, [item for item in DETECTORS if item.kind == "slack_token"]) == []
