"""Keys of the LLM providers beyond the big three: the ones with a prefix are found anywhere, the ones without
(Cohere, Mistral, DeepSeek, legacy Together keys) only where a name or nearby text says whose they are."""

from __future__ import annotations

import random

import pytest

from jackwatch.secrets import DETECTORS_BY_KIND, fingerprint, scan_text
from jackwatch.secrets.detectors import CONTEXT_DISTANCE

from .samples import ALNUM, HEX, URL_SAFE, aws_key_id, aws_secret, draw, varied


def found(text: str) -> list[tuple[str, str]]:
    return [(hit.kind, hit.fingerprint) for hit in scan_text(text)]


def rng(seed: int = 0) -> random.Random:
    return random.Random(seed)


# ------------------------------------------------------------------------------------- with a prefix


@pytest.mark.parametrize(
    ("kind", "make"),
    [
        ("groq_api_key", lambda r: "gsk_" + draw(r, ALNUM, 52)),
        ("openrouter_api_key", lambda r: "sk-or-v1-" + draw(r, HEX, 64)),
        ("xai_api_key", lambda r: "xai-" + draw(r, ALNUM + "_", 80)),
        ("perplexity_api_key", lambda r: "pplx-" + draw(r, ALNUM, 48)),
        ("replicate_api_token", lambda r: "r8_" + draw(r, URL_SAFE, 37)),
        ("together_api_key", lambda r: "tgp_v1_" + draw(r, URL_SAFE, 43)),
    ],
)
def test_a_prefixed_key_is_found_without_any_context(kind: str, make: object) -> None:
    assert callable(make)
    key = make(rng(1))
    for text in (key, f"the key is {key}.", f'"{key}"', f"token={key}\n"):
        assert found(text) == [(kind, fingerprint(key))]
    assert DETECTORS_BY_KIND[kind].provider == kind.split("_")[0]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda r: "gsk_" + draw(r, ALNUM, 51), id="groq key one short"),
        pytest.param(lambda r: "gsk_" + draw(r, ALNUM, 53), id="groq key one long"),
        pytest.param(lambda r: "xgsk_" + draw(r, ALNUM, 52), id="gsk_ inside a word"),
        pytest.param(lambda r: "GROQ_API_KEY=gsk_" + "x" * 52, id="groq placeholder"),
        pytest.param(lambda r: "sk-or-v1-" + draw(r, HEX, 63), id="openrouter key one short"),
        pytest.param(lambda r: "sk-or-v1-" + draw(r, HEX.upper(), 64), id="openrouter key in upper case"),
        pytest.param(lambda r: "xai-" + draw(r, ALNUM, 79), id="xai key one short"),
        pytest.param(lambda r: "pixai-" + draw(r, ALNUM, 80), id="xai- inside a word"),
        pytest.param(lambda r: "pplx-" + draw(r, ALNUM, 47), id="perplexity key one short"),
        pytest.param(lambda r: "r8_" + draw(r, ALNUM, 36), id="replicate token one short"),
        pytest.param(lambda r: "ar8_" + draw(r, ALNUM, 37), id="r8_ inside a word"),
        pytest.param(lambda r: "tgp_v1_" + draw(r, ALNUM, 42), id="together key one short"),
        pytest.param(lambda r: "REPLICATE_API_TOKEN=r8_" + "a" * 37, id="replicate key without entropy"),
    ],
)
def test_prefixed_key_noise(make: object) -> None:
    assert callable(make)
    assert found(make(rng(2))) == []


def test_an_openrouter_key_is_not_also_an_openai_key() -> None:
    key = "sk-or-v1-" + draw(rng(3), HEX, 64)
    assert [kind for kind, _ in found(f"OPENAI_API_KEY={key}")] == ["openrouter_api_key"]


# ------------------------------------------------------------------------------------------ by context


@pytest.mark.parametrize(
    "text",
    [
        "COHERE_API_KEY={key}",
        "export CO_API_KEY='{key}'",
        '{{"cohere_api_key": "{key}"}}',
        'co = cohere.ClientV2(api_key="{key}")',
        "cohere:\n  api_key: {key}\n",
        "env:\n  - name: COHERE_API_KEY\n    value: {key}\n",
        'curl https://api.cohere.com/v2/chat -H "Authorization: Bearer {key}"',
    ],
)
def test_a_cohere_key_is_found_where_it_is_named(text: str) -> None:
    key = varied(rng(4), ALNUM, 40)
    assert found(text.format(key=key)) == [("cohere_api_key", fingerprint(key))]


@pytest.mark.parametrize(
    ("kind", "variable", "key"),
    [
        ("mistral_api_key", "MISTRAL_API_KEY", varied(rng(5), ALNUM, 32)),
        ("deepseek_api_key", "DEEPSEEK_API_KEY", "sk-" + varied(rng(6), HEX, 32)),
        ("together_api_key", "TOGETHER_API_KEY", varied(rng(7), HEX, 64)),
        ("together_api_key", "TOGETHER_AI_API_KEY", varied(rng(8), HEX, 64)),
    ],
)
def test_keys_without_a_prefix_are_found_in_env_files_and_manifests(kind: str, variable: str, key: str) -> None:
    assert found(f"{variable}={key}") == [(kind, fingerprint(key))]
    assert found(f"- name: {variable}\n  value: '{key}'") == [(kind, fingerprint(key))]
    assert found(f"{variable}: {key}") == [(kind, fingerprint(key))]


def test_a_deepseek_key_is_found_by_the_endpoint_named_after_it() -> None:
    key = "sk-" + varied(rng(9), HEX, 32)
    text = f'client = OpenAI(api_key="{key}", base_url="https://api.deepseek.com")'
    assert found(text) == [("deepseek_api_key", fingerprint(key))]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda r: f"api_key={varied(r, ALNUM, 40)}", id="cohere shape, nobody named"),
        pytest.param(lambda r: f"OPENAI_API_KEY={varied(r, ALNUM, 40)}  # cohere is next", id="another's name"),
        pytest.param(lambda r: f"cohere {' ' * CONTEXT_DISTANCE}api_key={varied(r, ALNUM, 40)}", id="cohere too far"),
        pytest.param(lambda r: "COHERE_API_KEY=" + "x" * 40, id="cohere placeholder"),
        pytest.param(lambda r: "COHERE_API_KEY=ChatCompletionStreamRequestModelAbcdefgh", id="cohere, an identifier"),
        pytest.param(lambda r: f"COHERE_API_KEY={draw(r, 'abcdefghijklmnop0123456789', 40)}", id="cohere, one case"),
        pytest.param(lambda r: "COHERE_API_KEY=<your-cohere-api-key>", id="cohere, a template"),
        pytest.param(lambda r: f"MISTRAL_API_KEY={varied(r, ALNUM, 33)}", id="mistral key one long"),
        pytest.param(lambda r: "MISTRAL_API_KEY=MistralChatCompletionRequestBody", id="mistral, an identifier"),
        pytest.param(lambda r: f"mistral_model: {varied(r, ALNUM, 32)}", id="mistral, not a key name"),
        pytest.param(lambda r: f"from mistralai import Mistral  # {varied(r, ALNUM, 32)}", id="mistral, no assignment"),
        pytest.param(lambda r: f"sk-{varied(r, HEX, 32)}", id="deepseek shape, nobody named"),
        pytest.param(lambda r: f"DEEPSEEK_API_KEY=sk-{draw(r, HEX, 31)}", id="deepseek key one short"),
        pytest.param(lambda r: f"DEEPSEEK_API_KEY=sk-{'0123456789' * 3}01", id="deepseek, digits only"),
        pytest.param(
            lambda r: f'together = [{{file = "together-1.3.0.tar.gz", hash = "sha256:{draw(r, HEX, 64)}"}}]',
            id="together, a lock file hash",
        ),
        pytest.param(lambda r: f"together --checksum {draw(r, HEX, 64)}", id="together, a checksum"),
        pytest.param(lambda r: f"TOGETHER_API_KEY={draw(r, HEX, 63)}", id="together key one short"),
    ],
)
def test_context_key_noise(make: object) -> None:
    assert callable(make)
    assert found(make(rng(10))) == []


def test_a_cohere_key_is_not_taken_for_the_secret_of_a_nearby_aws_key_id() -> None:
    r = rng(11)
    key_id, cohere = aws_key_id(r), varied(r, ALNUM, 40)
    assert found(f"AWS_ACCESS_KEY_ID={key_id}\nCOHERE_API_KEY={cohere}\n") == [("cohere_api_key", fingerprint(cohere))]
    secret = aws_secret(r)
    text = f"AWS_ACCESS_KEY_ID={key_id}\nCOHERE_API_KEY={cohere}\nAWS_SECRET_ACCESS_KEY={secret}\n"
    assert found(text) == [("cohere_api_key", fingerprint(cohere)), ("aws_access_key", fingerprint(secret))]


def test_one_env_file_with_every_provider_gives_one_hit_per_key() -> None:
    r = rng(12)
    keys = {
        "COHERE_API_KEY": ("cohere_api_key", varied(r, ALNUM, 40)),
        "MISTRAL_API_KEY": ("mistral_api_key", varied(r, ALNUM, 32)),
        "DEEPSEEK_API_KEY": ("deepseek_api_key", "sk-" + varied(r, HEX, 32)),
        "TOGETHER_API_KEY": ("together_api_key", varied(r, HEX, 64)),
        "GROQ_API_KEY": ("groq_api_key", "gsk_" + draw(r, ALNUM, 52)),
        "XAI_API_KEY": ("xai_api_key", "xai-" + draw(r, ALNUM, 80)),
        "PERPLEXITY_API_KEY": ("perplexity_api_key", "pplx-" + draw(r, ALNUM, 48)),
        "REPLICATE_API_TOKEN": ("replicate_api_token", "r8_" + draw(r, ALNUM, 37)),
        "OPENROUTER_API_KEY": ("openrouter_api_key", "sk-or-v1-" + draw(r, HEX, 64)),
    }
    text = "".join(f"{variable}={key}\n" for variable, (_, key) in keys.items())
    assert found(text) == [(kind, fingerprint(key)) for kind, key in keys.values()]
