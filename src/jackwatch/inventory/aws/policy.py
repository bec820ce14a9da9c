"""A small IAM policy evaluator for one question: may a principal invoke Bedrock models (or do everything in
Bedrock), given its identity policies and permissions boundary?

It follows the IAM rule for identity policies — an explicit ``Deny`` wins, else an ``Allow`` grants, else the
request is implicitly denied — with ``Action``/``NotAction`` and ``Resource``/``NotResource`` wildcards (``*`` and
``?``; actions case-insensitive). The question is about *some* Bedrock model, not one ARN:

- an ``Allow`` counts when its resources can meet a Bedrock resource (``arn:<partition>:bedrock:*:*:*``);
- a ``Deny`` blocks only when it covers every Bedrock resource and has no ``Condition``; a narrower or
  conditional ``Deny`` is reported as a limit (``limited_by``), not as a block;
- an ``Allow`` with a ``Condition`` counts, and the verdict says it is conditional.

Not evaluated (documented in ``docs/aws-posture.md``): service control and resource control policies, session
policies, resource-based policies, and the values of conditions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any
from urllib.parse import unquote

INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
"""The actions model inference needs: ``Converse`` is authorised by ``bedrock:InvokeModel`` and ``ConverseStream``
by ``bedrock:InvokeModelWithResponseStream``."""

ALL_BEDROCK = "bedrock:*"
"""Every Bedrock action: a policy that allows all of them is full access."""

FULL_ACCESS_POLICY = "AmazonBedrockFullAccess"
"""The AWS managed policy that grants every Bedrock action."""


class Effect(StrEnum):
    """A statement's effect."""

    ALLOW = "Allow"
    DENY = "Deny"


class Access(StrEnum):
    """The outcome of an evaluation."""

    ALLOWED = "allowed"
    DENIED = "denied"
    """Explicitly denied by a statement (or not allowed by the permissions boundary)."""
    NOT_ALLOWED = "not_allowed"
    """No statement allows it (implicit deny)."""


@dataclass(frozen=True, slots=True)
class PolicySource:
    """Where a statement comes from: an inline or managed policy, attached to the principal or to one of its
    groups, or its permissions boundary."""

    name: str
    kind: str  # "inline" | "managed" | "boundary"
    arn: str | None = None
    group: str | None = None

    def __str__(self) -> str:
        via = f" (group {self.group})" if self.group else ""
        return f"{self.kind} policy {self.name}{via}"

    def as_dict(self) -> dict[str, Any]:
        """The source as JSON data."""
        return {"name": self.name, "kind": self.kind, "arn": self.arn, "group": self.group}


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of an identity policy, its action and resource lists as written (``None``: absent)."""

    effect: Effect
    source: PolicySource
    sid: str = ""
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    conditional: bool = False

    @property
    def label(self) -> str:
        """``<source>`` with the statement's Sid when it has one."""
        return f"{self.source} statement {self.sid}" if self.sid else str(self.source)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether ``action`` (or, for ``bedrock:*``, every Bedrock action) is allowed, and by what.

    ``allowed_by`` are the statements that grant it, ``denied_by`` those that block it, ``limited_by`` denies
    that cover only part of Bedrock or depend on a condition; ``conditional`` is true when every grant has a
    condition; ``outside_boundary`` when the grants are cut off by the permissions boundary. ``unknown`` names
    policies that could not be read: the verdict ignores them.
    """

    action: str
    access: Access
    allowed_by: tuple[Statement, ...] = ()
    denied_by: tuple[Statement, ...] = ()
    limited_by: tuple[Statement, ...] = ()
    conditional: bool = False
    unknown: tuple[str, ...] = ()
    outside_boundary: bool = False

    @property
    def allowed(self) -> bool:
        """Whether the action is allowed."""
        return self.access is Access.ALLOWED

    def as_dict(self) -> dict[str, Any]:
        """The verdict as JSON data: statements by label."""
        return {
            "action": self.action,
            "access": str(self.access),
            "conditional": self.conditional,
            "allowed_by": [s.label for s in self.allowed_by],
            "denied_by": [s.label for s in self.denied_by],
            "limited_by": [s.label for s in self.limited_by],
            "unknown_policies": list(self.unknown),
            "outside_boundary": self.outside_boundary,
        }


class PolicyError(ValueError):
    """A policy document that is not a policy (bad JSON, a statement that is not a mapping…)."""


def parse_document(document: Any, source: PolicySource) -> list[Statement]:
    """The statements of a policy document: a mapping, or its JSON text (URL-encoded as IAM returns it).

    Raises :class:`PolicyError` for a document that is not a policy; unknown keys are ignored.
    """
    if isinstance(document, str):
        text = unquote(document) if document.lstrip().startswith("%7B") else document
        try:
            document = json.loads(text)
        except ValueError as error:
            raise PolicyError(f"{source}: not JSON ({error})") from None
    if not isinstance(document, Mapping):
        raise PolicyError(f"{source}: a policy is a JSON object")
    raw = document.get("Statement", [])
    items = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(items, list):
        raise PolicyError(f"{source}: Statement is an object or a list")
    return [_statement(item, source, position) for position, item in enumerate(items, 1)]


def _statement(item: Any, source: PolicySource, position: int) -> Statement:
    if not isinstance(item, Mapping):
        raise PolicyError(f"{source}: statement {position} is not an object")
    try:
        effect = Effect(str(item.get("Effect")))
    except ValueError:
        raise PolicyError(f"{source}: statement {position} has Effect {item.get('Effect')!r}") from None
    return Statement(
        effect=effect,
        source=source,
        sid=str(item.get("Sid") or ""),
        actions=_strings(item, "Action", source, position),
        not_actions=_strings(item, "NotAction", source, position),
        resources=_strings(item, "Resource", source, position),
        not_resources=_strings(item, "NotResource", source, position),
        conditional=bool(item.get("Condition")),
    )


def _strings(item: Mapping[str, Any], key: str, source: PolicySource, position: int) -> tuple[str, ...] | None:
    value = item.get(key)
    if value is None:
        return None
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise PolicyError(f"{source}: statement {position}: {key} is a string or a list of strings")
    return tuple(values)


# Wildcard matching ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _regex(pattern: str, fold: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if fold else 0))


def wildcard_match(pattern: str, text: str, *, fold: bool = False) -> bool:
    """Whether ``text`` matches the IAM wildcard ``pattern`` (``*`` any run, ``?`` one character)."""
    return _regex(pattern, fold).fullmatch(text) is not None


def wildcards_meet(first: str, second: str, *, fold: bool = False) -> bool:
    """Whether some string matches both wildcard patterns."""
    a, b = (first.lower(), second.lower()) if fold else (first, second)

    @cache
    def meet(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*" and (meet(i + 1, j) or (j < len(b) and meet(i, j + 1))):
            return True
        if j < len(b) and b[j] == "*" and (meet(i, j + 1) or (i < len(a) and meet(i + 1, j))):
            return True
        if i < len(a) and j < len(b) and a[i] != "*" and b[j] != "*" and (a[i] == b[j] or "?" in (a[i], b[j])):
            return meet(i + 1, j + 1)
        return False

    return meet(0, 0)


_HOLE = "\x00\x01\x00\x02"
"""Stands for "any text" when testing whether a pattern covers a whole wildcard set: no policy writes it."""


def wildcard_covers(pattern: str, space: str, *, fold: bool = False) -> bool:
    """Whether ``pattern`` matches every string of the wildcard set ``space`` (each ``*`` of ``space`` tried
    empty and as text no policy contains; ``space`` has no ``?``)."""
    return all(wildcard_match(pattern, space.replace("*", filler), fold=fold) for filler in ("", _HOLE))


# Evaluation ----------------------------------------------------------------------------------------------------


def bedrock_resources(partition: str = "aws") -> str:
    """Every Bedrock resource of ``partition``, as a wildcard."""
    return f"arn:{partition}:bedrock:*:*:*"


def _action_applies(statement: Statement, action: str) -> bool:
    """Whether the statement's action list takes in ``action``. For a wildcard action such as ``bedrock:*`` an
    ``Allow`` must take in every action it stands for, while a ``Deny`` of any one of them is enough to take
    away "all of them"."""
    if "*" not in action:
        if statement.actions is not None:
            return any(wildcard_match(p, action, fold=True) for p in statement.actions)
        if statement.not_actions is not None:
            return not any(wildcard_match(p, action, fold=True) for p in statement.not_actions)
        return False
    every = statement.effect is Effect.ALLOW
    if statement.actions is not None:
        if every:
            return any(wildcard_covers(p, action, fold=True) for p in statement.actions)
        return any(wildcards_meet(p, action, fold=True) for p in statement.actions)
    if statement.not_actions is not None:
        if every:
            return not any(wildcards_meet(p, action, fold=True) for p in statement.not_actions)
        return not any(wildcard_covers(p, action, fold=True) for p in statement.not_actions)
    return False


def _resources_meet(statement: Statement, space: str) -> bool:
    """Whether the statement's resources can meet a resource of ``space``."""
    if statement.resources is not None:
        return any(wildcards_meet(p, space) for p in statement.resources)
    if statement.not_resources is not None:
        return not any(wildcard_covers(p, space) for p in statement.not_resources)
    return False


def _resources_cover(statement: Statement, space: str) -> bool:
    """Whether the statement's resources take in every resource of ``space``."""
    if statement.resources is not None:
        return any(wildcard_covers(p, space) for p in statement.resources)
    if statement.not_resources is not None:
        return not any(wildcards_meet(p, space) for p in statement.not_resources)
    return False


def evaluate(
    statements: Iterable[Statement],
    action: str,
    *,
    partition: str = "aws",
    boundary: Sequence[Statement] | None = None,
    unknown: Iterable[str] = (),
) -> Verdict:
    """Whether ``statements`` allow ``action`` on some Bedrock resource of ``partition``; a wildcard ``action``
    (``bedrock:*``) asks whether they allow every action it stands for.

    ``boundary`` is the permissions boundary's statements (``None``: no boundary): what it does not allow is
    denied. ``unknown`` names policies that could not be read.
    """
    space = bedrock_resources(partition)
    allowed: list[Statement] = []
    denied: list[Statement] = []
    limited: list[Statement] = []
    for statement in statements:
        if not _action_applies(statement, action) or not _resources_meet(statement, space):
            continue
        if statement.effect is Effect.ALLOW:
            allowed.append(statement)
        elif not statement.conditional and _resources_cover(statement, space):
            denied.append(statement)
        else:
            limited.append(statement)
    unknown = tuple(unknown)
    if denied:
        return Verdict(action, Access.DENIED, tuple(allowed), tuple(denied), tuple(limited), unknown=unknown)
    if not allowed:
        return Verdict(action, Access.NOT_ALLOWED, limited_by=tuple(limited), unknown=unknown)
    conditional = all(statement.conditional for statement in allowed)
    if boundary is not None:
        bounded = evaluate(boundary, action, partition=partition)
        limited.extend(bounded.limited_by)
        if not bounded.allowed:
            return Verdict(
                action, Access.DENIED, tuple(allowed), bounded.denied_by, tuple(limited), conditional, unknown, True
            )
        conditional = conditional or bounded.conditional
    return Verdict(action, Access.ALLOWED, tuple(allowed), (), tuple(limited), conditional, unknown)
