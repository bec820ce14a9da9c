"""Static checks of a condition against the fields of a source, done once before evaluation."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from jackwatch.rules.condition.expand import unknown_macros_message
from jackwatch.rules.condition.nodes import (
    BINARY_OPS,
    LIST_OPS,
    NUMERIC_OPS,
    TRANSFORMERS,
    And,
    Compare,
    Exists,
    FieldExpr,
    FieldRef,
    MacroRef,
    Node,
    Not,
    Or,
    Value,
    ValueList,
)
from jackwatch.rules.condition.render import render
from jackwatch.rules.condition.values import hex_bytes, parse_number
from jackwatch.rules.fields import ArgMode, SourceFields

TEXT_OPS = frozenset(
    {"contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith", "glob", "iglob", "regex"}
)
"""Operators that only make sense on text."""

LITERAL_ONLY_OPS = frozenset({"bcontains", "bstartswith", "glob", "iglob", "regex", "pmatch"})
"""Operators whose right-hand side must be written in the condition (no ``val()``)."""


def fields_used(node: Node) -> list[FieldRef]:
    """The fields ``node`` reads, in order of appearance, without duplicates."""
    return list(dict.fromkeys(expr.field for expr in _field_exprs(node)))


def check_fields(node: Node, fields: SourceFields) -> list[str]:
    """One message per unknown field, missing argument or unexpected argument; ``[]`` when all is well."""
    messages: list[str] = []
    for ref in fields_used(node):
        field = fields.fields.get(ref.name)
        if field is None:
            close = difflib.get_close_matches(ref.name, list(fields.fields), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            messages.append(f"unknown field '{ref.name}' for source '{fields.source}'{hint}")
        elif field.arg is ArgMode.REQUIRED and ref.arg is None:
            messages.append(f"field '{ref.name}' needs an argument: {ref.name}[…]")
        elif field.arg is ArgMode.NONE and ref.arg is not None:
            messages.append(f"field '{ref.name}' takes no argument, got [{ref.arg}]")
    return list(dict.fromkeys(messages))


def problems(node: Node, fields: SourceFields) -> list[str]:
    """Everything that prevents evaluating ``node``: unresolved macros, field errors, bad operands."""
    macros = list(dict.fromkeys(ref.name for ref in _macro_refs(node)))
    found = [unknown_macros_message(macros)] if macros else []
    found += check_fields(node, fields)
    for check in _checks(node):
        found += [f"{_short(check)}: {message}" for message in _check_problems(check)]
    return found


def _check_problems(node: Compare | Exists) -> Iterator[str]:
    if isinstance(node, Exists):
        yield from _transform_problems(node.left)
        return
    left, op, right = node.left, node.op, node.right
    yield from _transform_problems(left)
    if op not in BINARY_OPS:
        yield f"unknown operator '{op}'"
        return
    if left.transforms[:1] == ("len",) and (op in TEXT_OPS or op == "pmatch"):
        yield f"operator '{op}' does not apply to the number len() returns"
    match right:
        case FieldExpr():
            yield from _transform_problems(right)
            if op in LITERAL_ONLY_OPS:
                yield f"operator '{op}' needs a value written in the condition, not a field"
        case ValueList(items):
            if op not in LIST_OPS:
                yield f"operator '{op}' needs a single value, not a list"
            if op == "pmatch" and not all(item.text for item in items):
                yield "operator 'pmatch' needs non-empty paths"
        case Value(text):
            if op in LIST_OPS:
                yield f"operator '{op}' needs a list of values"
            yield from _value_problems(op, text)


def _value_problems(op: str, text: str) -> Iterator[str]:
    if op in NUMERIC_OPS and parse_number(text) is None:
        yield f"operator '{op}' needs a number, got '{text}'"
    elif op in ("bcontains", "bstartswith") and hex_bytes(text) is None:
        yield f"operator '{op}' needs hex-encoded bytes such as 'cafebabe', got '{text}'"
    elif op == "regex":
        try:
            re.compile(text)
        except re.error as error:
            yield f"invalid regular expression '{text}': {error}"


def _transform_problems(expr: FieldExpr) -> Iterator[str]:
    for name in expr.transforms:
        if name not in TRANSFORMERS:
            yield f"unknown transformer '{name}'"


def _short(node: Compare | Exists) -> str:
    text = render(node)
    return text if len(text) <= 80 else text[:79] + "…"


def _walk(node: Node) -> Iterator[Node]:
    yield node
    match node:
        case And(operands) | Or(operands):
            for item in operands:
                yield from _walk(item)
        case Not(operand):
            yield from _walk(operand)


def _checks(node: Node) -> Iterator[Compare | Exists]:
    return (item for item in _walk(node) if isinstance(item, Compare | Exists))


def _macro_refs(node: Node) -> Iterator[MacroRef]:
    return (item for item in _walk(node) if isinstance(item, MacroRef))


def _field_exprs(node: Node) -> Iterator[FieldExpr]:
    for check in _checks(node):
        yield check.left
        if isinstance(check, Compare) and isinstance(check.right, FieldExpr):
            yield check.right
