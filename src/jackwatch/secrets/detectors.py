"""The catalogue of secret detectors: what each kind of credential looks like, and how it is told from noise.

Each :class:`Detector` is one row of data: a kind, a category, lowercase keywords (the detector runs only on
text that contains one of them), a finder that yields candidates (the secret, where it is, and an
identifier that is not secret, such as the AWS access key id that goes with a secret access key), and the
least Shannon entropy a candidate must have. Most finders are one regular expression; a few need context
(an AWS key id next to its secret, an Azure key next to a key name and an Azure endpoint, a PEM block's
lines). The scanner applies the entropy and placeholder checks and resolves overlaps in catalogue order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class Category(StrEnum):
    """What a leaked secret gives access to."""

    CLOUD = "cloud"
    """Cloud credentials (AWS, Google Cloud service accounts)."""
    LLM = "llm"
    """LLM and AI service keys (OpenAI, Anthropic, Gemini, Azure OpenAI, Bedrock, Hugging Face)."""
    PRIVATE_KEY = "private_key"
    """Private keys (PEM)."""
    CODE = "code"
    """Source-code hosting tokens (GitHub)."""
    CHAT = "chat"
    """Chat tokens (Slack)."""


class Candidate(NamedTuple):
    """A possible secret in a text: the secret, its span ``[start, end)`` and a non-secret identifier."""

    secret: str
    start: int
    end: int
    identifier: str | None = None


Finder = Callable[[str], Iterator[Candidate]]


@dataclass(frozen=True, slots=True)
class Detector:
    """One kind of secret.

    ``precise`` detectors rely on a prefix or a structure that ordinary text does not have; the others
    (``azure_openai_key``: 32 hex digits) rely on context and are more likely to report a false positive.
    """

    kind: str
    category: Category
    description: str
    keywords: tuple[str, ...]
    find: Finder
    min_entropy: float
    precise: bool = True


def regex_finder(pattern: re.Pattern[str], accept: Callable[[str, re.Match[str]], bool] | None = None) -> Finder:
    """A finder of the ``secret`` group of ``pattern`` (and its ``identifier`` group, if any), kept when
    ``accept(text, match)`` holds."""

    def find(text: str) -> Iterator[Candidate]:
        identified = "identifier" in pattern.groupindex
        for match in pattern.finditer(text):
            if accept is None or accept(text, match):
                identifier = match["identifier"] if identified else None
                yield Candidate(match["secret"], match.start("secret"), match.end("secret"), identifier)

    return find


def near(text: str, start: int, end: int, words: tuple[str, ...], distance: int) -> bool:
    """Whether one of ``words`` (lowercase) occurs within ``distance`` characters of ``[start, end)``."""
    window = text[max(0, start - distance) : end + distance].lower()
    return any(word in window for word in words)


# ------------------------------------------------------------------------------------------------ AWS

AWS_PAIR_DISTANCE = 200
"""How far (in characters) from an access key id its secret access key may be."""

_AWS_KEY_ID = re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])")
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


def _aws_key_pairs(text: str) -> Iterator[Candidate]:
    """Secret access keys (40 characters, upper and lower case) next to an ``AKIA``/``ASIA`` key id."""
    for key in _AWS_KEY_ID.finditer(text):
        start, end = key.span()
        best: re.Match[str] | None = None
        window_end = min(len(text), end + AWS_PAIR_DISTANCE + 41)  # the lookahead of a run in reach sees its end
        for found in _AWS_SECRET.finditer(text, max(0, start - AWS_PAIR_DISTANCE - 40), window_end):
            if found.start() > end + AWS_PAIR_DISTANCE:
                break
            secret = found.group()
            if found.end() + AWS_PAIR_DISTANCE < start or (found.start() < end and found.end() > start):
                continue
            if secret.islower() or secret.isupper():
                continue
            if best is None or _gap(found, start, end) < _gap(best, start, end):
                best = found
        if best is not None:
            yield Candidate(best.group(), best.start(), best.end(), key.group())


def _gap(found: re.Match[str], start: int, end: int) -> int:
    return start - found.end() if found.end() <= start else found.start() - end


# ----------------------------------------------------------------------------------------- PEM blocks

MIN_PEM_BODY = 64
"""Base64 characters a private key block needs: documentation placeholders (``MIIE...``) have fewer."""

MAX_PEM_SPAN = 64 * 1024
"""Longest private key block searched for its end."""

_PEM_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?)-----")
_PEM_BREAK = re.compile(r"\\r\\n|\\n|\\r|\r?\n")  # real line breaks, or escaped ones in JSON text
_PEM_LINE = re.compile(r"[A-Za-z0-9+/=]*")
_PEM_HEADER = re.compile(r"[A-Za-z][A-Za-z-]*: ")


def _pem_blocks(text: str) -> Iterator[Candidate]:
    """Private key blocks; the secret is the key's base64 body, without line breaks or headers.

    Line breaks may be real or escaped (``\\n`` in a JSON string); a block cut short before its END line
    still counts when enough of its body is there.
    """
    for begin in _PEM_BEGIN.finditer(text):
        body, end = _pem_body(text, begin.end(), f"-----END {begin[1]}-----")
        if len(body) >= MIN_PEM_BODY:
            yield Candidate(body, begin.start(), end)


def _pem_body(text: str, position: int, end_marker: str) -> tuple[str, int]:
    """The base64 body of a block whose header ends at ``position``, and where the block ends."""
    parts: list[str] = []
    end = position
    limit = min(len(text), position + MAX_PEM_SPAN)
    while position < limit:
        found = _PEM_BREAK.search(text, position, limit)
        line_end = found.start() if found is not None else limit
        line = text[position:line_end].strip(" \t")
        closing = line.find(end_marker)
        if closing >= 0:
            if _PEM_LINE.fullmatch(line[:closing]):
                parts.append(line[:closing])
                end = text.index(end_marker, position) + len(end_marker)
            break
        if not line:
            pass
        elif _PEM_LINE.fullmatch(line):
            parts.append(line)
            end = line_end
        elif parts or not _PEM_HEADER.match(line):
            break
        if found is None:
            break
        position = found.end()
    return "".join(parts), end


# --------------------------------------------------------------------------- Google Cloud service account

SERVICE_ACCOUNT_DISTANCE = 4000
"""How far from a private key the ``service_account`` type and the client e-mail of its JSON file may be."""

_PRIVATE_KEY_FIELD = re.compile(r"\"private_key\"\s*:\s*\"$")
_CLIENT_EMAIL = re.compile(r"\"client_email\"\s*:\s*\"([^\"\s]+@[^\"\s]+\.iam\.gserviceaccount\.com)\"")


def _service_account_keys(text: str) -> Iterator[Candidate]:
    """The private key of a Google Cloud service-account JSON key file (identified by its client e-mail)."""
    for block in _pem_blocks(text):
        if not _PRIVATE_KEY_FIELD.search(text, max(0, block.start - 40), block.start):
            continue
        if not near(text, block.start, block.end, ("service_account",), SERVICE_ACCOUNT_DISTANCE):
            continue
        window_start = max(0, block.start - SERVICE_ACCOUNT_DISTANCE)
        email = _CLIENT_EMAIL.search(text[window_start : block.end + SERVICE_ACCOUNT_DISTANCE])
        yield block._replace(identifier=email[1] if email else None)


# -------------------------------------------------------------------------------------------- LLM keys

OPENAI_MARKER = "T3BlbkFJ"
"""``OpenAI`` in base64: every OpenAI key carries it; keys with a project, service-account or admin prefix
are accepted without it when they are long enough."""

_OPENAI = re.compile(
    r"(?<![A-Za-z0-9_-])(?P<secret>sk-(?!ant-)(?P<prefix>(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{20,300})"
    r"(?![A-Za-z0-9_-])"
)


def _openai_shape(_text: str, match: re.Match[str]) -> bool:
    return OPENAI_MARKER in match["secret"] or (match["prefix"] is not None and len(match["secret"]) >= 48)


_ANTHROPIC = re.compile(
    r"(?<![A-Za-z0-9_-])(?P<secret>sk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{80,120})(?![A-Za-z0-9_-])"
)
_GOOGLE_API_KEY = re.compile(r"(?<![A-Za-z0-9_-])(?P<secret>AIza[A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])")
_HUGGING_FACE = re.compile(r"(?<![A-Za-z0-9_])(?P<secret>(?:hf|api_org)_[A-Za-z0-9]{34})(?![A-Za-z0-9_])")
_BEDROCK_API_KEY = re.compile(
    r"(?<![A-Za-z0-9+/-])(?P<secret>ABSK[A-Za-z0-9+/]{60,400}={0,2}"
    r"|bedrock-api-key-[A-Za-z0-9+/]{60,4000}={0,2}(?:&Version=\d+)?)(?![A-Za-z0-9+/=])"
)

AZURE_CONTEXT_DISTANCE = 300
"""How far from an Azure key its Azure context (endpoint, header or variable name) may be."""

_AZURE_CONTEXT = ("azure", "cognitiveservices", "cognitive.microsoft.com", "ocp-apim")
_AZURE_KEY = re.compile(
    r"(?i)(?:key|secret|subscription)[A-Za-z0-9_.-]{0,20}[\"']?\s{0,3}"
    r"(?:=|:|=>|:=)\s{0,3}[\"']?(?P<secret>[0-9a-f]{32})(?![0-9a-z])"
)


def _azure_context(text: str, match: re.Match[str]) -> bool:
    return near(text, match.start(), match.end(), _AZURE_CONTEXT, AZURE_CONTEXT_DISTANCE)


# ----------------------------------------------------------------------------------------- code, chat

_GITHUB = re.compile(
    r"(?<![A-Za-z0-9_])(?P<secret>gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})"
    r"(?![A-Za-z0-9_])"
)
_SLACK = re.compile(
    r"(?<![A-Za-z0-9-])(?P<secret>xox[abposr]-[0-9]{6,13}-[0-9A-Za-z-]{10,200}"
    r"|xapp-[0-9]-[A-Z0-9]{6,20}-[0-9]{6,20}-[a-f0-9]{32,80})(?![A-Za-z0-9-])"
)


DETECTORS: tuple[Detector, ...] = (
    Detector(
        "aws_access_key",
        Category.CLOUD,
        "An AWS secret access key within 200 characters of its access key id (AKIA… or ASIA…).",
        ("akia", "asia"),
        _aws_key_pairs,
        min_entropy=3.5,
    ),
    Detector(
        "gcp_service_account_key",
        Category.CLOUD,
        "The private key of a Google Cloud service-account JSON key file.",
        ("service_account",),
        _service_account_keys,
        min_entropy=4.0,
    ),
    Detector(
        "private_key",
        Category.PRIVATE_KEY,
        "A PEM private key block (-----BEGIN … PRIVATE KEY-----) with a real body.",
        ("private key",),
        _pem_blocks,
        min_entropy=4.0,
    ),
    Detector(
        "anthropic_api_key",
        Category.LLM,
        "An Anthropic API key (sk-ant-api03-…) or Admin API key (sk-ant-admin01-…).",
        ("sk-ant-",),
        regex_finder(_ANTHROPIC),
        min_entropy=3.5,
    ),
    Detector(
        "openai_api_key",
        Category.LLM,
        "An OpenAI key: sk-proj-…, sk-svcacct-…, sk-admin-…, or a legacy sk-… key (with OpenAI's T3BlbkFJ mark).",
        ("sk-",),
        regex_finder(_OPENAI, _openai_shape),
        min_entropy=3.5,
    ),
    Detector(
        "bedrock_api_key",
        Category.LLM,
        "An Amazon Bedrock API key: long-term (ABSK…) or short-term (bedrock-api-key-…).",
        ("absk", "bedrock-api-key-"),
        regex_finder(_BEDROCK_API_KEY),
        min_entropy=3.5,
    ),
    Detector(
        "google_api_key",
        Category.LLM,
        "A Google API key (AIza…), which calls Gemini and other Google APIs.",
        ("aiza",),
        regex_finder(_GOOGLE_API_KEY),
        min_entropy=3.0,
    ),
    Detector(
        "huggingface_token",
        Category.LLM,
        "A Hugging Face user (hf_…) or organisation (api_org_…) access token.",
        ("hf_", "api_org_"),
        regex_finder(_HUGGING_FACE),
        min_entropy=3.0,
    ),
    Detector(
        "azure_openai_key",
        Category.LLM,
        "An Azure OpenAI / Azure AI services key: 32 hex digits assigned to a key name, near an Azure"
        " endpoint, header or variable.",
        _AZURE_CONTEXT,
        regex_finder(_AZURE_KEY, _azure_context),
        min_entropy=2.75,
        precise=False,
    ),
    Detector(
        "github_token",
        Category.CODE,
        "A GitHub token: personal (ghp_…, github_pat_…), OAuth (gho_…), user-to-server (ghu_…),"
        " server-to-server (ghs_…) or refresh (ghr_…).",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        regex_finder(_GITHUB),
        min_entropy=3.0,
    ),
    Detector(
        "slack_token",
        Category.CHAT,
        "A Slack token: bot (xoxb-…), user (xoxp-…), other xox*- tokens, or an app-level token (xapp-…).",
        ("xox", "xapp-"),
        regex_finder(_SLACK),
        min_entropy=3.0,
    ),
)
"""Every detector, most specific first: where two candidates overlap, the earlier detector's is kept."""

DETECTORS_BY_KIND = {detector.kind: detector for detector in DETECTORS}
