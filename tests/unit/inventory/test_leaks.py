"""Keys in plain sight in a root (env files, Dockerfiles, configs, notebooks), an image config's Env and an
image's history: found where they are, with their line and layer, never kept — and placeholders left alone."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from tests.unit.inventory.trees import reasons, write
from tests.unit.secrets.samples import ALNUM, HEX, URL_SAFE, aws_key_id, aws_secret, draw, varied

from jackwatch.errors import Location
from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.inventory.leaks import (
    MAX_SCANNED_BYTES,
    HistoryStep,
    Leak,
    scan_commands,
    scan_environment,
    scan_root,
    scanned_kind,
)
from jackwatch.inventory.root import MAX_FILE_BYTES
from jackwatch.secrets import Category, fingerprint
from jackwatch.sources.stats import ReadStats

LAYER = "sha256:" + "ab" * 32


def openai_key(rng: random.Random) -> str:
    return f"sk-proj-{draw(rng, URL_SAFE, 74)}T3BlbkFJ{draw(rng, URL_SAFE, 74)}"


def anthropic_key(rng: random.Random) -> str:
    return f"sk-ant-api03-{draw(rng, URL_SAFE, 93)}AA"


def scan(top: Path) -> tuple[list[Leak], ReadStats]:
    stats = ReadStats()
    return scan_root(DirectoryRoot(top, stats), stats), stats


def summary(leaks: list[Leak]) -> list[tuple[str, str, str]]:
    return [(leak.kind, leak.fingerprint, leak.where) for leak in leaks]


def never_kept(leaks: list[Leak], *secrets: str) -> None:
    for leak in leaks:
        for secret in secrets:
            assert secret not in repr(leak) and secret not in leak.describe()


def at(top: Path, leak: Leak) -> str:
    """The file text from the leak's line and column on."""
    lines = (top / leak.location.path).read_text(encoding="utf-8").split("\n")
    assert leak.location.line is not None and leak.location.col is not None
    return lines[leak.location.line - 1][leak.location.col - 1 :]


# ---------------------------------------------------------------------------------------------- files


def test_an_env_file_with_an_openai_and_an_anthropic_key(tmp_path: Path) -> None:
    rng = random.Random(1)
    openai, anthropic = openai_key(rng), anthropic_key(rng)
    env = (
        "# LLM providers\n"
        "# OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
        f"OPENAI_API_KEY={openai}\n"
        "OPENAI_ORG_ID=org-acme\n"
        f'ANTHROPIC_API_KEY="{anthropic}"\n'
        "DATABASE_URL=postgresql://app@db:5432/app\n"
    )
    write(tmp_path, "app/.env", env)
    leaks, stats = scan(tmp_path)
    assert summary(leaks) == [
        ("openai_api_key", fingerprint(openai), "app/.env:3:16"),
        ("anthropic_api_key", fingerprint(anthropic), "app/.env:5:20"),
    ]
    assert [(leak.provider, leak.category, leak.layer) for leak in leaks] == [
        ("openai", Category.LLM, None),
        ("anthropic", Category.LLM, None),
    ]
    assert [at(tmp_path, leak)[:20] for leak in leaks] == [openai[:20], anthropic[:20]]
    assert stats.files_read == 1 and stats.problems == []
    never_kept(leaks, openai, anthropic)


def test_placeholders_and_documentation_are_not_leaks(tmp_path: Path) -> None:
    write(
        tmp_path,
        ".env.example",
        "OPENAI_API_KEY=sk-xxxx\n"
        "OPENAI_API_KEY=sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
        "ANTHROPIC_API_KEY=YOUR_API_KEY\n"
        "COHERE_API_KEY=<your-cohere-api-key>\n"
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        "MISTRAL_API_KEY=${MISTRAL_API_KEY}\n",
    )
    write(
        tmp_path,
        "app/settings.py",
        '"""Settings.\n\nExport OPENAI_API_KEY (sk-proj-…) and ANTHROPIC_API_KEY (sk-ant-api03-...)\n"""\n'
        'import os\n\nOPENAI_API_KEY = os.environ["OPENAI_API_KEY"]\nMODEL = "gpt-4o-mini-2024-07-18"\n',
    )
    write(tmp_path, "config.yaml", "openai:\n  api_key: ${OPENAI_API_KEY}\n  model: gpt-4o\n")
    leaks, stats = scan(tmp_path)
    assert leaks == [] and stats.files_read == 3 and stats.problems == []


def test_a_notebook_with_an_aws_key_pair_in_an_output(tmp_path: Path) -> None:
    rng = random.Random(2)
    key_id, secret = aws_key_id(rng), aws_secret(rng)
    png = "iVBORw0KGgoAAAANSUhEUgAA" + draw(rng, ALNUM + "+/", 4000)
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {"cell_type": "markdown", "id": "a1", "metadata": {}, "source": ["# Bedrock tests\n", "Calls Claude."]},
            {
                "cell_type": "code",
                "id": "b2",
                "execution_count": 1,
                "metadata": {},
                "source": ["import boto3\n", "!cat ~/.aws/credentials"],
                "outputs": [
                    {
                        "output_type": "stream",
                        "name": "stdout",
                        "text": [
                            "[default]\n",
                            f"aws_access_key_id = {key_id}\n",
                            f"aws_secret_access_key = {secret}\n",
                        ],
                    }
                ],
            },
            {
                "cell_type": "code",
                "id": "c3",
                "execution_count": 2,
                "metadata": {},
                "source": "plot(costs)",
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"image/png": png, "text/plain": "<Figure>"},
                    }
                ],
            },
        ],
    }
    write(tmp_path, "notebooks/bedrock.ipynb", json.dumps(notebook, indent=1))
    leaks, stats = scan(tmp_path)
    assert summary(leaks) == [("aws_access_key", fingerprint(secret), "notebooks/bedrock.ipynb:3:25 (cell 2 output 1)")]
    assert (leaks[0].identifier, leaks[0].provider, leaks[0].category) == (key_id, "aws", Category.CLOUD)
    assert stats.problems == []
    never_kept(leaks, secret)


def test_a_key_in_a_notebook_cell_source_error_traceback_and_result(tmp_path: Path) -> None:
    rng = random.Random(3)
    keys = [f"hf_{draw(rng, ALNUM, 34)}", f"gsk_{draw(rng, ALNUM, 52)}", f"r8_{draw(rng, ALNUM, 37)}"]
    cells = [
        {"cell_type": "code", "source": f'login(token="{keys[0]}")', "outputs": []},
        {
            "cell_type": "code",
            "source": ["client.chat()"],
            "outputs": [
                {
                    "output_type": "error",
                    "ename": "AuthenticationError",
                    "evalue": "401",
                    "traceback": [f"key {keys[1]}"],
                },
                {"output_type": "execute_result", "data": {"application/json": {"token": keys[2]}}},
            ],
        },
    ]
    write(tmp_path, "n.ipynb", json.dumps({"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": cells}))
    leaks, _ = scan(tmp_path)
    assert [(leak.kind, leak.within, leak.location.line) for leak in leaks] == [
        ("huggingface_token", "cell 1", 1),
        ("groq_api_key", "cell 2 output 1", 1),
        ("replicate_api_token", "cell 2 output 2", 1),
    ]


def test_a_broken_notebook_is_reported_and_still_scanned_as_text(tmp_path: Path) -> None:
    key = openai_key(random.Random(4))
    write(tmp_path, "broken.ipynb", '{\n "cells": [\n  {"source": "OPENAI_API_KEY=' + key + '"\n')
    leaks, stats = scan(tmp_path)
    assert summary(leaks) == [("openai_api_key", fingerprint(key), "broken.ipynb:3:30")]
    assert at(tmp_path, leaks[0]).startswith(key)
    assert [reason for reason, _ in reasons(stats)] == ["invalid_notebook"]
    assert stats.events_skipped == 0


def test_a_dockerfile_env_arg_and_run_lines(tmp_path: Path) -> None:
    rng = random.Random(5)
    openai, mistral, token = openai_key(rng), varied(rng, ALNUM, 32), f"hf_{draw(rng, ALNUM, 34)}"
    dockerfile = (
        "FROM python:3.12-slim\n"
        "ARG OPENAI_MODEL=gpt-4o\n"
        f"ENV OPENAI_API_KEY={openai} \\\n"
        "    APP_ENV=production\n"
        f"ENV MISTRAL_API_KEY {mistral}\n"
        f"RUN HF_TOKEN={token} huggingface-cli download meta-llama/Llama-3.1-8B\n"
        'CMD ["uvicorn", "app:api"]\n'
    )
    write(tmp_path, "Dockerfile", dockerfile)
    write(tmp_path, "deploy/worker.Dockerfile", f"FROM base\nENV ANTHROPIC_API_KEY={anthropic_key(rng)}\n")
    leaks, _ = scan(tmp_path)
    assert summary(leaks)[:3] == [
        ("openai_api_key", fingerprint(openai), "Dockerfile:3:20"),
        ("mistral_api_key", fingerprint(mistral), "Dockerfile:5:21"),
        ("huggingface_token", fingerprint(token), "Dockerfile:6:14"),
    ]
    assert [leak.location.path for leak in leaks[3:]] == ["deploy/worker.Dockerfile"]


def test_a_yaml_config_with_an_azure_endpoint_and_key(tmp_path: Path) -> None:
    key = draw(random.Random(6), HEX, 32)
    values = (
        "llm:\n"
        "  provider: azure\n"
        "  azure:\n"
        "    endpoint: https://contoso-eastus2.openai.azure.com/\n"
        "    deployment: gpt-4o-prod\n"
        "    api_version: 2024-10-21\n"
        f"    api_key: {key}\n"
    )
    write(tmp_path, "helm/values-prod.yaml", values)
    leaks, _ = scan(tmp_path)
    assert summary(leaks) == [("azure_openai_key", fingerprint(key), "helm/values-prod.yaml:7:14")]
    assert leaks[0].provider == "azure_openai"


def test_installed_packages_and_unlisted_files_are_not_scanned(tmp_path: Path) -> None:
    key = openai_key(random.Random(7))
    for path in (
        "venv/lib/python3.12/site-packages/openai/_example.py",
        "app/node_modules/openai/README.json",
        "usr/lib/python3.12/test/data.py",
        "README.md",
        "app/main.go",
    ):
        write(tmp_path, path, f'OPENAI_API_KEY = "{key}"\n')
    write(tmp_path, "app/main.py", f'client = OpenAI(api_key="{key}")\n')
    leaks, stats = scan(tmp_path)
    assert [leak.where for leak in leaks] == ["app/main.py:1:26"]
    assert stats.files_read == 1


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (".env", "text"),
        ("srv/.env.production", "text"),
        ("deploy/prod.env", "text"),
        ("home/app/.aws/credentials", "text"),
        ("etc/environment", "text"),
        ("root/.bashrc", "text"),
        ("app/config.toml", "text"),
        ("app/settings.py", "text"),
        ("web/src/client.ts", "text"),
        ("infra/prod.tfvars", "text"),
        ("Dockerfile", "dockerfile"),
        ("Containerfile", "dockerfile"),
        ("docker/Dockerfile.gpu", "dockerfile"),
        ("api.dockerfile", "dockerfile"),
        ("notebooks/Eval.IPYNB", "notebook"),
        ("README.md", None),
        ("app/model.safetensors", None),
        ("usr/lib/python3.11/os.py", None),
        ("usr/local/lib/python3.12/site-packages/anthropic/_client.py", None),
        ("app/node_modules/dotenv/.env", None),
    ],
)
def test_which_files_are_scanned(path: str, kind: str | None) -> None:
    assert scanned_kind(path) == kind


def test_files_too_large_or_binary_are_reported_and_skipped(tmp_path: Path) -> None:
    key = openai_key(random.Random(8))
    write(tmp_path, "big.json", '{"k": "' + "a" * MAX_SCANNED_BYTES + f'", "key": "{key}"}}')
    write(tmp_path, "model.conf", b"\x00\x01\x02" + key.encode())
    write(tmp_path, "ok.yml", f"openai_api_key: {key}\n")
    leaks, stats = scan(tmp_path)
    assert [leak.location.path for leak in leaks] == ["ok.yml"]
    assert reasons(stats) == [("too_large", f"{tmp_path}/big.json"), ("binary", f"{tmp_path}/model.conf")]
    assert MAX_SCANNED_BYTES < MAX_FILE_BYTES


def test_a_key_in_a_file_that_is_not_utf8_is_still_found(tmp_path: Path) -> None:
    key = anthropic_key(random.Random(9))
    write(tmp_path, "legacy.ini", "[api]\n; cl\xe9 d'acc\xe8s\n".encode("latin-1") + f"key = {key}\n".encode())
    leaks, stats = scan(tmp_path)
    assert summary(leaks) == [("anthropic_api_key", fingerprint(key), "legacy.ini:3:7")]
    assert stats.problems == []


class LayeredRoot(DirectoryRoot):
    """A directory whose files all come from one image layer, as an image root's files do."""

    def layer(self, path: str) -> str | None:
        return LAYER


def test_a_leak_carries_the_layer_of_its_file(tmp_path: Path) -> None:
    write(tmp_path, "app/.env", f"OPENAI_API_KEY={openai_key(random.Random(10))}\n")
    stats = ReadStats()
    (leak,) = scan_root(LayeredRoot(tmp_path, stats), stats)
    assert leak.layer == LAYER


# ---------------------------------------------------------------------------------- environment, history


def test_an_image_config_env_with_an_aws_key_pair_in_two_variables() -> None:
    rng = random.Random(11)
    key_id, secret, openai = aws_key_id(rng), aws_secret(rng), openai_key(rng)
    env = [
        "PATH=/usr/local/bin:/usr/bin:/bin",
        f"AWS_ACCESS_KEY_ID={key_id}",
        f"AWS_SECRET_ACCESS_KEY={secret}",
        "AWS_DEFAULT_REGION=us-east-1",
        f"OPENAI_API_KEY={openai}",
        "LANG=C.UTF-8",
    ]
    leaks = scan_environment(env, layer=LAYER)
    assert [(leak.kind, leak.fingerprint, leak.where, leak.identifier) for leak in leaks] == [
        ("aws_access_key", fingerprint(secret), "image config Env (AWS_SECRET_ACCESS_KEY)", key_id),
        ("openai_api_key", fingerprint(openai), "image config Env (OPENAI_API_KEY)", None),
    ]
    assert {leak.layer for leak in leaks} == {LAYER}
    assert leaks[0].location == Location("image config Env")
    never_kept(leaks, secret, openai)


def test_environment_as_a_mapping_and_names_that_give_the_context() -> None:
    rng = random.Random(12)
    cohere, deepseek = varied(rng, ALNUM, 40), "sk-" + varied(rng, HEX, 32)
    env = {"CO_API_KEY": cohere, "DEEPSEEK_API_KEY": deepseek, "HOME": "/root", "EMPTY": ""}
    leaks = scan_environment(env, where="deployment/openai-app container app env")
    assert [(leak.kind, leak.within, str(leak.location)) for leak in leaks] == [
        ("cohere_api_key", "CO_API_KEY", "deployment/openai-app container app env"),
        ("deepseek_api_key", "DEEPSEEK_API_KEY", "deployment/openai-app container app env"),
    ]
    assert scan_environment({"API_KEY": cohere, "MODEL": "command-r-plus"}) == []


def test_environment_entries_without_a_value() -> None:
    assert scan_environment(["NO_VALUE", "=", ""]) == []


def test_image_history_commands_with_build_args_and_env() -> None:
    rng = random.Random(13)
    token, anthropic = f"hf_{draw(rng, ALNUM, 34)}", anthropic_key(rng)
    history: list[str | HistoryStep] = [
        "/bin/sh -c #(nop) ADD file:3a1d in / ",
        HistoryStep(f"|1 HF_TOKEN={token} /bin/sh -c huggingface-cli download gpt2", "sha256:" + "01" * 32),
        HistoryStep(f"ENV ANTHROPIC_API_KEY={anthropic}"),
        HistoryStep('CMD ["python" "app.py"]'),
    ]
    leaks = scan_commands(history)
    assert [(leak.kind, leak.where, leak.layer) for leak in leaks] == [
        ("huggingface_token", "image history (step 2)", "sha256:" + "01" * 32),
        ("anthropic_api_key", "image history (step 3)", None),
    ]
    never_kept(leaks, token, anthropic)


def test_a_leak_describes_itself_with_where_it_is() -> None:
    leak = Leak("openai_api_key", "openai", Category.LLM, "sha256:00", "sk-p\u2026xQ9", Location("app/.env", 3, 16))
    assert leak.describe() == "openai_api_key sk-p\u2026xQ9 sha256:00 at app/.env:3:16"
