"""Outcome of an Azure operation: the result (``Success``, ``Failure``…) and the HTTP status code.

Resource logs write the status code in ``resultSignature`` (``"200"``, ``"429"``); the Activity log writes
the status name of .NET's ``HttpStatusCode`` in ``properties.statusCode`` (``OK``, ``Created``,
``BadRequest``) and a result such as ``Succeeded.OK`` in ``resultSignature``.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from http import HTTPStatus

_RESULTS = {
    "success": "Success",
    "succeeded": "Success",
    "failure": "Failure",
    "failed": "Failure",
    "start": "Start",
    "started": "Start",
    "accept": "Accept",
    "accepted": "Accept",
}
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
FAILURE_FROM = 400
"""Status codes from this one up are failures when a record states no result."""


def result_of(written: object, status_code: int | None) -> str | None:
    """The result in one spelling: ``Success``, ``Failure``, ``Start`` or ``Accept`` (Activity log steps,
    ``Started``/``Accepted`` in the REST shape), another written value as it is; without one, ``Success`` or
    ``Failure`` from the status code; ``None`` when neither is known."""
    if isinstance(written, str) and written.strip():
        return _RESULTS.get(written.strip().lower(), written.strip())
    if status_code is None:
        return None
    return "Failure" if status_code >= FAILURE_FROM else "Success"


def status_code_of(value: object) -> int | None:
    """An HTTP status from a number, digits (``"429"``) or a status name (``OK``, ``TooManyRequests``,
    ``Succeeded.Created`` — the part after the last dot); ``None`` when it is none of these."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 100 <= value <= 599 else None
    if isinstance(value, float):
        return status_code_of(int(value)) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        return _status_text(value.strip().rpartition(".")[2])
    return None


@lru_cache(maxsize=256)
def _status_text(text: str) -> int | None:
    if text.isascii() and text.isdigit():
        return status_code_of(int(text))
    for name in (text.upper(), _WORD_START.sub("_", text).upper()):
        status = HTTPStatus.__members__.get(name)
        if status is not None:
            return int(status)
    return None
