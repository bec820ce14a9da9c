"""Classes of CloudTrail ``errorCode`` values, so rules need not list every service's spelling."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache


class ErrorClass(StrEnum):
    """What a failed call ran into."""

    ACCESS_DENIED = "access_denied"
    VALIDATION = "validation"
    THROTTLING = "throttling"
    NOT_FOUND = "not_found"
    OTHER = "other"


_ACCESS_DENIED = frozenset(
    {
        "accessdenied",
        "accessdeniedexception",
        "authfailure",
        "authorizationerror",
        "authorizationerrorexception",
        "expiredtoken",
        "expiredtokenexception",
        "forbidden",
        "forbiddenexception",
        "invalidaccesskeyid",
        "invalidclienttokenid",
        "missingauthenticationtoken",
        "notauthorized",
        "notauthorizedexception",
        "signaturedoesnotmatch",
        "unrecognizedclientexception",
    }
)
_VALIDATION = frozenset(
    {
        "badrequest",
        "badrequestexception",
        "invalidargument",
        "invalidinput",
        "invalidinputexception",
        "invalidrequest",
        "invalidrequestexception",
        "missingparameter",
        "serializationexception",
    }
)
_THROTTLING = frozenset(
    {
        "provisionedthroughputexceededexception",
        "requestlimitexceeded",
        "slowdown",
        "toomanyrequestsexception",
    }
)


def error_class(code: object) -> ErrorClass | None:
    """The class of an ``errorCode``; ``None`` when there is no error (missing, non-string or blank).

    ``access_denied`` covers authorisation failures (``AccessDenied``, ``AccessDeniedException``,
    ``Client.UnauthorizedOperation``…) and rejected credentials (``UnrecognizedClientException``,
    ``InvalidClientTokenId``, ``ExpiredToken``…).
    """
    if not isinstance(code, str):
        return None
    return _classify(code)


@lru_cache(maxsize=1024)
def _classify(code: str) -> ErrorClass | None:
    text = code.strip().lower()
    if not text:
        return None
    for prefix in ("client.", "server."):
        text = text.removeprefix(prefix)
    if text in _ACCESS_DENIED or "accessdenied" in text or text.startswith("unauthorized"):
        return ErrorClass.ACCESS_DENIED
    if text in _THROTTLING or "throttl" in text:
        return ErrorClass.THROTTLING
    if text.endswith("notfound") or text.endswith("notfoundexception") or text.startswith("nosuch"):
        return ErrorClass.NOT_FOUND
    if (
        text in _VALIDATION
        or "validation" in text
        or text.startswith(("invalidparameter", "malformed", "missingparameter"))
    ):
        return ErrorClass.VALIDATION
    return ErrorClass.OTHER
