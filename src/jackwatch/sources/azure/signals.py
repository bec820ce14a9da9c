"""Two facts a record states only inside its text: a content-filter outcome, and a change of key auth.

**Content filter.** Azure OpenAI rejects a prompt its content filter blocks with HTTP 400 and the error
code ``content_filter`` (inner error ``ResponsibleAIPolicyViolation``); a filtered completion ends with
``finish_reason: content_filter``. Resource logs keep neither body, so a record counts as filtered only when
its ``resultSignature``, ``resultDescription`` or a property (other than the deployment, model and API
names, which a user names freely) carries one of these codes. A bare HTTP 400 is not counted: invalid
requests get it too.

**Key auth.** ``disableLocalAuth`` in the body of an account write (``properties.requestbody`` of the
Activity log's ``Start`` record) says whether keys are turned off (``true``) or on (``false``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from jackwatch.sources.azure.record import AzureRecord

_FILTER_CODES = ("content_filter", "contentfilter", "responsibleaipolicyviolation")
_NAMING_PROPERTIES = frozenset({"modelDeploymentName", "modelName", "modelVersion", "apiName", "objectId"})
_REQUEST_BODY_KEYS = ("requestbody", "requestBody")


def content_filtered(raw: Mapping[str, Any], record: AzureRecord) -> bool | None:
    """Whether a resource log record carries a content-filter code; ``None`` for Activity log records."""
    if record.shape.is_activity:
        return None
    texts = [raw.get("resultSignature"), raw.get("resultDescription")]
    for key, value in record.properties.items():
        if key not in _NAMING_PROPERTIES:
            texts += (key, value)
    return any(_has_filter_code(text) for text in texts)


def _has_filter_code(value: object) -> bool:
    if value is None or isinstance(value, bool | int | float):
        return False
    if not isinstance(value, str):
        try:
            value = orjson.dumps(value).decode()
        except TypeError:
            return False
    lowered = value.lower()
    return any(code in lowered for code in _FILTER_CODES)


def local_auth_disabled(record: AzureRecord) -> bool | None:
    """``disableLocalAuth`` from the request body of an Activity log record (``true``/``false``, also as
    text); ``None`` when there is no body, it is not JSON, or it does not set the flag."""
    if not record.shape.is_activity:
        return None
    body: object = None
    for key in _REQUEST_BODY_KEYS:
        body = record.properties.get(key)
        if body is not None:
            break
    if isinstance(body, str):
        try:
            body = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
    settings = body.get("properties") if isinstance(body, Mapping) else None
    flag = settings.get("disableLocalAuth") if isinstance(settings, Mapping) else None
    if isinstance(flag, bool):
        return flag
    if isinstance(flag, str) and flag.strip().lower() in ("true", "false"):
        return flag.strip().lower() == "true"
    return None
