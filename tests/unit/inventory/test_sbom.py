"""SBOM input: CycloneDX and SPDX 2.x JSON documents as packages; bad documents and entries reported."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jackwatch.errors import ContentError, SourceError
from jackwatch.inventory.sbom import parse_sbom, read_sbom
from jackwatch.model.inventory import Ecosystem
from jackwatch.sources.stats import ReadStats

CYCLONEDX = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
    "version": 1,
    "metadata": {"component": {"type": "application", "name": "openai-app", "version": "1.0"}},
    "components": [
        {
            "type": "library",
            "bom-ref": "pkg:pypi/langchain@0.0.171",
            "name": "langchain",
            "version": "0.0.171",
            "purl": "pkg:pypi/langchain@0.0.171",
            "x-vendor-extension": {"ignored": True},
            "components": [{"type": "library", "name": "Pillow", "version": "10.0.0"}],
        },
        {"type": "library", "name": "sdk", "group": "@anthropic-ai", "purl": "pkg:npm/%40anthropic-ai/sdk@0.20.1"},
        {"type": "library", "name": "openssl", "version": "3.0.2", "purl": "pkg:deb/ubuntu/openssl@3.0.2"},
        {"type": "library", "name": "nameless-version"},
    ],
}

SPDX = {
    "spdxVersion": "SPDX-2.3",
    "dataLicense": "CC0-1.0",
    "SPDXID": "SPDXRef-DOCUMENT",
    "name": "openai-app",
    "documentNamespace": "https://example.com/spdx/openai-app-1.0",
    "creationInfo": {"created": "2026-11-20T10:00:00Z", "creators": ["Tool: syft-1.0.0"]},
    "packages": [
        {
            "SPDXID": "SPDXRef-Package-python-gradio",
            "name": "gradio",
            "versionInfo": "3.50.2",
            "downloadLocation": "NOASSERTION",
            "externalRefs": [
                {"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:gradio"},
                {
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": "pkg:pypi/gradio@3.50.2",
                },
            ],
        },
        {"SPDXID": "SPDXRef-Package-aiohttp", "name": "aiohttp", "versionInfo": "3.9.1", "downloadLocation": "NONE"},
        {
            "SPDXID": "SPDXRef-Package-bad",
            "name": "bad",
            "externalRefs": [{"referenceType": "purl", "referenceLocator": "not a purl"}],
        },
    ],
}


def parse(document: object) -> tuple[list[tuple[Ecosystem, str, str]], ReadStats]:
    stats = ReadStats()
    packages = parse_sbom(orjson.dumps(document), "bom.json", stats)
    return [(p.ecosystem, p.key, p.version) for p in packages], stats


def test_cyclonedx_components_nested_components_and_scoped_npm_packages() -> None:
    found, stats = parse(CYCLONEDX)
    assert found == [
        (Ecosystem.PYPI, "langchain", "0.0.171"),
        (Ecosystem.PYPI, "pillow", "10.0.0"),
        (Ecosystem.NPM, "@anthropic-ai/sdk", "0.20.1"),
    ]
    assert dict(stats.skipped) == {"other_ecosystem": 1, "missing_field": 1}
    assert {str(p.location) for p in stats.problems} == {"bom.json#/components/2", "bom.json#/components/3"}


def test_spdx_packages_by_purl_or_name_and_version() -> None:
    found, stats = parse(SPDX)
    assert found == [(Ecosystem.PYPI, "aiohttp", "3.9.1"), (Ecosystem.PYPI, "gradio", "3.50.2")]
    assert dict(stats.skipped) == {"invalid_purl": 1}
    assert str(stats.problems[0].location) == "bom.json#/packages/2"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"bomFormat": "CycloneDX", ', "not JSON"),
        (b'{"spdxVersion": "SPDX-3.0"}', "neither a CycloneDX"),
        (b"[]", "neither a CycloneDX"),
    ],
)
def test_documents_that_are_not_sboms_are_errors(data: bytes, message: str) -> None:
    with pytest.raises(ContentError, match=message) as caught:
        parse_sbom(data, "bom.json", ReadStats())
    assert caught.value.location is not None and caught.value.location.path == "bom.json"


def test_a_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        read_sbom(tmp_path / "absent.json", ReadStats())


@given(
    st.lists(
        st.tuples(st.sampled_from(["requests", "numpy", "openai"]), st.from_regex(r"[0-9]\.[0-9]{1,2}", fullmatch=True))
    )
)
def test_every_listed_component_is_one_package(components: list[tuple[str, str]]) -> None:
    document = {"bomFormat": "CycloneDX", "components": [{"name": n, "version": v} for n, v in components]}
    found, stats = parse(document)
    assert sorted(found) == sorted({(Ecosystem.PYPI, n, v) for n, v in components})
    assert stats.events_read == len(components) and not stats.skipped
