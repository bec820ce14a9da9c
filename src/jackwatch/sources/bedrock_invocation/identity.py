"""Who made an invocation: the principal of a record's ``identity``, worked out as the record is read.

Every rule about invocation logs, and the spend ledger, asks who made each call; the reader puts the answer in
the event's memo (:data:`PRINCIPAL_KEY`), and records of one identity share one :class:`Principal`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jackwatch.normalize import Principal, principal_from_record

PRINCIPAL_KEY = "bedrock.principal"
"""Memo key: the principal of the record's identity."""


def record_principal(raw: Mapping[str, Any]) -> Principal:
    """The principal of a record's ``identity`` (Bedrock writes an ARN alone) in the account ``accountId``."""
    identity, account = raw.get("identity"), raw.get("accountId")
    arn = identity.get("arn") if type(identity) is dict and len(identity) == 1 else None
    if type(arn) is str and (account is None or type(account) is str):
        return arn_principal(arn, account)
    return principal_from_record({"userIdentity": identity, "recipientAccountId": account})


@lru_cache(maxsize=16_384)
def arn_principal(arn: str, account: str | None) -> Principal:
    """The principal of an identity that is an ARN alone, as Bedrock logs it: worked out once per ARN."""
    return principal_from_record({"userIdentity": {"arn": arn}, "recipientAccountId": account})
