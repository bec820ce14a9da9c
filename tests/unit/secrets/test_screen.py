"""The quick tests in front of the catalogue: runs of key characters and anchors, which never change what is found."""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Iterator

import pytest

from jackwatch.secrets import DETECTORS, Category, Detector, may_hold_secrets, scan_text
from jackwatch.secrets.detectors import PEM_ANCHOR, TOKEN_CHARACTERS, Candidate
from jackwatch.secrets.screen import Screen

from .samples import SAMPLES, sample

SCREEN = Screen(DETECTORS)
UNSCREENED = tuple(dataclasses.replace(detector, min_run=0, anchors=()) for detector in DETECTORS)
PROSE = (
    "Our Asia-Pacific rollout follows the risk-based plan: the Azure and AWS accounts rotate keys every 90 days, "
    "task-level logs go to the data lake, and the private key policy is reviewed by the security team.\n"
)


def _exploding(_text: str) -> Iterator[Candidate]:
    raise AssertionError("a detector ran on text that cannot hold its secrets")
    yield Candidate("", 0, 0)  # pragma: no cover - makes this a generator


def test_every_detector_of_the_catalogue_has_a_quick_test() -> None:
    assert all(detector.min_run or detector.anchors for detector in DETECTORS)
    assert [d.kind for d in DETECTORS if d.anchors] == ["gcp_service_account_key", "private_key"]


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_secret_passes_the_quick_test_of_its_detector(kind: str) -> None:
    index = next(i for i, detector in enumerate(DETECTORS) if detector.kind == kind)
    detector = DETECTORS[index]
    for seed in range(40):
        found = sample(kind, seed)
        assert index in SCREEN.candidates(found.text)
        if detector.min_run:
            assert re.search(f"[{re.escape(TOKEN_CHARACTERS)}]{{{detector.min_run}}}", found.secret)
        else:
            assert PEM_ANCHOR in found.text


def test_prose_without_runs_or_anchors_runs_no_detector() -> None:
    assert SCREEN.candidates(PROSE * 3) == set()
    guarded = Detector("demo", Category.CHAT, "needs a run", ("asia",), _exploding, 0.0, min_run=22)
    assert scan_text(PROSE, [guarded]) == []
    with pytest.raises(AssertionError, match="cannot hold"):
        scan_text(PROSE + "search-indexer-exports-2", [guarded])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 21, set()),
        ("a" * 22, {"slack_token"}),
        ("sk-" + "x" * 20, {"slack_token", "openai_api_key"}),
        ("/+_-a" * 7, {"slack_token", "openai_api_key", "azure_openai_key", "mistral_api_key", "deepseek_api_key"}),
        ("a" * 11 + "\u00e9" + "a" * 11, set()),  # a non-ASCII letter breaks a run
        ("KEY=" + "a" * 20, set()),  # and so does anything else, an equals sign too
        ("\ud800" + "a" * 22, {"slack_token"}),  # a lone surrogate (from a JSON escape) does not break the test
        (PEM_ANCHOR, {"gcp_service_account_key", "private_key"}),
        ("", set()),
    ],
)
def test_runs_of_key_characters_and_anchors(text: str, expected: set[str]) -> None:
    assert {DETECTORS[index].kind for index in SCREEN.candidates(text)} == expected


def test_detectors_without_a_quick_test_run_on_their_keywords_alone() -> None:
    def whole(text: str) -> Iterator[Candidate]:
        yield Candidate(text, 0, len(text))

    plain = Detector("plain", Category.CHAT, "no quick test", ("zebra",), whole, 0.0)
    assert [hit.kind for hit in scan_text("a zebra", [plain])] == ["plain"]
    assert Screen([plain]).candidates("") == {0}


def _texts(rng: random.Random) -> Iterator[str]:
    """Each kind of secret alone, in prose, in upper and lower case, broken by a line, and next to another."""
    kinds = sorted(SAMPLES)
    for kind in kinds:
        for seed in range(12):
            found = sample(kind, seed)
            cut = rng.randrange(len(PROSE) + 1)
            middle = rng.randrange(len(found.text) + 1)
            other = sample(rng.choice(kinds), seed + 100)
            yield from (
                found.text,
                PROSE[:cut] + found.text + PROSE[cut:],
                f"{found.text.upper()} {found.text.lower()}",
                found.text[:middle] + "\n" + found.text[middle:],
                found.text + rng.choice(["", " ", "\n"]) + other.text,
            )


def test_the_quick_tests_never_change_what_is_found() -> None:
    for text in _texts(random.Random(11)):
        assert scan_text(text) == scan_text(text, UNSCREENED), text


def test_passes_tells_whether_some_detector_may_run() -> None:
    for text in [*_texts(random.Random(12)), PROSE, PROSE + "a" * 22, PROSE + PEM_ANCHOR, "", "a" * 21]:
        assert SCREEN.passes(text) == bool(SCREEN.candidates(text)), text
    plain = Detector("plain", Category.CHAT, "no quick test", ("zebra",), _exploding, 0.0)
    assert Screen([plain]).passes("")


def test_texts_tested_at_once_pass_when_one_of_them_would() -> None:
    assert "\n" not in TOKEN_CHARACTERS and not any("\n" in anchor for d in DETECTORS for anchor in d.anchors)
    texts = list(_texts(random.Random(13)))
    rng = random.Random(14)
    for text in texts:
        pair = (PROSE[: rng.randrange(len(PROSE))], text)
        assert may_hold_secrets(*pair) == any(SCREEN.passes(one) for one in pair), pair
        assert may_hold_secrets(*pair[::-1]) == may_hold_secrets(*pair)
    assert not may_hold_secrets(PROSE, PROSE.upper(), "a" * 21) and not may_hold_secrets()
    halves = ("a" * 11, "a" * 11)  # a run is not made of the end of one text and the start of the next
    assert not may_hold_secrets(*halves) and may_hold_secrets("".join(halves))
