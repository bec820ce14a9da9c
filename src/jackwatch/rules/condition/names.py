"""Which event names a condition can match, so that an engine only offers it events it may match."""

from __future__ import annotations

from jackwatch.rules.condition.nodes import (
    And,
    Compare,
    Exists,
    FieldExpr,
    MacroRef,
    Node,
    Not,
    Or,
    Value,
    ValueList,
)


def event_names(node: Node, name_field: str) -> frozenset[str] | None:
    """The ``Event.name`` values an event must have to match ``node``, or ``None`` when any may match.

    Only ``name_field = X``, ``name_field in (…)`` and ``name_field intersects (…)`` on the plain field
    constrain the name; ``and`` intersects the constrained operands, ``or`` unites them when every
    operand is constrained; ``not``, other operators and unexpanded macros constrain nothing. This
    assumes the name field reads ``Event.name`` as text.
    """
    match node:
        case Compare(FieldExpr(field, ()), op, right) if field.name == name_field and field.arg is None:
            if op == "=" and isinstance(right, Value):
                return frozenset({right.text})
            if op in ("in", "intersects") and isinstance(right, ValueList):
                return frozenset(item.text for item in right.items)
            return None
        case And(operands):
            constrained = [names for item in operands if (names := event_names(item, name_field)) is not None]
            return frozenset.intersection(*constrained) if constrained else None
        case Or(operands):
            union: set[str] = set()
            for item in operands:
                names = event_names(item, name_field)
                if names is None:
                    return None
                union |= names
            return frozenset(union)
        case Not() | Compare() | Exists() | MacroRef():
            return None
