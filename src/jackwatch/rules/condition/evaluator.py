"""The reference semantics of conditions: a plain recursive walk over the tree, for one event.

``compile_condition`` must agree with this module on every event; it is slow on purpose (nothing is
precomputed) so that it stays obviously right. Operators, for a present field value ``x`` and a
right-hand side ``v`` (value conversions are described in ``values``):

* a missing field (``None``) makes every comparison false and ``exists`` false; ``not`` negates;
* list fields (tuples): ``in`` is true when the list is non-empty and every element is in the set,
  ``intersects`` when any element is; every other operator is true when any element satisfies it
  (so ``!=`` on a list means "some element differs"); ``None`` elements satisfy nothing; a field that
  ``matches_any`` (Falco's ``proc.aname``: any ancestor) is ``in`` the set when any element is;
* a scalar ``x in (…)`` / ``x intersects (…)``: ``x`` equals one of the values;
* ``=``/``!=``: text, number or boolean equality depending on the type of ``x``;
* ``<``, ``<=``, ``>``, ``>=``: numbers (a string field value is converted; non-numbers → false);
* ``contains``, ``startswith``, ``endswith`` on text; ``icontains`` lowercases both sides;
* ``bcontains``/``bstartswith``: the value is hex (``cafebabe``), compared with the UTF-8 bytes of ``x``;
* ``glob``: shell pattern over the whole text (``*`` also matches ``/``); ``iglob`` lowercases both sides;
* ``pmatch``: ``x`` is one of the paths or lies below one (on ``/`` boundaries; ``/`` matches every
  absolute path; a trailing ``/`` on a path is ignored);
* ``regex``: Python ``re.search``;
* ``val(f)`` / a transformed field on the right: its value (each element, for a list) is the
  right-hand side: a scalar operator holds when it holds for any right element, ``in``/``intersects``
  use the right elements as the set; a missing right field makes the comparison false.
"""

from __future__ import annotations

import fnmatch
import operator
import re
from collections.abc import Callable

from jackwatch.errors import ConditionError
from jackwatch.model import Event
from jackwatch.rules.condition.checks import problems
from jackwatch.rules.condition.expand import unknown_macros_message
from jackwatch.rules.condition.nodes import (
    And,
    Compare,
    Exists,
    FieldExpr,
    MacroRef,
    Node,
    Not,
    Or,
    ValueList,
)
from jackwatch.rules.condition.values import (
    Literal,
    bytes_of,
    equals,
    hex_bytes,
    number_of,
    text_of,
    transform,
)
from jackwatch.rules.fields import SourceFields

_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def evaluate(node: Node, event: Event, fields: SourceFields) -> bool:
    """Whether ``event`` matches ``node``; raises ``ConditionError`` when ``node`` cannot be evaluated."""
    found = problems(node, fields)
    if found:
        raise ConditionError("; ".join(found))
    return _evaluate(node, event, fields)


def _evaluate(node: Node, event: Event, fields: SourceFields) -> bool:
    match node:
        case And(operands):
            return all(_evaluate(item, event, fields) for item in operands)
        case Or(operands):
            return any(_evaluate(item, event, fields) for item in operands)
        case Not(operand):
            return not _evaluate(operand, event, fields)
        case Exists(left):
            return _read(left, event, fields) is not None
        case Compare():
            return _compare(node, event, fields)
        case MacroRef(name):
            raise ConditionError(unknown_macros_message([name]))


def _read(expr: FieldExpr, event: Event, fields: SourceFields) -> object:
    field = fields.fields[expr.field.name]
    return transform(field.extract(event, expr.field.arg), expr.transforms)


def _compare(node: Compare, event: Event, fields: SourceFields) -> bool:
    value = _read(node.left, event, fields)
    if value is None:
        return False
    right = node.right
    if isinstance(right, FieldExpr):
        other = _read(right, event, fields)
        if other is None:
            return False
        others = other if isinstance(other, tuple) else (other,)
        literals = [Literal.of_value(item) for item in others if item is not None]
    elif isinstance(right, ValueList):
        literals = [Literal.of_text(item.text) for item in right.items]
    else:
        literals = [Literal.of_text(right.text)]
    elements = value if isinstance(value, tuple) else (value,)
    op = node.op
    if op == "in" and fields.fields[node.left.field.name].matches_any:
        op = "intersects"
    if op == "in":
        return len(elements) > 0 and all(any(equals(x, lit) for lit in literals) for x in elements)
    if op == "intersects":
        return any(equals(x, lit) for x in elements for lit in literals)
    return any(_holds(op, x, lit) for x in elements for lit in literals)


def _holds(op: str, x: object, lit: Literal) -> bool:
    if x is None:
        return False
    if op == "=":
        return equals(x, lit)
    if op == "!=":
        return not equals(x, lit)
    if op in _NUMERIC:
        number = number_of(x)
        return number is not None and lit.number is not None and _NUMERIC[op](number, lit.number)
    if op in ("bcontains", "bstartswith"):
        needle = hex_bytes(lit.text)
        data = bytes_of(x)
        return needle is not None and (needle in data if op == "bcontains" else data.startswith(needle))
    return _text_holds(op, text_of(x), lit.text)


def _text_holds(op: str, text: str, pattern: str) -> bool:
    match op:
        case "contains":
            return pattern in text
        case "icontains":
            return pattern.lower() in text.lower()
        case "startswith":
            return text.startswith(pattern)
        case "endswith":
            return text.endswith(pattern)
        case "glob":
            return fnmatch.fnmatchcase(text, pattern)
        case "iglob":
            return fnmatch.fnmatchcase(text.lower(), pattern.lower())
        case "regex":
            return re.search(pattern, text) is not None
        case "pmatch":
            prefix = pattern.rstrip("/")
            return text.startswith("/") if not prefix else text == prefix or text.startswith(prefix + "/")
    raise ConditionError(f"unknown operator '{op}'")
