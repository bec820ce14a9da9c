"""Macro and list resolution.

A macro reference is replaced by the macro's (expanded) condition. Inside a value list, a bare item
that names a list is replaced by that list's items, recursively (a list item may name another list);
quoted items are never looked up, and items that came from a list are literal from then on. A bare
value outside a value list is never a list reference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jackwatch.errors import ConditionError
from jackwatch.rules.condition.nodes import And, Compare, MacroRef, Node, Not, Or, Value, ValueList


class UnknownMacroError(ConditionError):
    """A condition uses macros that are not defined; ``names`` lists them in order of first use."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        super().__init__(unknown_macros_message(self.names))


def unknown_macros_message(names: Sequence[str]) -> str:
    """``unknown macro 'a'`` / ``unknown macros 'a', 'b'``."""
    quoted = ", ".join(f"'{name}'" for name in names)
    return f"unknown macro {quoted}" if len(names) == 1 else f"unknown macros {quoted}"


def expand(node: Node, macros: Mapping[str, Node], lists: Mapping[str, Sequence[str]]) -> Node:
    """``node`` with every macro and list reference resolved.

    Raises ``UnknownMacroError`` naming every undefined macro, or ``ConditionError`` on a macro or
    list cycle.
    """
    expander = _Expander(macros, lists)
    result = expander.node(node, ())
    if expander.unknown:
        raise UnknownMacroError(list(expander.unknown))
    return result


class _Expander:
    def __init__(self, macros: Mapping[str, Node], lists: Mapping[str, Sequence[str]]) -> None:
        self.macros = macros
        self.lists = lists
        self.unknown: dict[str, None] = {}
        self.expanded_macros: dict[str, Node] = {}
        self.expanded_lists: dict[str, tuple[Value, ...]] = {}

    def node(self, node: Node, stack: tuple[str, ...]) -> Node:
        match node:
            case And(operands):
                return And(tuple(self.node(item, stack) for item in operands))
            case Or(operands):
                return Or(tuple(self.node(item, stack) for item in operands))
            case Not(operand):
                return Not(self.node(operand, stack))
            case MacroRef():
                return self.macro(node, stack)
            case Compare(left, op, ValueList(items)):
                return Compare(left, op, ValueList(self.values(items)))
            case _:
                return node

    def macro(self, ref: MacroRef, stack: tuple[str, ...]) -> Node:
        name = ref.name
        if name in stack:
            raise ConditionError("macro cycle: " + " -> ".join((*stack[stack.index(name) :], name)))
        if name in self.expanded_macros:
            return self.expanded_macros[name]
        body = self.macros.get(name)
        if body is None:
            self.unknown[name] = None
            return ref
        expanded = self.node(body, (*stack, name))
        self.expanded_macros[name] = expanded
        return expanded

    def values(self, items: Sequence[Value]) -> tuple[Value, ...]:
        out: list[Value] = []
        for item in items:
            if item.bare and item.text in self.lists:
                out.extend(self.list_items(item.text, ()))
            else:
                out.append(item)
        return tuple(out)

    def list_items(self, name: str, stack: tuple[str, ...]) -> tuple[Value, ...]:
        if name in stack:
            raise ConditionError("list cycle: " + " -> ".join((*stack[stack.index(name) :], name)))
        if name not in self.expanded_lists:
            items: list[Value] = []
            for text in self.lists[name]:
                if text in self.lists:
                    items.extend(self.list_items(text, (*stack, name)))
                else:
                    items.append(Value(text))
            self.expanded_lists[name] = tuple(items)
        return self.expanded_lists[name]
