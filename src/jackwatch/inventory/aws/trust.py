"""Who may assume a role: a summary of its trust policy (``AssumeRolePolicyDocument``)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from jackwatch.inventory.aws.policy import PolicyError

_ACCOUNT = re.compile(r"^(?:arn:[^:]+:(?:iam|sts)::(\d{12}):.*|(\d{12}))$")


@dataclass(frozen=True, slots=True)
class Trust:
    """The principals a role's trust policy lets assume it (``Allow`` statements only).

    ``anyone`` is true when ``*`` may assume it without a condition; ``external_accounts`` are the AWS accounts
    other than the role's own named by a trusted principal; ``conditional`` is true when every grant has a
    condition.
    """

    aws: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    anyone: bool = False
    external_accounts: tuple[str, ...] = ()
    conditional: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON data."""
        return {
            "aws": list(self.aws),
            "services": list(self.services),
            "federated": list(self.federated),
            "anyone": self.anyone,
            "external_accounts": list(self.external_accounts),
            "conditional": self.conditional,
        }


def summarize_trust(document: Any, account: str) -> Trust:
    """The trust of a role of ``account`` from its trust policy (a mapping, or JSON text, URL-encoded or not).

    Raises :class:`PolicyError` for a document that is not a policy.
    """
    if isinstance(document, str):
        try:
            document = json.loads(unquote(document) if document.lstrip().startswith("%7B") else document)
        except ValueError as error:
            raise PolicyError(f"trust policy: not JSON ({error})") from None
    if not isinstance(document, Mapping):
        raise PolicyError("trust policy: a policy is a JSON object")
    raw = document.get("Statement", [])
    statements = [raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list) else []
    aws: set[str] = set()
    services: set[str] = set()
    federated: set[str] = set()
    anyone = False
    grants = conditional = 0
    for statement in statements:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        grants += 1
        has_condition = bool(statement.get("Condition"))
        conditional += has_condition
        principal = statement.get("Principal")
        if principal == "*":
            anyone = anyone or not has_condition
            aws.add("*")
            continue
        if not isinstance(principal, Mapping):
            continue
        named = {key: _strings(value) for key, value in principal.items()}
        aws.update(named.get("AWS", ()))
        services.update(named.get("Service", ()))
        federated.update(named.get("Federated", ()))
        if "*" in named.get("AWS", ()):
            anyone = anyone or not has_condition
    external = sorted({found for value in aws if (found := _account_of(value)) is not None and found != account})
    return Trust(
        aws=tuple(sorted(aws)),
        services=tuple(sorted(services)),
        federated=tuple(sorted(federated)),
        anyone=anyone,
        external_accounts=tuple(external),
        conditional=grants > 0 and conditional == grants,
    )


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(item) for item in value if isinstance(item, str))
    return ()


def _account_of(principal: str) -> str | None:
    found = _ACCOUNT.match(principal)
    if found is None:
        return None
    return found.group(1) or found.group(2)
