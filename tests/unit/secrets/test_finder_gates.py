"""Quick tests in front of slow patterns: ``has_run`` and the ``needs`` of a regex finder."""

from __future__ import annotations

import random
import re
import string

import pytest
from tests.unit.secrets.samples import draw

from jackwatch.secrets import scan_text
from jackwatch.secrets.detectors import has_run, regex_finder

HEX_RUN = has_run(string.hexdigits, 32)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("0123456789abcdef" * 2, True),
        ("key: " + "0123456789ABCDEF" * 2 + "!", True),
        ("0123456789abcdef" * 2 + "0", True),
        ("0123456789abcdef0123456789abcde", False),  # 31
        ("0123456789abcdef 0123456789abcdef", False),
        ("0123456789abcdef\u00e90123456789abcdef", False),  # a non-ASCII letter breaks the run
        ("\ud800" + "a" * 32, True),  # a lone surrogate (from a JSON escape) does not break the test
        ("", False),
    ],
)
def test_a_run_of_characters(text: str, found: bool) -> None:
    assert HEX_RUN(text) is found


def test_a_finder_does_not_search_text_its_test_rejects() -> None:
    pattern = re.compile(r"(?P<secret>[0-9a-f]{32})")
    text = "value " + "0123456789abcdef" * 2
    assert [found.secret for found in regex_finder(pattern)(text)] == ["0123456789abcdef" * 2]
    assert list(regex_finder(pattern, needs=lambda _text: False)(text)) == []
    assert [found.start for found in regex_finder(pattern, needs=HEX_RUN)(text)] == [6]


def test_an_azure_key_in_upper_or_lower_case_is_still_found() -> None:
    key = draw(random.Random(5), "0123456789abcdef", 32)
    for written in (key, key.upper()):
        text = f"AZURE_OPENAI_ENDPOINT=https://acme.openai.azure.com\nAZURE_OPENAI_API_KEY={written}\n"
        assert [hit.kind for hit in scan_text(text)] == ["azure_openai_key"]
    assert scan_text("AZURE_OPENAI_API_KEY=" + key[:31]) == []
