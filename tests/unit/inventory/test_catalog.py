"""The AI package catalog: lookups by normalised name per ecosystem, AI packages and AI workloads marked, and
a catalog file's every problem reported with its line while its valid entries load."""

from __future__ import annotations

from pathlib import Path

import pytest

from jackwatch.errors import Location
from jackwatch.inventory.catalog import (
    AiCatalog,
    AiCategory,
    AiPackage,
    AiProvider,
    CatalogError,
    read_catalog,
)
from jackwatch.model.inventory import Ecosystem, Package

ENTRY = """  - ecosystem: {ecosystem}
    name: '{name}'
    category: {category}
    providers: {providers}
    description: {description}
    url: {url}
"""


def entry(
    name: str,
    ecosystem: str = "PyPI",
    category: str = "llm_sdk",
    providers: str = "[openai]",
    description: str = "A client.",
    url: str = "https://github.com/acme/client",
) -> str:
    return ENTRY.format(
        ecosystem=ecosystem, name=name, category=category, providers=providers, description=description, url=url
    )


def catalog_file(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text("packages:\n" + "".join(entries), encoding="utf-8")
    return path


def pypi(name: str, version: str = "1.0.0") -> Package:
    return Package(Ecosystem.PYPI, name, version)


def npm(name: str, version: str = "1.0.0") -> Package:
    return Package(Ecosystem.NPM, name, version)


# --------------------------------------------------------------------------------------------- lookups


@pytest.mark.parametrize("written", ["langchain-core", "LangChain_Core", "langchain.core", "LANGCHAIN__CORE"])
def test_pypi_names_are_looked_up_normalised(written: str) -> None:
    found = AiCatalog.load().lookup(pypi(written, "0.1.52"))
    assert found is not None and (found.name, found.category) == ("langchain-core", AiCategory.ORCHESTRATION)


def test_npm_names_are_looked_up_as_written_and_ecosystems_stay_apart() -> None:
    catalog = AiCatalog.load()
    sdk = catalog.lookup(npm("@anthropic-ai/sdk", "0.20.1"))
    assert sdk is not None and sdk.providers == (AiProvider.ANTHROPIC,)
    assert catalog.lookup(npm("@Anthropic-AI/SDK")) is None
    assert catalog.lookup(pypi("@anthropic-ai/sdk")) is None
    python, node = catalog.find(Ecosystem.PYPI, "openai"), catalog.find(Ecosystem.NPM, "openai")
    assert python is not None and node is not None and python != node
    assert (python.url, node.url) == (
        "https://github.com/openai/openai-python",
        "https://github.com/openai/openai-node",
    )


def test_packages_that_are_not_ai_are_not_found() -> None:
    catalog = AiCatalog.load()
    assert [
        catalog.lookup(p) for p in (pypi("requests"), pypi("django"), npm("express"), npm("@aws-sdk/client-s3"))
    ] == [None] * 4


# ------------------------------------------------------------------------------------ marking workloads


def test_ai_packages_are_marked_in_the_order_of_the_workload() -> None:
    packages = [pypi("fastapi"), pypi("openai", "1.30.1"), pypi("uvicorn"), pypi("chromadb"), npm("ai")]
    matches = AiCatalog.load().matches(packages)
    assert [(m.package.name, m.entry.category) for m in matches] == [
        ("openai", AiCategory.LLM_SDK),
        ("chromadb", AiCategory.VECTOR_STORE),
        ("ai", AiCategory.LLM_SDK),
    ]


@pytest.mark.parametrize(
    ("names", "ai"),
    [
        (["requests", "boto3", "botocore"], False),
        (["streamlit", "pandas"], False),
        (["jupyterlab", "ray"], False),
        (["boto3", "langchain-aws"], True),
        (["torch"], True),
        (["faiss-cpu", "numpy"], True),
        ([], False),
    ],
)
def test_a_workload_is_an_ai_workload_with_one_package_that_is_not_general(names: list[str], ai: bool) -> None:
    assert AiCatalog.load().is_ai_workload(pypi(name) for name in names) is ai


def test_the_providers_a_workload_can_reach_include_those_of_general_packages() -> None:
    catalog = AiCatalog.load()
    assert catalog.providers([pypi("boto3"), pypi("requests")]) == {AiProvider.AWS_BEDROCK}
    assert catalog.providers([pypi("langchain-openai"), npm("@ai-sdk/google")]) == {
        AiProvider.OPENAI,
        AiProvider.AZURE_OPENAI,
        AiProvider.GOOGLE_AI,
    }
    assert catalog.providers([pypi("torch")]) == frozenset()


# ---------------------------------------------------------------------------------------- catalog files


def test_a_valid_file_loads_with_the_line_of_each_entry(tmp_path: Path) -> None:
    path = catalog_file(
        tmp_path,
        entry("acme-llm"),
        entry("@acme/llm", ecosystem="npm", providers="[]", category="orchestration"),
        entry("acme-ui", category="app_ui", providers="[]") + "    general: true\n",
    )
    catalog = AiCatalog.load(path)
    assert [(e.ecosystem, e.name, e.providers, e.general, e.location) for e in catalog] == [
        (Ecosystem.PYPI, "acme-llm", (AiProvider.OPENAI,), False, Location(str(path), 2)),
        (Ecosystem.NPM, "@acme/llm", (), False, Location(str(path), 8)),
        (Ecosystem.PYPI, "acme-ui", (), True, Location(str(path), 14)),
    ]
    assert not catalog.is_ai_workload([pypi("acme-ui")]) and catalog.is_ai_workload([npm("@acme/llm")])


def test_every_problem_is_reported_with_its_line_and_the_valid_entries_kept(tmp_path: Path) -> None:
    path = catalog_file(
        tmp_path,
        entry("good"),
        entry("bad-category", category="chatbot"),
        entry("bad-provider", providers="[openai, skynet]"),
        entry("Good"),
        entry("Bad_Npm", ecosystem="npm"),
        entry("http-url", url="http://example.org"),
        entry("repeated-provider", providers="[openai, openai]"),
        entry("cargo-thing", ecosystem="crates.io"),
        "  - ecosystem: PyPI\n    name: no-url\n    category: llm_sdk\n    providers: []\n    description: x.\n",
        entry("extra") + "    stars: 5\n",
        entry("not-bool") + "    general: sometimes\n",
        "  - just a string\n",
    )
    packages, errors = read_catalog(path)
    assert [package.name for package in packages] == ["good"]
    assert [(error.location.line if error.location else None, error.message) for error in errors] == [
        (10, "category must be one of llm_sdk, orchestration, inference_server, ml_framework, model_hub,"
         " vector_store, app_ui, evaluation, not 'chatbot'"),
        (17, "unknown provider 'skynet' (known: openai, anthropic, aws_bedrock, azure_openai, gcp_vertex, google_ai,"
         " cohere, mistral, huggingface, groq, together, replicate, deepseek, xai, perplexity, openrouter, ollama)"),
        (20, f"Good is already catalogued at {path}:2"),
        (27, "name 'Bad_Npm' is not a valid npm package name"),
        (37, "url must be an https URL, not 'http://example.org'"),
        (41, "providers must be a list of distinct providers ([] for none)"),
        (44, "ecosystem must be one of PyPI, npm, not 'crates.io'"),
        (50, "missing url"),
        (61, "unknown key 'stars'"),
        (68, "general must be true or false"),
        (2, "a catalog entry must be a mapping, not 'just a string'"),
    ]  # fmt: skip
    with pytest.raises(CatalogError) as raised:
        AiCatalog.load(path)
    assert len(raised.value.errors) == len(errors) and f"{path}:10: category must be one of" in str(raised.value)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("packages: [\n", "YAML syntax error", 2),
        ("- ecosystem: PyPI\n", "a catalog is one mapping with a 'packages' list", 1),
        ("packages: {}\n", "a catalog is one mapping with a 'packages' list", 1),
        ("packages: []\nextra: 1\n", "a catalog is one mapping with a 'packages' list", 1),
        ("packages: []\npackages: []\n", "key 'packages' given twice", 2),
    ],
)
def test_files_that_are_not_catalogs(tmp_path: Path, text: str, message: str, line: int) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    _, errors = read_catalog(path)
    assert errors and errors[0].message.startswith(message)
    assert errors[0].location is not None and errors[0].location.line == line


def test_a_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    _, errors = read_catalog(tmp_path / "absent.yaml")
    assert [error.message.split(":")[0] for error in errors] == ["cannot read the catalog"]


def test_a_catalog_built_in_code_refuses_the_same_package_twice() -> None:
    one = AiPackage(Ecosystem.PYPI, "Acme_LLM", AiCategory.LLM_SDK, (), "A.", "https://acme.example")
    two = AiPackage(Ecosystem.PYPI, "acme-llm", AiCategory.ML_FRAMEWORK, (), "B.", "https://acme.example")
    with pytest.raises(ValueError, match="catalogued twice"):
        AiCatalog([one, two])
    assert len(AiCatalog([one, AiPackage(Ecosystem.NPM, "acme-llm", AiCategory.LLM_SDK, (), "C.", "https://a.b")])) == 2


def test_values_of_the_wrong_type_are_problems_not_crashes(tmp_path: Path) -> None:
    path = catalog_file(
        tmp_path,
        entry("list-ecosystem", ecosystem="[PyPI]"),
        entry("map-provider", providers="[{openai: 1}]"),
        entry("map-category", category="{a: b}"),
        entry("list-url", url="[https://x.example]"),
    )
    packages, errors = read_catalog(path)
    assert packages == []
    assert [error.message.split(" ")[0] for error in errors] == ["ecosystem", "unknown", "category", "url"]
