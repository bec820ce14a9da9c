"""The pieces a record is read with: resource ids, caller networks, results and status codes."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jackwatch.normalize import parse_source_ip
from jackwatch.sources.azure.network import caller_network
from jackwatch.sources.azure.resource_id import parse_resource_id
from jackwatch.sources.azure.status import result_of, status_code_of


def test_a_resource_log_id_is_split_in_lower_case() -> None:
    found = parse_resource_id(
        "/SUBSCRIPTIONS/5F1C2D3E-8A9B-4C7D-9E0F-1A2B3C4D5E6F/RESOURCEGROUPS/RG-AI-PROD/PROVIDERS"
        "/MICROSOFT.COGNITIVESERVICES/ACCOUNTS/OPENAI-APP-EASTUS"
    )
    assert found.subscription == "5f1c2d3e-8a9b-4c7d-9e0f-1a2b3c4d5e6f"
    assert found.resource_group == "rg-ai-prod"
    assert found.type == "microsoft.cognitiveservices/accounts"
    assert found.name == found.account == "openai-app-eastus"
    assert found.id == (
        "/subscriptions/5f1c2d3e-8a9b-4c7d-9e0f-1a2b3c4d5e6f/resourcegroups/rg-ai-prod/providers"
        "/microsoft.cognitiveservices/accounts/openai-app-eastus"
    )


def test_the_activity_log_spelling_of_the_same_id_is_the_same_resource() -> None:
    upper = parse_resource_id("/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COGNITIVESERVICES/ACCOUNTS/A")
    mixed = parse_resource_id("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a")
    assert upper == mixed


def test_a_child_resource_names_its_account() -> None:
    found = parse_resource_id(
        "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/openai/deployments/gpt-4o"
    )
    assert found.account == "openai"


@pytest.mark.parametrize(
    ("text", "subscription", "group", "kind", "account"),
    [
        ("/subscriptions/s1", "s1", None, None, None),
        ("/subscriptions/s1/resourceGroups/rg", "s1", "rg", None, None),
        ("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/logs", "s1", "rg",
         "microsoft.storage/storageaccounts", None),
        ("/tenants/t1/providers/Microsoft.aadiam", None, None, None, None),
        ("not a resource id", None, None, None, None),
    ],
)  # fmt: skip
def test_other_ids(
    text: str, subscription: str | None, group: str | None, kind: str | None, account: str | None
) -> None:
    found = parse_resource_id(text)
    assert (found.subscription, found.resource_group, found.type, found.account) == (subscription, group, kind, account)
    assert found.id == text.lower()


@pytest.mark.parametrize(
    ("text", "network"),
    [
        ("203.0.113.***", "203.0.113.0/24"),
        ("203.0.113.*", "203.0.113.0/24"),
        ("81.2.69.xxx", "81.2.69.0/24"),
        (" 203.0.113.*** ", "203.0.113.0/24"),
        ("203.0.113.7", "203.0.113.0/24"),
        ("010.001.002.***", "10.1.2.0/24"),
        ("::ffff:198.51.100.23", "198.51.100.0/24"),
        ("2001:db8:1:2::5", "2001:db8:1::/48"),
    ],
)
def test_caller_networks(text: str, network: str) -> None:
    assert str(caller_network(text)) == network


@pytest.mark.parametrize("text", ["1.2.*.*", "300.1.1.*", "*", "", "unknown", "host.x", "2001:db8::***"])
def test_no_network_for_other_masks_and_garbage(text: str) -> None:
    assert caller_network(text) is None


@given(st.ip_addresses())
def test_every_address_lies_in_its_network_and_its_masked_form_gives_the_same(
    address: IPv4Address | IPv6Address,
) -> None:
    canonical = parse_source_ip(str(address)).ip
    network = caller_network(str(address))
    assert canonical is not None and network is not None
    assert canonical in network
    assert network.prefixlen == (24 if canonical.version == 4 else 48)
    if canonical.version == 4:
        assert caller_network(str(canonical).rpartition(".")[0] + ".***") == network


@pytest.mark.parametrize(
    ("written", "code", "result"),
    [
        ("Success", None, "Success"),
        ("Succeeded", None, "Success"),
        ("Failed", None, "Failure"),
        ("Failure", 200, "Failure"),
        ("Start", None, "Start"),
        ("Started", None, "Start"),
        ("Accepted", None, "Accept"),
        ("In Progress", None, "In Progress"),
        (None, 200, "Success"),
        (None, 302, "Success"),
        ("", 400, "Failure"),
        (None, 429, "Failure"),
        (None, None, None),
    ],
)
def test_results(written: object, code: int | None, result: str | None) -> None:
    assert result_of(written, code) == result


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("200", 200),
        ("429", 429),
        (400, 400),
        (200.0, 200),
        ("OK", 200),
        ("Created", 201),
        ("NoContent", 204),
        ("BadRequest", 400),
        ("Forbidden", 403),
        ("TooManyRequests", 429),
        ("InternalServerError", 500),
        ("Succeeded.OK", 200),
        ("Failed.Forbidden", 403),
        ("Started.", None),
        ("None", None),
        ("", None),
        (99, None),
        (True, None),
        (200.5, None),
        (None, None),
        ({"value": "OK"}, None),
    ],
)
def test_status_codes(value: object, code: int | None) -> None:
    assert status_code_of(value) == code
