"""Realistic Azure records in the documented shapes: resource logs (RequestResponse, Audit) and the Activity log
(exported, and as the REST API returns it). Shared by the source and field tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

START = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
SUBSCRIPTION = "5f1c2d3e-8a9b-4c7d-9e0f-1a2b3c4d5e6f"
TENANT = "8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
ACCOUNT_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-ai-prod/providers/Microsoft.CognitiveServices"
    "/accounts/openai-app-eastus"
)
"""The account's resource id as the Activity log writes it; resource logs write it in upper case."""
MALLORY_OID = "7a9e2c4d-1b3f-4e5a-8c6d-2f4e6a8c0b1d"


def stamp(index: int) -> str:
    """Azure's time format (seven fractional digits), ``index`` seconds after START."""
    return (START + timedelta(seconds=index)).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def request_response(index: int = 0, **fields: Any) -> dict[str, Any]:
    """A key-authenticated ChatCompletions_Create record of the RequestResponse category."""
    record: dict[str, Any] = {
        "Tenant": "eastus",
        "callerIpAddress": "203.0.113.***",
        "category": "RequestResponse",
        "correlationId": f"d427a391-2bc7-4f38-9cbc-{index:012x}",
        "durationMs": 1021,
        "event": "ShoeboxCallResult",
        "location": "eastus",
        "operationName": "ChatCompletions_Create",
        "properties": {
            "apiName": "Azure OpenAI API version 2024-02-15-preview",
            "requestTime": 638678413314350000,
            "requestLength": 1342,
            "responseTime": 638678413324560000,
            "responseLength": 2211,
            "objectId": "",
            "streamType": "Non-Streaming",
            "modelDeploymentName": "gpt-4o-prod",
            "modelName": "gpt-4o",
            "modelVersion": "2024-08-06",
        },
        "resourceId": ACCOUNT_ID.upper(),
        "resultSignature": "200",
        "time": stamp(index),
    }
    record.update(fields)
    return record


def audit_list_key(index: int = 0) -> dict[str, Any]:
    """The Audit category's record of a key listing."""
    return {
        "AssetIdentity": "07628fea-67bb-424d-b160-fdc46c82d0b4",
        "Tenant": "eastus",
        "category": "Audit",
        "operationName": "ListKey",
        "properties": {"objectId": MALLORY_OID},
        "resourceId": ACCOUNT_ID.upper(),
        "time": stamp(index),
    }


CLAIMS = {
    "aud": "https://management.core.windows.net/",
    "iss": f"https://sts.windows.net/{TENANT}/",
    "iat": "1795182600",
    "nbf": "1795182600",
    "exp": "1795187100",
    "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
    "appidacr": "0",
    "ipaddr": "198.51.100.23",
    "name": "Mallory Example",
    "http://schemas.microsoft.com/claims/authnmethodsreferences": "pwd",
    "http://schemas.microsoft.com/identity/claims/objectidentifier": MALLORY_OID,
    "http://schemas.microsoft.com/identity/claims/tenantid": TENANT,
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "mallory@contoso.com",
    "http://schemas.microsoft.com/identity/claims/scope": "user_impersonation",
}


def activity_export(
    index: int = 0, action: str = "listKeys/action", result: str = "Success", **fields: Any
) -> dict[str, Any]:
    """An Activity log record as a diagnostic setting exports it (``insights-activity-logs``)."""
    operation = f"Microsoft.CognitiveServices/accounts/{action}"
    signature = {"Success": "Succeeded.OK", "Start": "Started.", "Failure": "Failed.Forbidden"}[result]
    record: dict[str, Any] = {
        "time": stamp(index),
        "resourceId": ACCOUNT_ID.upper(),
        "operationName": operation.upper(),
        "category": "Administrative",
        "resultType": result,
        "resultSignature": signature,
        "durationMs": 195,
        "callerIpAddress": "198.51.100.23",
        "correlationId": "3d1e6f0a-52c4-4b8e-9a61-0c2f7d9e4b11",
        "identity": {
            "authorization": {
                "scope": ACCOUNT_ID,
                "action": operation,
                "evidence": {
                    "role": "Cognitive Services Contributor",
                    "roleAssignmentScope": f"/subscriptions/{SUBSCRIPTION}",
                    "principalId": MALLORY_OID,
                    "principalType": "User",
                },
            },
            "claims": copy.deepcopy(CLAIMS),
        },
        "level": "Information",
        "location": "global",
        "properties": {
            "statusCode": signature.rpartition(".")[2] or None,
            "serviceRequestId": None,
            "eventCategory": "Administrative",
            "entity": ACCOUNT_ID,
            "message": operation,
            "hierarchy": f"{TENANT}/{SUBSCRIPTION}",
        },
    }
    record.update(fields)
    return record


def activity_rest(index: int = 0, action: str = "listKeys/action", status: str = "Succeeded") -> dict[str, Any]:
    """An Activity log event as the REST API and ``az monitor activity-log list`` return it."""
    operation = f"Microsoft.CognitiveServices/accounts/{action}"
    return {
        "authorization": {"action": operation, "scope": ACCOUNT_ID},
        "caller": "mallory@contoso.com",
        "channels": "Operation",
        "claims": copy.deepcopy(CLAIMS),
        "correlationId": "3d1e6f0a-52c4-4b8e-9a61-0c2f7d9e4b11",
        "description": "",
        "eventDataId": f"9f8e7d6c-5b4a-4392-8170-{index:012x}",
        "eventName": {"value": "EndRequest", "localizedValue": "End request"},
        "category": {"value": "Administrative", "localizedValue": "Administrative"},
        "eventTimestamp": stamp(index),
        "id": f"{ACCOUNT_ID}/events/9f8e7d6c-5b4a-4392-8170-{index:012x}/ticks/638678413314350000",
        "level": "Informational",
        "operationId": "3d1e6f0a-52c4-4b8e-9a61-0c2f7d9e4b11",
        "operationName": {"value": operation, "localizedValue": "List Keys"},
        "resourceGroupName": "rg-ai-prod",
        "resourceProviderName": {
            "value": "Microsoft.CognitiveServices",
            "localizedValue": "Microsoft Cognitive Services",
        },
        "resourceType": {
            "value": "Microsoft.CognitiveServices/accounts",
            "localizedValue": "Microsoft.CognitiveServices/accounts",
        },
        "resourceId": ACCOUNT_ID,
        "status": {"value": status, "localizedValue": status},
        "subStatus": {"value": "OK", "localizedValue": "OK (HTTP Status Code: 200)"},
        "submissionTimestamp": stamp(index + 90),
        "subscriptionId": SUBSCRIPTION,
        "tenantId": TENANT,
        "httpRequest": {
            "clientRequestId": "5c0a9e1d-2b3c-4d5e-8f60-718293a4b5c6",
            "clientIpAddress": "198.51.100.23",
            "method": "POST",
        },
        "properties": {
            "statusCode": "OK",
            "serviceRequestId": None,
            "eventCategory": "Administrative",
            "entity": ACCOUNT_ID,
            "message": operation,
            "hierarchy": f"{TENANT}/{SUBSCRIPTION}",
        },
    }


def account_write(index: int = 0, body: str | None = None) -> dict[str, Any]:
    """The ``Start`` record of an account write, with its request body, as the export writes it."""
    record = activity_export(index, action="write", result="Start")
    if body is not None:
        record["properties"]["requestbody"] = body
    return record


LOCAL_AUTH_ON = (
    '{"location":"eastus","kind":"OpenAI","sku":{"name":"S0"},"properties":{"customSubDomainName":'
    '"openai-app-eastus","publicNetworkAccess":"Enabled","disableLocalAuth":false}}'
)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)  # orjson reads larger integers as floats
    | st.floats(allow_nan=False)
    | st.text(max_size=16),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=12,
)
"""Any JSON value as the readers deliver it, for property tests."""
