"""The built-in AI package catalog: every entry valid and unique, at least 80 of them, the required packages
present, and names spelled as PyPI spells them (checked against real advisories and installed metadata)."""

from __future__ import annotations

from email.parser import HeaderParser
from pathlib import Path

import pytest
import yaml
from tests.datasets import DATASETS, needs

from jackwatch.inventory.catalog import AiCatalog, AiCategory, AiProvider, builtin_catalog_file, read_catalog
from jackwatch.model.inventory import Ecosystem, Package, normalize_name

ADVISORIES = DATASETS / "pypa-advisory-database" / "vulns"
DIST_INFO = DATASETS / "pypi-dist-info-samples" / "site-packages"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def names(*lines: str) -> list[str]:
    """The names written on ``lines``, separated by spaces."""
    return [name for line in lines for name in line.split()]


REQUIRED = {
    Ecosystem.PYPI: names(
        "openai anthropic boto3 botocore google-cloud-aiplatform vertexai google-generativeai cohere mistralai groq",
        "together replicate litellm langchain langchain-core langchain-community langchain-openai langchain-anthropic",
        "langchain-aws llama-index haystack-ai crewai autogen semantic-kernel dspy transformers sentence-transformers",
        "torch tensorflow jax keras vllm text-generation ollama llama-cpp-python ray mlflow bentoml tritonclient",
        "gradio streamlit chainlit jupyterlab notebook huggingface-hub datasets chromadb pinecone weaviate-client",
        "qdrant-client pymilvus faiss-cpu lancedb ragas deepeval",
    ),
    Ecosystem.NPM: names(
        "openai @anthropic-ai/sdk langchain @langchain/core @langchain/openai ai @google/generative-ai",
        "@aws-sdk/client-bedrock-runtime cohere-ai @mistralai/mistralai llamaindex @pinecone-database/pinecone",
        "chromadb ollama promptfoo",
    ),
}

GENERAL = set(names("boto3 botocore aioboto3 ray streamlit jupyterlab notebook jupyter-server"))
"""Packages most of whose installs are not AI: catalogued, but not enough for an AI workload."""

ADVISED_AI_PACKAGES = set(
    names(
        "gradio jupyterlab langchain langchain-core langchain-experimental llama-index metagpt mlflow notebook onnx",
        "paddlepaddle pytorch-lightning streamlit tensorflow torch embedchain",
    )
)
"""AI packages the advisory database has advisories for: each must be found by the name its advisories use."""


def raw_entries() -> list[dict[str, object]]:
    """The catalog as plain YAML, read without the loader."""
    document = yaml.safe_load(builtin_catalog_file().read_text(encoding="utf-8"))
    assert isinstance(document, dict) and isinstance(document["packages"], list)
    return document["packages"]


def test_the_builtin_catalog_loads_without_a_problem() -> None:
    packages, errors = read_catalog(builtin_catalog_file())
    assert errors == []
    assert len(packages) == len(raw_entries()) >= 80
    assert len(AiCatalog.load()) == len(packages)


def test_every_entry_is_unique_once_names_are_normalised() -> None:
    keys = [
        (entry["ecosystem"], normalize_name(Ecosystem(entry["ecosystem"]), str(entry["name"])))
        for entry in raw_entries()
    ]
    assert len(keys) == len(set(keys))


def test_categories_and_providers_come_from_the_allowed_sets_and_each_is_used() -> None:
    entries = raw_entries()
    categories = {entry["category"] for entry in entries}
    providers = {provider for entry in entries for provider in entry["providers"]}
    assert categories == set(AiCategory)
    assert providers == set(AiProvider)


def test_every_entry_has_the_fields_of_the_format() -> None:
    for entry in raw_entries():
        assert set(entry) <= {"ecosystem", "name", "category", "providers", "general", "description", "url"}
        assert str(entry["url"]).startswith("https://") and str(entry["description"]).endswith(".")


@pytest.mark.parametrize("ecosystem", list(REQUIRED))
def test_the_required_packages_are_catalogued(ecosystem: Ecosystem) -> None:
    catalog = AiCatalog.load()
    assert [name for name in REQUIRED[ecosystem] if catalog.find(ecosystem, name) is None] == []


def test_general_packages_are_the_ones_most_installs_use_for_something_else() -> None:
    assert {entry.name for entry in AiCatalog.load() if entry.general} == GENERAL


def test_the_bedrock_sdks_reach_bedrock() -> None:
    catalog = AiCatalog.load()
    for ecosystem, name in [
        (Ecosystem.PYPI, "boto3"),
        (Ecosystem.PYPI, "langchain-aws"),
        (Ecosystem.NPM, "@aws-sdk/client-bedrock-runtime"),
    ]:
        entry = catalog.find(ecosystem, name)
        assert entry is not None and AiProvider.AWS_BEDROCK in entry.providers


@needs(ADVISORIES)
def test_ai_packages_with_advisories_are_found_by_the_names_advisories_use() -> None:
    catalog = AiCatalog.load()
    found = set()
    for advisory in sorted(ADVISORIES.glob("*/*.yaml")):
        for affected in yaml.load(advisory.read_text(encoding="utf-8"), Loader=LOADER).get("affected", []):
            name = affected["package"]["name"]
            if catalog.find(Ecosystem.PYPI, name) is not None:
                found.add(normalize_name(Ecosystem.PYPI, name))
    assert found >= ADVISED_AI_PACKAGES
    assert "django" not in found and "requests" not in found


@needs(DIST_INFO)
def test_installed_distributions_are_marked_by_the_name_in_their_metadata() -> None:
    catalog = AiCatalog.load()
    marked = {}
    for metadata in sorted(DIST_INFO.glob("*.dist-info/METADATA")):
        headers = HeaderParser().parsestr(metadata.read_text(encoding="utf-8"))
        package = Package(Ecosystem.PYPI, headers["Name"], headers["Version"])
        marked[package.name] = catalog.lookup(package) is not None
    assert marked == {
        "Pillow": False,
        "aiohttp": False,
        "fastapi": False,
        "gradio": True,
        "langchain": True,
        "langchain-experimental": True,
        "llama-index": True,
        "mlflow": True,
        "transformers": True,
    }


def test_the_catalog_file_is_package_data() -> None:
    assert builtin_catalog_file().is_file()
    assert builtin_catalog_file().parent == Path(__file__).resolve().parents[2] / "src" / "jackwatch" / "content"


def test_the_documentation_names_every_category_provider_and_general_package() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "ai-packages.md").read_text(encoding="utf-8")
    catalog = AiCatalog.load()
    missing = [f"`{value}`" for value in [*AiCategory, *AiProvider, *GENERAL] if f"`{value}`" not in text]
    assert missing == []
    assert f"{len(catalog)} packages" in text
