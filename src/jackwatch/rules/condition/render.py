"""Canonical condition text: ``parse(render(node)) == node`` for every tree the parser can produce.

Compound operands of ``and``/``or``/``not`` are always parenthesised, operators are surrounded by
single spaces, values keep the bare/quoted form they were written in, quoted strings use double quotes.
"""

from __future__ import annotations

from jackwatch.rules.condition.nodes import (
    BLANKS,
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
    is_bare_word,
)

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def render(node: Node) -> str:
    """The canonical text of ``node``."""
    match node:
        case And(operands):
            return " and ".join(_operand(item) for item in operands)
        case Or(operands):
            return " or ".join(_operand(item) for item in operands)
        case Not(operand):
            return f"not {_operand(operand)}"
        case Exists(left):
            return f"{_field_expr(left)} exists"
        case Compare(left, op, right):
            return f"{_field_expr(left)} {op} {_right(right)}"
        case MacroRef(name):
            return name


def quote(text: str) -> str:
    """``text`` as a double-quoted condition string."""
    return '"' + "".join(_ESCAPES.get(char, char) for char in text) + '"'


def quote_value(text: str) -> str:
    """``text`` as a condition value: bare when it can be, quoted otherwise."""
    return text if is_bare_word(text) else quote(text)


def _operand(node: Node) -> str:
    text = render(node)
    return f"({text})" if isinstance(node, And | Or) else text


def _right(right: Value | ValueList | FieldExpr) -> str:
    match right:
        case Value():
            return _value(right)
        case ValueList(items):
            return "(" + ", ".join(_value(item) for item in items) + ")"
        case FieldExpr(field, ()):
            return f"val({_field(field)})"
        case FieldExpr():
            return _field_expr(right)


def _value(value: Value) -> str:
    return value.text if value.bare else quote(value.text)


def _field_expr(expr: FieldExpr) -> str:
    text = _field(expr.field)
    for name in reversed(expr.transforms):
        text = f"{name}({text})"
    return text


def _field(field: FieldRef) -> str:
    if field.arg is None:
        return field.name
    return f"{field.name}[{field.arg if _bare_arg(field.arg) else quote(field.arg)}]"


def _bare_arg(arg: str) -> bool:
    if not arg or arg[0] in "\"'" or any(char in BLANKS for char in arg):
        return False
    depth = 0
    for char in arg:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0
