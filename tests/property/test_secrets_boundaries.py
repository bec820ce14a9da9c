"""The detectors' patterns put their literal prefix first and check the character before it afterwards (so that the
regular expression engine can jump to the prefix): they must find exactly what the same patterns with the boundary
check first find, on any text made of key prefixes, runs of key characters and separators."""

from __future__ import annotations

import re
import string
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jackwatch.secrets import detectors

UPPER = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits
BASE64 = ALNUM + "+/"


class Case(NamedTuple):
    """A pattern written boundary first, and the pieces that make texts near its keys."""

    boundary_first: str
    prefixes: tuple[str, ...]
    alphabet: str
    lengths: tuple[int, ...]


CASES = {
    "_AWS_KEY_ID": Case(
        r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])", ("AKIA", "ASIA"), UPPER, (15, 16, 17)
    ),
    "_OPENAI": Case(
        r"(?<![A-Za-z0-9_-])(?P<secret>sk-(?!ant-)(?P<prefix>(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{20,300})"
        r"(?![A-Za-z0-9_-])",
        ("sk-", "sk-proj-", "sk-ant-"),
        ALNUM + "_-",
        (19, 20, 48),
    ),
    "_ANTHROPIC": Case(
        r"(?<![A-Za-z0-9_-])(?P<secret>sk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{80,120})(?![A-Za-z0-9_-])",
        ("sk-ant-api03-", "sk-ant-admin01-"),
        ALNUM + "_-",
        (79, 80, 120, 121),
    ),
    "_GOOGLE_API_KEY": Case(
        r"(?<![A-Za-z0-9_-])(?P<secret>AIza[A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])", ("AIza",), ALNUM + "_-", (34, 35, 36)
    ),
    "_HUGGING_FACE": Case(
        r"(?<![A-Za-z0-9_])(?P<secret>(?:hf|api_org)_[A-Za-z0-9]{34})(?![A-Za-z0-9_])",
        ("hf_", "api_org_"),
        ALNUM,
        (33, 34, 35),
    ),
    "_BEDROCK_API_KEY": Case(
        r"(?<![A-Za-z0-9+/-])(?P<secret>ABSK[A-Za-z0-9+/]{60,400}={0,2}"
        r"|bedrock-api-key-[A-Za-z0-9+/]{60,4000}={0,2}(?:&Version=\d+)?)(?![A-Za-z0-9+/=])",
        ("ABSK", "bedrock-api-key-"),
        BASE64,
        (59, 60, 90),
    ),
    "_GITHUB": Case(
        r"(?<![A-Za-z0-9_])(?P<secret>gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})"
        r"(?![A-Za-z0-9_])",
        ("ghp_", "ghs_", "github_pat_"),
        ALNUM,
        (22, 35, 36, 59),
    ),
    "_SLACK": Case(
        r"(?<![A-Za-z0-9-])(?P<secret>xox[abposr]-[0-9]{6,13}-[0-9A-Za-z-]{10,200}"
        r"|xapp-[0-9]-[A-Z0-9]{6,20}-[0-9]{6,20}-[a-f0-9]{32,80})(?![A-Za-z0-9-])",
        ("xoxb-123456-", "xapp-1-ABC123-123456-"),
        "0123456789abcdef",
        (9, 12, 32),
    ),
}
SEPARATORS = ("", " ", "\n", "x", "Z", "0", "_", "-", "/", "+", "=", "==", "&Version=2")


def texts(case: Case) -> st.SearchStrategy[str]:
    """Texts of separators, prefixes and runs of key characters, most pieces a whole candidate key."""
    run = st.tuples(st.sampled_from(case.lengths), st.randoms(use_true_random=False)).map(
        lambda drawn: "".join(drawn[1].choice(case.alphabet) for _ in range(drawn[0]))
    )
    separator = st.sampled_from(SEPARATORS)
    key = st.tuples(separator, st.sampled_from(case.prefixes), run, separator).map("".join)
    return st.lists(st.one_of(key, key, run, separator), max_size=6).map("".join)


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [match.span() for match in pattern.finditer(text)]


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=300)
@given(data=st.data())
def test_the_prefix_first_pattern_finds_what_the_boundary_first_pattern_finds(name: str, data: st.DataObject) -> None:
    case = CASES[name]
    text = data.draw(texts(case))
    assert spans(getattr(detectors, name), text) == spans(re.compile(case.boundary_first), text)


def test_the_boundary_is_still_checked() -> None:
    key = "0123456789abcdefABCDEF0123456789abcdefAB"
    assert spans(detectors._OPENAI, f"sk-proj-{key}") == [(0, 48)]
    assert spans(detectors._OPENAI, f"task-proj-{key}") == []
    assert spans(detectors._OPENAI, f"x sk-proj-{key}") == [(2, 50)]
