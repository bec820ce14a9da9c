"""The catalogue of secret detectors: what each kind of credential looks like, and how it is told from noise.

Each :class:`Detector` is one row of data: a kind, a category, lowercase keywords (the detector runs only on
text that contains one of them), a finder that yields candidates (the secret, where it is, and an
identifier that is not secret, such as the AWS access key id that goes with a secret access key), the
least Shannon entropy a candidate must have, and what any text holding one of its secrets has (a run of
:data:`TOKEN_CHARACTERS` as long as its shortest secret, or an anchor such as ``-----BEGIN ``), which the
scanner tests first. Most finders are one regular expression; a few need context
(an AWS key id next to its secret, an Azure key next to a key name and an Azure endpoint, a PEM block's
lines). The scanner applies the entropy and placeholder checks and resolves overlaps in catalogue order.

Patterns start with their literal prefix and check the character before it with a lookbehind placed after it
(``sk-(?<![A-Za-z0-9_-]sk-)``, not ``(?<![A-Za-z0-9_-])sk-``): the regular expression engine then jumps from one
occurrence of the prefix to the next instead of trying the pattern at every position of the text.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class Category(StrEnum):
    """What a leaked secret gives access to."""

    CLOUD = "cloud"
    """Cloud credentials (AWS, Google Cloud service accounts)."""
    LLM = "llm"
    """LLM and AI service keys (OpenAI, Anthropic, Gemini, Azure OpenAI, Bedrock, Hugging Face, Cohere, Mistral,
    Groq, OpenRouter, DeepSeek, xAI, Perplexity, Together, Replicate)."""
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

TOKEN_CHARACTERS = string.ascii_letters + string.digits + "_-+/"
"""The characters of keys and tokens (base64 and base64url without padding, hex, the prefixes of keys): every
secret a detector with a ``min_run`` finds holds a run of at least ``min_run`` of them."""


@dataclass(frozen=True, slots=True)
class Detector:
    """One kind of secret.

    ``precise`` detectors rely on a prefix or a structure that ordinary text does not have; the others
    (``azure_openai_key``: 32 hex digits, ``mistral_api_key``: 32 letters and digits…) rely on context and are
    more likely to report a false positive. ``provider`` is who issued the credential (``openai``, ``aws``…;
    ``None`` for a private key, which anyone can make).

    ``min_run`` and ``anchors`` say what every text the finder can find a secret in holds: a run of at least
    ``min_run`` :data:`TOKEN_CHARACTERS` (in the secret itself), or one of ``anchors`` (case-sensitive). The
    scanner skips the detector on any other text; a detector with neither runs on any text with one of its keywords.
    """

    kind: str
    category: Category
    description: str
    keywords: tuple[str, ...]
    find: Finder
    min_entropy: float
    precise: bool = True
    provider: str | None = None
    min_run: int = 0
    anchors: tuple[str, ...] = ()


def regex_finder(
    pattern: re.Pattern[str],
    accept: Callable[[str, re.Match[str]], bool] | None = None,
    needs: Callable[[str], bool] | None = None,
) -> Finder:
    """A finder of the ``secret`` group of ``pattern`` (and its ``identifier`` group, if any), kept when
    ``accept(text, match)`` holds. ``needs`` is a quick test that every text with a match passes (see
    :func:`has_run`): text that fails it is not searched, for patterns the engine cannot search quickly."""

    def find(text: str) -> Iterator[Candidate]:
        if needs is not None and not needs(text):
            return
        identified = "identifier" in pattern.groupindex
        for match in pattern.finditer(text):
            if accept is None or accept(text, match):
                identifier = match["identifier"] if identified else None
                yield Candidate(match["secret"], match.start("secret"), match.end("secret"), identifier)

    return find


def has_run(characters: str, length: int) -> Callable[[str], bool]:
    """A test of whether a text has ``length`` consecutive characters among ``characters`` (ASCII).

    The text's bytes are mapped to two symbols in one pass and the run is searched as a substring: about ten
    times faster than a regular expression such as ``[0-9a-f]{32}``, which tries every position.
    """
    table = bytes(0x21 if chr(byte) in characters else 0x20 for byte in range(256))
    run = b"!" * length

    def test(text: str) -> bool:
        return run in text.encode(errors="surrogatepass").translate(table)

    return test


def near(text: str, start: int, end: int, words: tuple[str, ...], distance: int) -> bool:
    """Whether one of ``words`` (lowercase) occurs within ``distance`` characters of ``[start, end)``."""
    window = text[max(0, start - distance) : end + distance].lower()
    return any(word in window for word in words)


# ------------------------------------------------------------------------------------------------ AWS

AWS_PAIR_DISTANCE = 200
"""How far (in characters) from an access key id its secret access key may be."""

_AWS_KEY_ID = re.compile(r"(?:AKIA|ASIA)(?<![A-Za-z0-9]A[KS]IA)[A-Z0-9]{16}(?![A-Za-z0-9])")
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


def _aws_key_pairs(text: str) -> Iterator[Candidate]:
    """Secret access keys (40 characters, upper and lower case) next to an ``AKIA``/``ASIA`` key id.

    A Cohere key has the same shape: one the text assigns to Cohere is not taken for the secret of a key id.
    """
    cohere: set[int] | None = None
    for key in _AWS_KEY_ID.finditer(text):
        if cohere is None:
            lowered = text.lower()
            named = any(word in lowered for word in _COHERE_WORDS)
            cohere = {candidate.start for candidate in _cohere_keys(text)} if named else set()
        start, end = key.span()
        best: re.Match[str] | None = None
        window_end = min(len(text), end + AWS_PAIR_DISTANCE + 41)  # the lookahead of a run in reach sees its end
        for found in _AWS_SECRET.finditer(text, max(0, start - AWS_PAIR_DISTANCE - 40), window_end):
            if found.start() > end + AWS_PAIR_DISTANCE:
                break
            secret = found.group()
            if found.end() + AWS_PAIR_DISTANCE < start or (found.start() < end and found.end() > start):
                continue
            if secret.islower() or secret.isupper() or found.start() in cohere:
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

PEM_ANCHOR = "-----BEGIN "
"""What every text with a PEM block holds (its body, broken into lines, is no run of key characters)."""

_PEM_BEGIN = re.compile(re.escape(PEM_ANCHOR) + r"((?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?)-----")
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
    r"(?P<secret>sk-(?<![A-Za-z0-9_-]sk-)(?!ant-)(?P<prefix>(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{20,300})"
    r"(?![A-Za-z0-9_-])"
)


def _openai_shape(_text: str, match: re.Match[str]) -> bool:
    return OPENAI_MARKER in match["secret"] or (match["prefix"] is not None and len(match["secret"]) >= 48)


_ANTHROPIC = re.compile(
    r"(?P<secret>sk-ant-(?<![A-Za-z0-9_-]sk-ant-)(?:api03|admin01)-[A-Za-z0-9_-]{80,120})(?![A-Za-z0-9_-])"
)
_GOOGLE_API_KEY = re.compile(r"(?P<secret>AIza(?<![A-Za-z0-9_-]AIza)[A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])")
_HUGGING_FACE = re.compile(
    r"(?P<secret>(?:hf_(?<![A-Za-z0-9_]hf_)|api_org_(?<![A-Za-z0-9_]api_org_))[A-Za-z0-9]{34})(?![A-Za-z0-9_])"
)
_BEDROCK_API_KEY = re.compile(
    r"(?P<secret>ABSK(?<![A-Za-z0-9+/-]ABSK)[A-Za-z0-9+/]{60,400}={0,2}"
    r"|bedrock-api-key-(?<![A-Za-z0-9+/-]bedrock-api-key-)[A-Za-z0-9+/]{60,4000}={0,2}(?:&Version=\d+)?)"
    r"(?![A-Za-z0-9+/=])"
)

_GROQ = re.compile(r"(?P<secret>gsk_(?<![A-Za-z0-9_-]gsk_)[A-Za-z0-9]{52})(?![A-Za-z0-9_-])")
_OPENROUTER = re.compile(r"(?P<secret>sk-or-v1-(?<![A-Za-z0-9_-]sk-or-v1-)[0-9a-f]{64})(?![A-Za-z0-9_-])")
_XAI = re.compile(r"(?P<secret>xai-(?<![A-Za-z0-9_-]xai-)[A-Za-z0-9_]{80})(?![A-Za-z0-9_-])")
_PERPLEXITY = re.compile(r"(?P<secret>pplx-(?<![A-Za-z0-9_-]pplx-)[A-Za-z0-9]{48})(?![A-Za-z0-9_-])")
_REPLICATE = re.compile(r"(?P<secret>r8_(?<![A-Za-z0-9_-]r8_)[A-Za-z0-9_-]{37})(?![A-Za-z0-9_-])")
_TOGETHER = re.compile(r"(?P<secret>tgp_v1_(?<![A-Za-z0-9_-]tgp_v1_)[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")

AZURE_CONTEXT_DISTANCE = 300
"""How far from an Azure key its Azure context (endpoint, header or variable name) may be."""

_AZURE_CONTEXT = ("azure", "cognitiveservices", "cognitive.microsoft.com", "ocp-apim")
_AZURE_KEY = re.compile(
    r"(?i)(?:key|secret|subscription)[A-Za-z0-9_.-]{0,20}[\"']?\s{0,3}"
    r"(?:=|:|=>|:=)\s{0,3}[\"']?(?P<secret>[0-9a-f]{32})(?![0-9a-z])"
)
"""Case-insensitive, with no literal to jump to: slow on long text, so it runs only on text that has 32 hex
digits in a row (its ``secret``, in either case)."""


def _azure_context(text: str, match: re.Match[str]) -> bool:
    return near(text, match.start(), match.end(), _AZURE_CONTEXT, AZURE_CONTEXT_DISTANCE)


# --------------------------------------------------------------------- LLM keys known by their context

CONTEXT_DISTANCE = 80
"""How far (in characters) from a key of no distinctive shape its provider must be named, when the key is
assigned to a generic name (``api_key``, ``token``, ``value``, ``Authorization: Bearer``)."""

_ASSIGNED = (
    r"(?:(?P<name>(?i:key|token|secret|value)[A-Za-z0-9_.-]{0,20})\\?[\"']?\s{0,3}(?:=|:|=>|:=)|(?i:bearer)\s)"
    r"\s{0,3}\\?[\"']?"
)
"""A value assigned to a name (quotes may be escaped, as in JSON held in a JSON string), or a bearer token."""
_NAME_START = re.compile(r"[A-Za-z0-9_.-]*\Z")
_GENERIC_NAME = re.compile(r"(?:api|access|auth|private|secret|key|token|value|bearer|[_.-])*")
"""Names that say a value is a credential but not whose (``api_key``, ``apiKey``, ``token``, ``value``)."""

MAX_NAME = 60
"""Longest variable name read before an assigned key."""


def assigned_key_finder(
    characters: str, length: int, words: tuple[str, ...], mixed_case: bool, prefix: str = ""
) -> Finder:
    """A finder of keys (``prefix`` then ``length`` of ``characters``, letters and digits) assigned to a name, in
    one of two contexts.

    The name says whose key it is (``COHERE_API_KEY=…``, ``"mistral_api_key": …``), or it is generic
    (``api_key=``, a Kubernetes ``value:``, ``Bearer``) and one of ``words`` is within :data:`CONTEXT_DISTANCE`
    characters (``- name: MISTRAL_API_KEY`` on the line before, ``base_url="https://api.deepseek.com"`` after).
    After its prefix, a key must also mix digits with letters, and upper with lower case when ``mixed_case``:
    generated keys do, words and identifiers of the same length do not.
    """
    pattern = re.compile(_ASSIGNED + f"(?P<secret>{re.escape(prefix)}[{characters}]{{{length}}})(?![A-Za-z0-9_-])")

    def accept(text: str, match: re.Match[str]) -> bool:
        secret = match["secret"][len(prefix) :]
        if not (any(c.isdigit() for c in secret) and any(c.isalpha() for c in secret)):
            return False
        if mixed_case and (secret.islower() or secret.isupper()):
            return False
        name = _assigned_name(text, match)
        if any(word in name for word in words):
            return True
        start, end = match.span("secret")
        return _GENERIC_NAME.fullmatch(name) is not None and near(text, start, end, words, CONTEXT_DISTANCE)

    return regex_finder(pattern, accept, needs=has_run(characters, length))


def _assigned_name(text: str, match: re.Match[str]) -> str:
    """The whole name a key is assigned to, lowercase (``bearer`` for an Authorization header)."""
    if match["name"] is None:
        return "bearer"
    start = match.start("name")
    head = _NAME_START.search(text, max(0, start - MAX_NAME), start)
    return ((head.group() if head else "") + match["name"]).lower()


def chain(*finders: Finder) -> Finder:
    """A finder of the candidates of every finder in turn."""

    def find(text: str) -> Iterator[Candidate]:
        for finder in finders:
            yield from finder(text)

    return find


_COHERE_WORDS = ("cohere", "co_api_key")
_MISTRAL_WORDS = ("mistral",)
_DEEPSEEK_WORDS = ("deepseek",)
_TOGETHER_WORDS = ("together",)

_LETTERS_DIGITS = string.ascii_letters + string.digits
_HEX = "0123456789abcdef"

_cohere_keys = assigned_key_finder(_LETTERS_DIGITS, 40, _COHERE_WORDS, mixed_case=True)


# ----------------------------------------------------------------------------------------- code, chat

_GITHUB = re.compile(
    r"(?P<secret>gh[pousr]_(?<![A-Za-z0-9_]gh[pousr]_)[A-Za-z0-9]{36}"
    r"|github_pat_(?<![A-Za-z0-9_]github_pat_)[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])"
)
_SLACK = re.compile(
    r"(?P<secret>xox[abposr]-(?<![A-Za-z0-9-]xox[abposr]-)[0-9]{6,13}-[0-9A-Za-z-]{10,200}"
    r"|xapp-(?<![A-Za-z0-9-]xapp-)[0-9]-[A-Z0-9]{6,20}-[0-9]{6,20}-[a-f0-9]{32,80})(?![A-Za-z0-9-])"
)


DETECTORS: tuple[Detector, ...] = (
    Detector(
        "aws_access_key",
        Category.CLOUD,
        "An AWS secret access key within 200 characters of its access key id (AKIA… or ASIA…).",
        ("akia", "asia"),
        _aws_key_pairs,
        min_entropy=3.5,
        provider="aws",
        min_run=40,  # the secret access key
    ),
    Detector(
        "gcp_service_account_key",
        Category.CLOUD,
        "The private key of a Google Cloud service-account JSON key file.",
        ("service_account",),
        _service_account_keys,
        min_entropy=4.0,
        provider="gcp",
        anchors=(PEM_ANCHOR,),
    ),
    Detector(
        "private_key",
        Category.PRIVATE_KEY,
        "A PEM private key block (-----BEGIN … PRIVATE KEY-----) with a real body.",
        ("private key",),
        _pem_blocks,
        min_entropy=4.0,
        anchors=(PEM_ANCHOR,),
    ),
    Detector(
        "anthropic_api_key",
        Category.LLM,
        "An Anthropic API key (sk-ant-api03-…) or Admin API key (sk-ant-admin01-…).",
        ("sk-ant-",),
        regex_finder(_ANTHROPIC),
        min_entropy=3.5,
        provider="anthropic",
        min_run=93,  # sk-ant-api03- and 80
    ),
    Detector(
        "openrouter_api_key",
        Category.LLM,
        "An OpenRouter API key (sk-or-v1- and 64 hex digits).",
        ("sk-or-v1-",),
        regex_finder(_OPENROUTER),
        min_entropy=3.0,
        provider="openrouter",
        min_run=73,  # sk-or-v1- and 64
    ),
    Detector(
        "openai_api_key",
        Category.LLM,
        "An OpenAI key: sk-proj-…, sk-svcacct-…, sk-admin-…, or a legacy sk-… key (with OpenAI's T3BlbkFJ mark).",
        ("sk-",),
        regex_finder(_OPENAI, _openai_shape),
        min_entropy=3.5,
        provider="openai",
        min_run=23,  # sk- and 20
    ),
    Detector(
        "bedrock_api_key",
        Category.LLM,
        "An Amazon Bedrock API key: long-term (ABSK…) or short-term (bedrock-api-key-…).",
        ("absk", "bedrock-api-key-"),
        regex_finder(_BEDROCK_API_KEY),
        min_entropy=3.5,
        provider="aws_bedrock",
        min_run=64,  # ABSK and 60
    ),
    Detector(
        "google_api_key",
        Category.LLM,
        "A Google API key (AIza…), which calls Gemini and other Google APIs.",
        ("aiza",),
        regex_finder(_GOOGLE_API_KEY),
        min_entropy=3.0,
        provider="google",
        min_run=39,  # AIza and 35
    ),
    Detector(
        "huggingface_token",
        Category.LLM,
        "A Hugging Face user (hf_…) or organisation (api_org_…) access token.",
        ("hf_", "api_org_"),
        regex_finder(_HUGGING_FACE),
        min_entropy=3.0,
        provider="huggingface",
        min_run=37,  # hf_ and 34
    ),
    Detector(
        "groq_api_key",
        Category.LLM,
        "A Groq API key (gsk_ and 52 letters and digits).",
        ("gsk_",),
        regex_finder(_GROQ),
        min_entropy=3.5,
        provider="groq",
        min_run=56,  # gsk_ and 52
    ),
    Detector(
        "xai_api_key",
        Category.LLM,
        "An xAI (Grok) API key (xai- and 80 letters, digits and underscores).",
        ("xai-",),
        regex_finder(_XAI),
        min_entropy=3.5,
        provider="xai",
        min_run=84,  # xai- and 80
    ),
    Detector(
        "perplexity_api_key",
        Category.LLM,
        "A Perplexity API key (pplx- and 48 letters and digits).",
        ("pplx-",),
        regex_finder(_PERPLEXITY),
        min_entropy=3.5,
        provider="perplexity",
        min_run=53,  # pplx- and 48
    ),
    Detector(
        "replicate_api_token",
        Category.LLM,
        "A Replicate API token (r8_ and 37 characters).",
        ("r8_",),
        regex_finder(_REPLICATE),
        min_entropy=3.5,
        provider="replicate",
        min_run=40,  # r8_ and 37
    ),
    Detector(
        "azure_openai_key",
        Category.LLM,
        "An Azure OpenAI / Azure AI services key: 32 hex digits assigned to a key name, near an Azure"
        " endpoint, header or variable.",
        _AZURE_CONTEXT,
        regex_finder(_AZURE_KEY, _azure_context, needs=has_run(string.hexdigits, 32)),
        min_entropy=2.75,
        precise=False,
        provider="azure_openai",
        min_run=32,  # 32 hex digits
    ),
    Detector(
        "together_api_key",
        Category.LLM,
        "A Together AI key: tgp_v1_… anywhere, or a legacy key (64 hex digits) assigned to a Together name or"
        " near the word together.",
        ("tgp_v1_", *_TOGETHER_WORDS),
        chain(regex_finder(_TOGETHER), assigned_key_finder(_HEX, 64, _TOGETHER_WORDS, mixed_case=False)),
        min_entropy=3.0,
        precise=False,
        provider="together",
        min_run=50,  # tgp_v1_ and 43 (a legacy key: 64)
    ),
    Detector(
        "deepseek_api_key",
        Category.LLM,
        "A DeepSeek API key (sk- and 32 hex digits) assigned to a DeepSeek name or near the word deepseek.",
        _DEEPSEEK_WORDS,
        assigned_key_finder(_HEX, 32, _DEEPSEEK_WORDS, mixed_case=False, prefix="sk-"),
        min_entropy=2.75,
        precise=False,
        provider="deepseek",
        min_run=35,  # sk- and 32
    ),
    Detector(
        "cohere_api_key",
        Category.LLM,
        "A Cohere API key (40 letters and digits) assigned to a Cohere name (COHERE_API_KEY, CO_API_KEY) or near"
        " the word cohere.",
        _COHERE_WORDS,
        _cohere_keys,
        min_entropy=3.5,
        precise=False,
        provider="cohere",
        min_run=40,  # 40 letters and digits
    ),
    Detector(
        "mistral_api_key",
        Category.LLM,
        "A Mistral AI API key (32 letters and digits) assigned to a Mistral name or near the word mistral.",
        _MISTRAL_WORDS,
        assigned_key_finder(_LETTERS_DIGITS, 32, _MISTRAL_WORDS, mixed_case=True),
        min_entropy=3.5,
        precise=False,
        provider="mistral",
        min_run=32,  # 32 letters and digits
    ),
    Detector(
        "github_token",
        Category.CODE,
        "A GitHub token: personal (ghp_…, github_pat_…), OAuth (gho_…), user-to-server (ghu_…),"
        " server-to-server (ghs_…) or refresh (ghr_…).",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        regex_finder(_GITHUB),
        min_entropy=3.0,
        provider="github",
        min_run=40,  # ghp_ and 36
    ),
    Detector(
        "slack_token",
        Category.CHAT,
        "A Slack token: bot (xoxb-…), user (xoxp-…), other xox*- tokens, or an app-level token (xapp-…).",
        ("xox", "xapp-"),
        regex_finder(_SLACK),
        min_entropy=3.0,
        provider="slack",
        min_run=22,  # xoxb- and 6 digits, a dash and 10 (xapp-…: 53)
    ),
)
"""Every detector, most specific first: where two candidates overlap, the earlier detector's is kept."""

DETECTORS_BY_KIND = {detector.kind: detector for detector in DETECTORS}
