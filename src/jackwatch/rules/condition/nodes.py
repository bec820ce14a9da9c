"""The syntax tree of a rule condition: immutable, hashable, compared by value.

``and``/``or`` are n-ary and keep the grouping written in the source: ``a and b and c`` is one
:class:`And` of three operands, ``(a and b) and c`` is an :class:`And` whose first operand is an
:class:`And`. ``==`` is read as ``=``. A right-hand side is a :class:`Value`, a :class:`ValueList`
or a field (:class:`FieldExpr`, written ``val(f)`` or through a transformer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

NUMERIC_OPS = frozenset({"<", "<=", ">", ">="})
"""Operators that compare numbers."""

LIST_OPS = frozenset({"in", "intersects", "pmatch"})
"""Operators whose right-hand side is a list of values."""

SCALAR_OPS = frozenset(
    {
        "=",
        "!=",
        "contains",
        "icontains",
        "bcontains",
        "startswith",
        "bstartswith",
        "endswith",
        "glob",
        "iglob",
        "regex",
    }
    | NUMERIC_OPS
)
"""Operators whose right-hand side is one value."""

BINARY_OPS = SCALAR_OPS | LIST_OPS
"""Every comparison operator (``exists`` is the only unary one)."""

TRANSFORMERS = frozenset({"tolower", "toupper", "b64", "basename", "len"})
"""Functions that may wrap a field."""

BLANKS = " \t\n\r\f\v\b"
"""Characters that separate tokens."""

_BARE_WORD = re.compile(r"[^()\"'=," + re.escape(BLANKS) + r"]+")


def is_bare_word(text: str) -> bool:
    """Whether ``text`` can be written as a value without quotes."""
    return _BARE_WORD.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field name with its optional bracketed argument: ``proc.aname[2]`` → ``("proc.aname", "2")``."""

    name: str
    arg: str | None = None


@dataclass(frozen=True, slots=True)
class FieldExpr:
    """A field, possibly wrapped in transformers, outermost first: ``tolower(basename(f))`` →
    ``transforms=("tolower", "basename")``."""

    field: FieldRef
    transforms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Value:
    """One literal value. ``bare`` records that it was written without quotes: inside a value list, a
    bare value that names a list is replaced by that list's items (see ``expand``)."""

    text: str
    bare: bool = False

    def __post_init__(self) -> None:
        if self.bare and not is_bare_word(self.text):
            raise ValueError(f"{self.text!r} cannot be written as a bare value")


@dataclass(frozen=True, slots=True)
class ValueList:
    """A parenthesised list of values: ``(a, "b c", 3)``."""

    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right``."""

    left: FieldExpr
    op: str
    right: Value | ValueList | FieldExpr


@dataclass(frozen=True, slots=True)
class Exists:
    """``left exists``: the field is present on the event."""

    left: FieldExpr


@dataclass(frozen=True, slots=True)
class MacroRef:
    """A bare name in boolean position; ``expand`` replaces it with the macro's condition."""

    name: str


@dataclass(frozen=True, slots=True)
class Not:
    """``not operand``."""

    operand: Node


@dataclass(frozen=True, slots=True)
class And:
    """``a and b and …`` (two operands or more)."""

    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """``a or b or …`` (two operands or more)."""

    operands: tuple[Node, ...]


Node: TypeAlias = And | Or | Not | Compare | Exists | MacroRef
"""Any condition node."""
