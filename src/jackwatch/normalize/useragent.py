"""User-agent family of a CloudTrail ``userAgent``: console, AWS SDK or CLI, service, browser, HTTP library.

LLMjacking tools call AWS through generic HTTP libraries (``axios``, ``Python/3.11 aiohttp/3.9.5``,
``python-urllib3``) or browsers; legitimate programs mostly use an AWS SDK or the CLI.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache


class UserAgentFamily(StrEnum):
    """What kind of client a user agent names."""

    AWS_CONSOLE = "aws_console"
    AWS_SDK = "aws_sdk"
    AWS_CLI = "aws_cli"
    AWS_SERVICE = "aws_service"
    BROWSER = "browser"
    HTTP_LIBRARY = "http_library"
    EMPTY = "empty"
    OTHER = "other"


_CONSOLE_EXACT = frozenset({"aws internal", "console.amazonaws.com", "signin.amazonaws.com"})
_CONSOLE_PREFIXES = ("console.", "s3console/", "aws-internal/")
_SERVICE_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")
_SDK_NAMES = frozenset({"boto3", "botocore", "aiobotocore", "rusoto"})
_HTTP_NAMES = frozenset(
    {
        "aiohttp",
        "apache-httpclient",
        "axios",
        "curl",
        "faraday",
        "go-http-client",
        "got",
        "guzzlehttp",
        "httpie",
        "httpx",
        "java",
        "libwww-perl",
        "node",
        "node-fetch",
        "okhttp",
        "postmanruntime",
        "python",
        "python-httplib2",
        "python-httpx",
        "python-requests",
        "python-urllib",
        "python-urllib3",
        "reqwest",
        "requests",
        "rest-client",
        "ruby",
        "undici",
        "urllib3",
        "wget",
    }
)
_SEPARATORS = str.maketrans({",": " ", "[": " ", "]": " ", "(": " ", ")": " ", ";": " "})


def user_agent_family(user_agent: object) -> UserAgentFamily:
    """Classify ``user_agent``; a missing, non-string or blank value is ``EMPTY``."""
    if not isinstance(user_agent, str):
        return UserAgentFamily.EMPTY
    return _classify(user_agent)


@lru_cache(maxsize=16384)
def _classify(user_agent: str) -> UserAgentFamily:
    text = user_agent.strip().strip("[]").strip().lower()
    if not text:
        return UserAgentFamily.EMPTY
    if text in _CONSOLE_EXACT or text.startswith(_CONSOLE_PREFIXES):
        return UserAgentFamily.AWS_CONSOLE
    if text.endswith(_SERVICE_SUFFIXES) and " " not in text:
        return UserAgentFamily.AWS_SERVICE
    names = {token.partition("/")[0] for token in text.translate(_SEPARATORS).split()}
    if "aws-cli" in names:
        return UserAgentFamily.AWS_CLI
    if not names.isdisjoint(_SDK_NAMES) or any(name.startswith("aws-sdk-") for name in names):
        return UserAgentFamily.AWS_SDK
    if text.startswith(("mozilla/", "opera/")) or text == "mozilla":
        return UserAgentFamily.BROWSER
    if not names.isdisjoint(_HTTP_NAMES):
        return UserAgentFamily.HTTP_LIBRARY
    return UserAgentFamily.OTHER
