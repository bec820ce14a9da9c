"""Credentials of every kind the catalogue knows, made up at run time in each provider's format.

Nothing here is a real credential: every key is drawn from a seeded random generator when a test asks
for one, so no key-shaped literal sits in the repository. Each :class:`Sample` is the text a credential
is usually found in (an env file line, a JSON key file, a PEM block…) with the secret jackwatch must
fingerprint and the identifier it must report.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Callable
from typing import NamedTuple

ALNUM = string.ascii_letters + string.digits
URL_SAFE = ALNUM + "_-"
BASE64 = ALNUM + "+/"
BASE32 = string.ascii_uppercase + "234567"
HEX = "0123456789abcdef"


class Sample(NamedTuple):
    """A credential in its usual surroundings: ``text`` holds ``secret`` (as found), ``identifier`` goes with it."""

    kind: str
    text: str
    secret: str
    identifier: str | None = None


def draw(rng: random.Random, alphabet: str, size: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


def varied(rng: random.Random, alphabet: str, size: int) -> str:
    """A key drawn from ``alphabet`` with digits and letters (and both cases, unless hex), as generated keys have
    and as the detectors of keys without a prefix require: a draw without them is drawn again."""
    while True:
        key = draw(rng, alphabet, size)
        mixed = any(c.isdigit() for c in key) and any(c.isalpha() for c in key)
        if mixed and (alphabet == HEX or not (key.islower() or key.isupper())):
            return key


def aws_key_id(rng: random.Random, prefix: str = "AKIA") -> str:
    return prefix + draw(rng, BASE32, 16)


def aws_secret(rng: random.Random) -> str:
    while True:
        secret = draw(rng, BASE64, 40)
        if not secret.islower() and not secret.isupper():
            return secret


def pem_body(rng: random.Random, size: int = 1592) -> str:
    return base64.b64encode(rng.randbytes(size * 3 // 4)).decode()[:size]


def pem_block(label: str, body: str, newline: str = "\n", width: int = 64) -> str:
    lines = [body[i : i + width] for i in range(0, len(body), width)]
    return newline.join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])


def aws_credentials_file(rng: random.Random) -> Sample:
    key_id, secret = aws_key_id(rng, rng.choice(("AKIA", "ASIA"))), aws_secret(rng)
    text = f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\nregion = eu-west-1\n"
    return Sample("aws_access_key", text, secret, key_id)


def gcp_key_file(rng: random.Random) -> Sample:
    body = pem_body(rng)
    email = f"vertex-caller@{draw(rng, string.ascii_lowercase, 8)}-prod.iam.gserviceaccount.com"
    key_file = {
        "type": "service_account",
        "project_id": "acme-prod",
        "private_key_id": draw(rng, "0123456789abcdef", 40),
        "private_key": pem_block("PRIVATE KEY", body) + "\n",
        "client_email": email,
        "client_id": draw(rng, string.digits, 21),
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    return Sample("gcp_service_account_key", json.dumps(key_file, indent=2), body, email)


def private_key(rng: random.Random) -> Sample:
    label, width = rng.choice((("RSA PRIVATE KEY", 64), ("EC PRIVATE KEY", 64), ("OPENSSH PRIVATE KEY", 70)))
    body = pem_body(rng, 164 if label.startswith("EC") else 1592)
    return Sample("private_key", pem_block(label, body, width=width), body)


def anthropic_key(rng: random.Random) -> Sample:
    key = f"sk-ant-{rng.choice(('api03', 'admin01'))}-{draw(rng, URL_SAFE, 93)}AA"
    return Sample("anthropic_api_key", f"ANTHROPIC_API_KEY={key}", key)


def openai_key(rng: random.Random) -> Sample:
    prefix = rng.choice(("sk-proj-", "sk-svcacct-", "sk-admin-"))
    if rng.random() < 0.5:
        key = f"{prefix}{draw(rng, URL_SAFE, 74)}T3BlbkFJ{draw(rng, URL_SAFE, 74)}"
    else:
        key = f"sk-{draw(rng, ALNUM, 20)}T3BlbkFJ{draw(rng, ALNUM, 20)}"
    return Sample("openai_api_key", f'client = OpenAI(api_key="{key}")', key)


def bedrock_key(rng: random.Random) -> Sample:
    if rng.random() < 0.5:
        inner = f"BedrockAPIKey-{draw(rng, ALNUM, 4)}-at-{draw(rng, string.digits, 12)}:{draw(rng, BASE64, 40)}"
        key = "ABSK" + base64.b64encode(inner.encode()).decode()
    else:
        query = f"bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Credential={aws_key_id(rng, 'ASIA')}"
        query += f"&X-Amz-Security-Token={draw(rng, BASE64, 300)}&X-Amz-Signature={draw(rng, 'abcdef0123456789', 64)}"
        key = "bedrock-api-key-" + base64.b64encode(query.encode()).decode() + "&Version=1"
    return Sample("bedrock_api_key", f"export AWS_BEARER_TOKEN_BEDROCK={key}", key)


def google_key(rng: random.Random) -> Sample:
    key = "AIza" + draw(rng, URL_SAFE, 35)
    return Sample("google_api_key", f"genai.configure(api_key='{key}')", key)


def huggingface_token(rng: random.Random) -> Sample:
    token = rng.choice(("hf_", "api_org_")) + draw(rng, string.ascii_letters, 34)
    return Sample("huggingface_token", f"HF_TOKEN={token}", token)


def azure_key(rng: random.Random) -> Sample:
    key = draw(rng, "0123456789abcdef", 32)
    text = f"AZURE_OPENAI_ENDPOINT=https://contoso-eastus.openai.azure.com/\nAZURE_OPENAI_API_KEY={key}\n"
    return Sample("azure_openai_key", text, key)


def groq_key(rng: random.Random) -> Sample:
    key = "gsk_" + draw(rng, ALNUM, 52)
    return Sample("groq_api_key", f"client = Groq(api_key='{key}')", key)


def openrouter_key(rng: random.Random) -> Sample:
    key = "sk-or-v1-" + draw(rng, HEX, 64)
    return Sample("openrouter_api_key", f"OPENROUTER_API_KEY={key}", key)


def xai_key(rng: random.Random) -> Sample:
    key = "xai-" + draw(rng, ALNUM + "_", 80)
    return Sample("xai_api_key", f'curl https://api.x.ai/v1/models -H "Authorization: Bearer {key}"', key)


def perplexity_key(rng: random.Random) -> Sample:
    key = "pplx-" + draw(rng, ALNUM, 48)
    return Sample("perplexity_api_key", f"PERPLEXITY_API_KEY={key}", key)


def replicate_token(rng: random.Random) -> Sample:
    key = "r8_" + draw(rng, ALNUM, 37)
    return Sample("replicate_api_token", f"export REPLICATE_API_TOKEN={key}", key)


def assigned(rng: random.Random, variable: str, key: str, client: str) -> str:
    """``key`` as it is usually written down: in an env file, a Kubernetes env entry, or a client's arguments."""
    return rng.choice(
        (
            f"{variable}={key}",
            f'env:\n  - name: {variable}\n    value: "{key}"',
            f'{{"{variable.lower()}": "{key}"}}',
            f'client = {client}(api_key="{key}")',
        )
    )


def together_key(rng: random.Random) -> Sample:
    key = "tgp_v1_" + draw(rng, URL_SAFE, 43) if rng.random() < 0.5 else varied(rng, HEX, 64)
    return Sample("together_api_key", assigned(rng, "TOGETHER_API_KEY", key, "Together"), key)


def deepseek_key(rng: random.Random) -> Sample:
    key = "sk-" + varied(rng, HEX, 32)
    if rng.random() < 0.5:
        return Sample("deepseek_api_key", f'OpenAI(api_key="{key}", base_url="https://api.deepseek.com")', key)
    return Sample("deepseek_api_key", assigned(rng, "DEEPSEEK_API_KEY", key, "DeepSeek"), key)


def cohere_key(rng: random.Random) -> Sample:
    key = varied(rng, ALNUM, 40)
    return Sample(
        "cohere_api_key", assigned(rng, rng.choice(("COHERE_API_KEY", "CO_API_KEY")), key, "cohere.ClientV2"), key
    )


def mistral_key(rng: random.Random) -> Sample:
    key = varied(rng, ALNUM, 32)
    return Sample("mistral_api_key", assigned(rng, "MISTRAL_API_KEY", key, "Mistral"), key)


def github_token(rng: random.Random) -> Sample:
    if rng.random() < 0.5:
        token = f"gh{rng.choice('pousr')}_{draw(rng, ALNUM, 36)}"
    else:
        token = f"github_pat_{draw(rng, ALNUM, 22)}_{draw(rng, ALNUM, 59)}"
    return Sample("github_token", f"git clone https://x-access-token:{token}@github.com/acme/app.git", token)


def slack_token(rng: random.Random) -> Sample:
    token = f"xoxb-{draw(rng, string.digits, 12)}-{draw(rng, string.digits, 13)}-{draw(rng, ALNUM, 24)}"
    return Sample("slack_token", f"SLACK_BOT_TOKEN={token}", token)


SAMPLES: dict[str, Callable[[random.Random], Sample]] = {
    "aws_access_key": aws_credentials_file,
    "gcp_service_account_key": gcp_key_file,
    "private_key": private_key,
    "anthropic_api_key": anthropic_key,
    "openai_api_key": openai_key,
    "bedrock_api_key": bedrock_key,
    "google_api_key": google_key,
    "huggingface_token": huggingface_token,
    "groq_api_key": groq_key,
    "openrouter_api_key": openrouter_key,
    "xai_api_key": xai_key,
    "perplexity_api_key": perplexity_key,
    "replicate_api_token": replicate_token,
    "azure_openai_key": azure_key,
    "together_api_key": together_key,
    "deepseek_api_key": deepseek_key,
    "cohere_api_key": cohere_key,
    "mistral_api_key": mistral_key,
    "github_token": github_token,
    "slack_token": slack_token,
}
"""One sample maker per kind of the catalogue."""


def sample(kind: str, seed: int = 0) -> Sample:
    """A sample of ``kind`` drawn with ``seed``."""
    return SAMPLES[kind](random.Random(seed))
