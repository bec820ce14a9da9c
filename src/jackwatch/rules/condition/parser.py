"""Recursive-descent parser for Falco conditions.

Grammar (``not`` binds tighter than ``and``, which binds tighter than ``or``)::

    expr      := and ("or" and)*
    and       := not ("and" not)*
    not       := "not" not | check
    check     := "(" expr ")" | operand "exists" | operand OP right | MACRO
    operand   := FIELD | TRANSFORMER "(" operand ")"
    FIELD     := NAME "." NAME ("." NAME)* ("[" ARG "]")?
    right     := value | "(" [value ("," value)*] ")" | "val(" FIELD ")" | TRANSFORMER "(" operand ")"
    value     := QUOTED | BARE

``in``, ``intersects`` and ``pmatch`` take a parenthesised list (or one bare name, read as a
one-item list); the other operators take one value. ``<``, ``<=``, ``>``, ``>=`` need a number.
Keywords and operators are lowercase. A bare word runs up to a blank, a quote, ``(``, ``)``, ``,``
or ``=``, so ``/etc/shadow``, ``<NA>``, ``runc:[0:PARENT]`` and ``*.sh`` need no quotes.
"""

from __future__ import annotations

from jackwatch.rules.condition.lexer import Scanner
from jackwatch.rules.condition.nodes import (
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
from jackwatch.rules.condition.values import parse_number

MAX_DEPTH = 100
"""How deeply parentheses, ``not`` and transformers may nest."""

_OPERATORS = "an operator (=, !=, <, <=, >, >=, in, intersects, pmatch, contains, icontains, " + (
    "bcontains, startswith, bstartswith, endswith, glob, iglob, regex, exists)"
)
_TRANSFORMER_NAMES = ", ".join(sorted(TRANSFORMERS))


def parse(text: str) -> Node:
    """Parse a condition; raises ``ConditionSyntaxError`` naming the column and what was expected."""
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str) -> None:
        self.scan = Scanner(text)

    def parse(self) -> Node:
        if self.scan.at_end():
            raise self.scan.error("empty condition")
        node = self._or(0)
        if not self.scan.at_end():
            raise self.scan.expected("'and', 'or' or end of condition")
        return node

    def _or(self, depth: int) -> Node:
        operands = [self._and(depth)]
        while self._keyword("or"):
            operands.append(self._and(depth))
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _and(self, depth: int) -> Node:
        operands = [self._not(depth)]
        while self._keyword("and"):
            operands.append(self._not(depth))
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _not(self, depth: int) -> Node:
        if self._keyword("not"):
            return Not(self._not(self._deeper(depth)))
        return self._check(depth)

    def _check(self, depth: int) -> Node:
        scan = self.scan
        scan.skip_blanks()
        start = scan.pos
        if scan.take("("):
            node = self._or(self._deeper(depth))
            scan.skip_blanks()
            if not scan.take(")"):
                raise scan.expected(f"'and', 'or' or ')' closing the '(' at column {scan.column(start)}")
            return node
        name = scan.name()
        if name is None or name in ("and", "or"):
            scan.pos = start
            raise scan.expected("a field, a macro name, 'not' or '('")
        if scan.peek() == "(":
            left = self._call(name, start, depth, allow_val=False)
        elif "." in name:
            left = FieldExpr(self._field_rest(name))
        else:
            return MacroRef(name)
        return self._condition(left, depth)

    def _condition(self, left: FieldExpr, depth: int) -> Node:
        scan = self.scan
        scan.skip_blanks()
        op = scan.operator()
        if op is None:
            raise scan.expected(_OPERATORS)
        if op == "exists":
            return Exists(left)
        op = "=" if op == "==" else op
        return Compare(left, op, self._right(op, depth))

    def _right(self, op: str, depth: int) -> Value | ValueList | FieldExpr:
        scan = self.scan
        scan.skip_blanks()
        start = scan.pos
        name = scan.name()
        if name is not None and scan.peek() == "(" and (name in TRANSFORMERS or name == "val"):
            return self._call(name, start, depth, allow_val=True)
        scan.pos = start
        if op in LIST_OPS:
            if scan.take("("):
                return self._value_list()
            bare = scan.bare()
            if bare is None:
                raise scan.expected(f"'(' starting the list of values after '{op}'")
            return ValueList((Value(bare, bare=True),))
        value = self._value()
        if value is None:
            raise scan.expected(f"a value after '{op}'")
        if op in NUMERIC_OPS and parse_number(value.text) is None:
            raise scan.error(f"expected a number after '{op}', found '{value.text}'", start)
        return value

    def _value_list(self) -> ValueList:
        scan = self.scan
        scan.skip_blanks()
        if scan.take(")"):
            return ValueList(())
        items: list[Value] = []
        while True:
            value = self._value()
            if value is None:
                raise scan.expected("a value")
            items.append(value)
            scan.skip_blanks()
            if scan.take(")"):
                return ValueList(tuple(items))
            if not scan.take(","):
                raise scan.expected("',' or ')' in the list of values")

    def _value(self) -> Value | None:
        self.scan.skip_blanks()
        quoted = self.scan.quoted()
        if quoted is not None:
            return Value(quoted)
        bare = self.scan.bare()
        return None if bare is None else Value(bare, bare=True)

    def _call(self, name: str, start: int, depth: int, *, allow_val: bool) -> FieldExpr:
        """A transformer (or ``val``) call whose name has been read; the cursor is on ``(``."""
        scan = self.scan
        if name == "val" and not allow_val:
            raise scan.error("val() is only allowed on the right of an operator", start)
        if name != "val" and name not in TRANSFORMERS:
            raise scan.error(f"unknown transformer '{name}' (expected one of {_TRANSFORMER_NAMES})", start)
        depth = self._deeper(depth)
        scan.take("(")
        scan.skip_blanks()
        inner_start = scan.pos
        inner = scan.name()
        if inner is not None and name != "val" and scan.peek() == "(":
            operand = self._call(inner, inner_start, depth, allow_val=False)
        elif inner is not None and "." in inner:
            operand = FieldExpr(self._field_rest(inner))
        else:
            scan.pos = inner_start
            raise scan.expected(f"a field inside {name}()")
        scan.skip_blanks()
        if not scan.take(")"):
            raise scan.expected(f"')' closing {name}(")
        if name == "val":
            return operand
        return FieldExpr(operand.field, (name, *operand.transforms))

    def _field_rest(self, name: str) -> FieldRef:
        if self.scan.take("["):
            return FieldRef(name, self.scan.field_arg())
        return FieldRef(name)

    def _keyword(self, word: str) -> bool:
        self.scan.skip_blanks()
        return self.scan.take_keyword(word)

    def _deeper(self, depth: int) -> int:
        if depth >= MAX_DEPTH:
            raise self.scan.error(f"condition nests deeper than {MAX_DEPTH} levels")
        return depth + 1
