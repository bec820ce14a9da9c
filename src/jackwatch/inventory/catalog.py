"""The AI package catalog: which PyPI and npm packages are AI packages, what each is for, whom it calls.

The catalog is data (``jackwatch/content/ai_packages.yaml``, documented in ``docs/ai-packages.md``). It marks the
AI packages among a root's packages and tells whether a workload is an **AI workload**: one that has at least
one catalogued package that is not ``general``. General packages — the AWS SDK, notebooks, dashboards, Ray —
are catalogued (their category and the providers they can reach are known) but most of their installs are not
AI, so they alone do not make an AI workload.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from packaging.utils import InvalidName, canonicalize_name

from jackwatch.errors import ContentError, JackwatchError, Location
from jackwatch.model.inventory import Ecosystem, Package, normalize_name
from jackwatch.yamlsource import YamlMap, read_yaml


class AiCategory(StrEnum):
    """What an AI package is for."""

    LLM_SDK = "llm_sdk"
    """Calls a model API: a provider's SDK, a multi-provider client, a client of a model server."""
    ORCHESTRATION = "orchestration"
    """Chains, agents, retrieval pipelines and tools around models (LangChain, LlamaIndex, CrewAI…)."""
    INFERENCE_SERVER = "inference_server"
    """Serves models over the network (vLLM, llama.cpp's server, BentoML, Ray Serve…)."""
    ML_FRAMEWORK = "ml_framework"
    """Trains or runs models in process (PyTorch, TensorFlow, Transformers…)."""
    MODEL_HUB = "model_hub"
    """Fetches, stores or registers models and datasets (Hugging Face Hub, MLflow…)."""
    VECTOR_STORE = "vector_store"
    """Stores and searches embeddings (Chroma, Pinecone, Qdrant, FAISS…)."""
    APP_UI = "app_ui"
    """Puts models in front of people: web apps, chat interfaces, notebooks."""
    EVALUATION = "evaluation"
    """Evaluates, traces or red-teams models and LLM apps."""


class AiProvider(StrEnum):
    """Hosted AI services (and a local model server) a package can call."""

    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    AWS_BEDROCK = "aws_bedrock"
    AZURE_OPENAI = "azure_openai"
    GCP_VERTEX = "gcp_vertex"
    GOOGLE_AI = "google_ai"
    """The Gemini API of Google AI Studio (API keys), apart from Vertex AI on Google Cloud."""
    COHERE = "cohere"
    MISTRAL = "mistral"
    HUGGINGFACE = "huggingface"
    GROQ = "groq"
    TOGETHER = "together"
    REPLICATE = "replicate"
    DEEPSEEK = "deepseek"
    XAI = "xai"
    PERPLEXITY = "perplexity"
    OPENROUTER = "openrouter"
    OLLAMA = "ollama"


@dataclass(frozen=True, slots=True)
class AiPackage:
    """One catalogued package: ``providers`` are those it calls out of the box (empty for none)."""

    ecosystem: Ecosystem
    name: str
    category: AiCategory
    providers: tuple[AiProvider, ...]
    description: str
    url: str
    general: bool = False
    location: Location | None = field(default=None, compare=False, repr=False)
    """Where the entry is written (file:line)."""

    @property
    def key(self) -> str:
        """The normalised name packages are looked up by."""
        return normalize_name(self.ecosystem, self.name)


class AiMatch(NamedTuple):
    """A package found in a workload, and its catalog entry."""

    package: Package
    entry: AiPackage


class CatalogError(JackwatchError):
    """The catalog could not be loaded; ``errors`` holds every problem, each with its file:line."""

    def __init__(self, errors: Iterable[ContentError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


class AiCatalog:
    """The catalogued AI packages, looked up by ecosystem and normalised name."""

    def __init__(self, packages: Iterable[AiPackage]) -> None:
        self._entries: dict[tuple[Ecosystem, str], AiPackage] = {}
        for package in packages:
            if self._entries.setdefault((package.ecosystem, package.key), package) is not package:
                raise ValueError(f"{package.ecosystem} {package.name} is catalogued twice")

    @classmethod
    def load(cls, path: Path | None = None) -> AiCatalog:
        """The catalog in ``path``, or the built-in one; :class:`CatalogError` with every problem when invalid."""
        if path is None:
            return _builtin()
        packages, errors = read_catalog(path)
        if errors:
            raise CatalogError(errors)
        return cls(packages)

    def __iter__(self) -> Iterator[AiPackage]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def find(self, ecosystem: Ecosystem, name: str) -> AiPackage | None:
        """The entry of ``name`` (written any way the ecosystem accepts: ``LangChain_Core`` for PyPI)."""
        return self._entries.get((ecosystem, normalize_name(ecosystem, name)))

    def lookup(self, package: Package) -> AiPackage | None:
        """The entry of an installed or declared package, ``None`` when it is not an AI package."""
        return self._entries.get((package.ecosystem, package.key))

    def matches(self, packages: Iterable[Package]) -> list[AiMatch]:
        """The AI packages among ``packages``, in their order, each with its entry."""
        return [AiMatch(package, entry) for package in packages if (entry := self.lookup(package)) is not None]

    def is_ai_workload(self, packages: Iterable[Package]) -> bool:
        """Whether ``packages`` hold at least one AI package that is not ``general``."""
        return any(not match.entry.general for match in self.matches(packages))

    def providers(self, packages: Iterable[Package]) -> frozenset[AiProvider]:
        """Every provider the AI packages among ``packages`` can call (general packages included)."""
        return frozenset(provider for match in self.matches(packages) for provider in match.entry.providers)


def builtin_catalog_file() -> Path:
    """``jackwatch/content/ai_packages.yaml``, shipped as package data."""
    return Path(str(files("jackwatch") / "content" / "ai_packages.yaml"))


@cache
def _builtin() -> AiCatalog:
    return AiCatalog.load(builtin_catalog_file())


# ---------------------------------------------------------------------------------------------- reading

_KEYS = frozenset({"ecosystem", "name", "category", "providers", "description", "url", "general"})
_REQUIRED = ("ecosystem", "name", "category", "providers", "description", "url")

MAX_DESCRIPTION = 160
"""Longest description: one line."""


def read_catalog(path: Path) -> tuple[list[AiPackage], list[ContentError]]:
    """The valid entries of a catalog file and every problem found (a bad entry is left out, the others kept)."""
    name = str(path)
    try:
        loaded = read_yaml(path.read_text(encoding="utf-8"), name)
    except (OSError, UnicodeDecodeError) as exc:
        return [], [ContentError(f"cannot read the catalog: {exc}", Location(name))]
    except ContentError as exc:
        return [], [exc]
    errors = [ContentError(f"key {dup.key!r} given twice", dup.location) for dup in loaded.duplicate_keys]
    top = loaded.values[0] if len(loaded.values) == 1 else None
    if not isinstance(top, YamlMap) or set(top) != {"packages"} or not isinstance(top["packages"], list):
        errors.append(ContentError("a catalog is one mapping with a 'packages' list", Location(name, 1)))
        return [], errors
    entries = top["packages"]
    packages: list[AiPackage] = []
    seen: dict[tuple[Ecosystem, str], AiPackage] = {}
    for item in entries:
        package = _entry(item, top, errors)
        if package is None:
            continue
        earlier = seen.setdefault((package.ecosystem, package.key), package)
        if earlier is not package:
            errors.append(ContentError(f"{package.name} is already catalogued at {earlier.location}", package.location))
        else:
            packages.append(package)
    return packages, errors


def _entry(item: object, parent: YamlMap, errors: list[ContentError]) -> AiPackage | None:
    if not isinstance(item, YamlMap):
        errors.append(ContentError(f"a catalog entry must be a mapping, not {item!r}", parent.location("packages")))
        return None
    problems = [(key, f"unknown key {key!r}") for key in item if key not in _KEYS]
    problems += [(None, f"missing {key}") for key in _REQUIRED if key not in item]
    if not problems:
        problems = _field_problems(item)
    if problems:
        errors.extend(ContentError(problem, item.location(key)) for key, problem in problems)
        return None
    return AiPackage(
        Ecosystem(item["ecosystem"]),
        item["name"],
        AiCategory(item["category"]),
        tuple(AiProvider(provider) for provider in item["providers"]),
        item["description"],
        item["url"],
        item.get("general", False),
        item.location(),
    )


def _field_problems(item: YamlMap) -> list[tuple[str | None, str]]:
    """(key, problem) of each invalid value of an entry that has every required key."""
    problems: list[tuple[str | None, str]] = []
    ecosystem, name, providers = item["ecosystem"], item["name"], item["providers"]
    if not _one_of(ecosystem, Ecosystem):
        problems.append(("ecosystem", f"ecosystem must be one of {', '.join(Ecosystem)}, not {ecosystem!r}"))
    elif not isinstance(name, str) or not _valid_name(Ecosystem(ecosystem), name):
        problems.append(("name", f"name {name!r} is not a valid {ecosystem} package name"))
    if not _one_of(item["category"], AiCategory):
        problems.append(("category", f"category must be one of {', '.join(AiCategory)}, not {item['category']!r}"))
    if not isinstance(providers, list) or len(set(map(str, providers))) != len(providers):
        problems.append(("providers", "providers must be a list of distinct providers ([] for none)"))
    else:
        known = ", ".join(AiProvider)
        problems += [
            ("providers", f"unknown provider {p!r} (known: {known})") for p in providers if not _one_of(p, AiProvider)
        ]
    description = item["description"]
    if not isinstance(description, str) or not description.strip() or "\n" in description.strip():
        problems.append(("description", "description must be one line of text"))
    elif len(description) > MAX_DESCRIPTION:
        problems.append(("description", f"description longer than {MAX_DESCRIPTION} characters"))
    url = item["url"]
    if not isinstance(url, str) or urlsplit(url).scheme != "https" or not urlsplit(url).netloc:
        problems.append(("url", f"url must be an https URL, not {url!r}"))
    if not isinstance(item.get("general", False), bool):
        problems.append(("general", "general must be true or false"))
    return problems


def _one_of(value: object, choices: type[StrEnum]) -> bool:
    return isinstance(value, str) and value in choices.__members__.values()


def _valid_name(ecosystem: Ecosystem, name: str) -> bool:
    """A PyPI name as PEP 508 allows it, or an npm name (lowercase, optionally ``@scope/``)."""
    if ecosystem is Ecosystem.NPM:
        scope, _, bare = name.rpartition("/")
        parts = [bare] if not scope else [scope.removeprefix("@"), bare]
        return (not scope or scope.startswith("@")) and all(_npm_part(part) for part in parts)
    try:
        canonicalize_name(name, validate=True)
    except InvalidName:
        return False
    return True


def _npm_part(part: str) -> bool:
    return bool(part) and part == part.lower() and part[0] not in "._" and all(c.isalnum() or c in "-._~" for c in part)
