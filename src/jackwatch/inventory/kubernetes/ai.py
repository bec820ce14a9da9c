"""Whether a Kubernetes workload is an AI workload, from what its manifest shows: image names and environment.

An image says AI when a segment of its repository, or a word of one (split at ``-``, ``_``, ``.``), is the name of a
catalogued AI package that is not ``general`` (``vllm``, ``langchain``, ``openai``…) or of a well-known model server
(:data:`AI_IMAGE_WORDS`). The environment says AI when a variable's name names an LLM provider
(``OPENAI_API_KEY``, ``ANTHROPIC_BASE_URL``, ``HF_TOKEN``…) or a value is an LLM key (a literal ``env`` value, a
``command`` or ``args`` item, a value of a ConfigMap ``envFrom`` reads). The variables are those ``env`` names and
those ``envFrom`` makes of the keys of a ConfigMap or Secret of the inventory (after its ``prefix``). Each signal is a
reason, shown with the findings that depend on it.
"""

from __future__ import annotations

import re
from functools import cache

from jackwatch.inventory.catalog import AiCatalog
from jackwatch.inventory.kubernetes.images import parse_image
from jackwatch.inventory.kubernetes.inventory import Container, K8sInventory, KeyHolder, Workload
from jackwatch.inventory.kubernetes.objects import mapping, sequence
from jackwatch.secrets import Category

AI_IMAGE_WORDS = frozenset(
    {
        "anthropic",
        "bedrock",
        "comfyui",
        "gpt",
        "huggingface",
        "kserve",
        "langchain",
        "langflow",
        "litellm",
        "llama",
        "llamacpp",
        "llamaindex",
        "llm",
        "localai",
        "ollama",
        "open-webui",
        "openai",
        "pytorch",
        "tensorflow",
        "text-generation-inference",
        "tgi",
        "torchserve",
        "triton",
        "tritonserver",
        "vllm",
    }
)
"""Repository words of model servers, AI gateways and AI frameworks' images, besides the catalog's package names."""

AI_ENV_WORDS = frozenset(
    {
        "ANTHROPIC",
        "BEDROCK",
        "CLAUDE",
        "COHERE",
        "DEEPSEEK",
        "GEMINI",
        "GROQ",
        "HF",
        "HUGGINGFACE",
        "HUGGINGFACEHUB",
        "LANGCHAIN",
        "LANGSMITH",
        "LITELLM",
        "LLM",
        "MISTRAL",
        "OLLAMA",
        "OPENAI",
        "OPENROUTER",
        "PERPLEXITY",
        "REPLICATE",
        "TOGETHER",
        "VERTEXAI",
        "XAI",
    }
)
"""Words (between ``_``) of environment variable names that name an LLM provider or an LLM tool."""

_WORD = re.compile(r"[-_.]+")


@cache
def _image_words(catalog: AiCatalog) -> frozenset[str]:
    names = {entry.key for entry in catalog if not entry.general}
    return frozenset(names | AI_IMAGE_WORDS)


def ai_signals(inventory: K8sInventory, workload: Workload, catalog: AiCatalog | None = None) -> list[str]:
    """Why ``workload`` (of ``inventory``) is an AI workload (empty when nothing says so):
    ``image vllm/vllm-openai:v0.6.0``, ``env OPENAI_API_KEY``, ``openai_api_key in env MODE``,
    ``openai_api_key in args[1]``, ``openai_api_key in ConfigMap app-config`` (read through ``envFrom``)."""
    words = _image_words(catalog or AiCatalog.load())
    reasons: list[str] = []
    for container in workload.containers:
        if container.image and _image_is_ai(container.image, words):
            reasons.append(f"image {container.image}")
        names = container.literal_env().keys() | _env_names(container.body.get("env"))
        sources = _env_from(inventory, workload, container)
        names |= {f"{prefix}{key}" for prefix, holder in sources for key in holder.keys}
        reasons.extend(f"env {name}" for name in names if set(name.upper().split("_")) & AI_ENV_WORDS)
        reasons.extend(
            f"{leak.kind} in {holder.obj.kind} {holder.obj.name}"
            for _, holder in sources
            for leak in holder.leaks
            if leak.category is Category.LLM
        )
        reasons.extend(
            f"{leak.kind} in env {leak.within}" for leak in container.env_leaks if leak.category is Category.LLM
        )
        reasons.extend(
            f"{leak.kind} in {leak.within}" for leak in container.command_leaks if leak.category is Category.LLM
        )
    return sorted(set(reasons))


def _image_is_ai(image: str, words: frozenset[str]) -> bool:
    repository = parse_image(image).path.lower()
    for segment in repository.split("/"):
        if segment in words or any(word in words for word in _WORD.split(segment)):
            return True
    return False


def _env_names(env: object) -> set[str]:
    names: set[str] = set()
    if isinstance(env, list):
        for item in env:
            name = item.get("name") if isinstance(item, dict) else None
            if isinstance(name, str):
                names.add(name)
    return names


def _env_from(inventory: K8sInventory, workload: Workload, container: Container) -> list[tuple[str, KeyHolder]]:
    """The ConfigMaps (``configMapRef``) and Secrets (``secretRef``) the container's ``envFrom`` names in the
    workload's namespace, with the entry's ``prefix``; a source the inventory does not hold is left out."""
    found: list[tuple[str, KeyHolder]] = []
    for item in sequence(container.body.get("envFrom")):
        entry = mapping(item)
        prefix = entry.get("prefix")
        for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            holder = inventory.key_holder(kind, workload.obj.namespace, mapping(entry.get(field)).get("name"))
            if holder is not None:
                found.append((prefix if isinstance(prefix, str) else "", holder))
    return found
