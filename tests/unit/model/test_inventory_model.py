"""The inventory model: PEP 503 names, and package URLs that parse back to the package."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st
from packageurl import PackageURL
from packaging.utils import canonicalize_name

from jackwatch.model.inventory import Ecosystem, Package, PackageLocation, normalize_name

SEGMENT = st.text(string.ascii_letters + string.digits, min_size=1, max_size=8)
SEPARATOR_RUN = st.text("-_.", min_size=1, max_size=3)
VALID_NAME = st.from_regex(r"\A[A-Za-z0-9]([A-Za-z0-9._-]{0,30}[A-Za-z0-9])?\Z")
NPM_PART = st.from_regex(r"\A[a-z0-9~-][a-z0-9._~-]{0,20}\Z")
VERSION = st.from_regex(r"\A[0-9]{1,3}(\.[0-9]{1,3}){0,3}([-+.!_a-z0-9]{0,12})\Z")


@st.composite
def spellings(draw: st.DrawFn) -> tuple[list[str], str, str]:
    """One name in two PEP 503-equivalent spellings: other separators, other case."""
    segments = draw(st.lists(SEGMENT, min_size=1, max_size=5))

    def spell() -> str:
        cased = [draw(st.sampled_from([part, part.lower(), part.upper(), part.swapcase()])) for part in segments]
        return "".join(part + (draw(SEPARATOR_RUN) if i < len(cased) - 1 else "") for i, part in enumerate(cased))

    return segments, spell(), spell()


@given(st.text(max_size=40))
def test_normalizing_twice_changes_nothing(name: str) -> None:
    once = normalize_name(Ecosystem.PYPI, name)
    assert normalize_name(Ecosystem.PYPI, once) == once


@given(spellings())
def test_pep503_equivalent_spellings_normalize_to_one_name(case: tuple[list[str], str, str]) -> None:
    segments, first, second = case
    expected = "-".join(segments).lower()
    assert normalize_name(Ecosystem.PYPI, first) == normalize_name(Ecosystem.PYPI, second) == expected


@given(VALID_NAME)
def test_normalizing_agrees_with_packaging(name: str) -> None:
    assert normalize_name(Ecosystem.PYPI, name) == canonicalize_name(name)


def test_different_names_stay_different_and_npm_names_are_kept_as_they_are() -> None:
    assert normalize_name(Ecosystem.PYPI, "langchain-core") != normalize_name(Ecosystem.PYPI, "langchaincore")
    assert normalize_name(Ecosystem.NPM, "@Anthropic-AI/SDK_x") == "@Anthropic-AI/SDK_x"


@given(VALID_NAME, VERSION)
def test_a_pypi_purl_parses_back_to_the_normalized_name_and_version(name: str, version: str) -> None:
    package = Package(Ecosystem.PYPI, name, version, (PackageLocation("site-packages/x.dist-info"),))
    parsed = PackageURL.from_string(package.purl)
    assert (parsed.type, parsed.namespace, parsed.name, parsed.version) == ("pypi", None, package.key, version)
    assert parsed.to_string() == package.purl


@given(st.one_of(st.none(), NPM_PART), NPM_PART, VERSION)
def test_an_npm_purl_parses_back_to_the_scope_name_and_version(scope: str | None, base: str, version: str) -> None:
    name = f"@{scope}/{base}" if scope else base
    package = Package(Ecosystem.NPM, name, version, declared=True)
    parsed = PackageURL.from_string(package.purl)
    assert (parsed.type, parsed.namespace, parsed.name, parsed.version) == (
        "npm",
        f"@{scope}" if scope else None,
        base,
        version,
    )
    assert parsed.to_string() == package.purl


def test_purls_of_known_packages() -> None:
    assert Package(Ecosystem.PYPI, "LangChain_Experimental", "0.0.14").purl == "pkg:pypi/langchain-experimental@0.0.14"
    assert Package(Ecosystem.NPM, "@anthropic-ai/sdk", "0.20.1").purl == "pkg:npm/%40anthropic-ai/sdk@0.20.1"
    assert Package(Ecosystem.PYPI, "torch", "2.1.0+cpu").purl == "pkg:pypi/torch@2.1.0%2Bcpu"
