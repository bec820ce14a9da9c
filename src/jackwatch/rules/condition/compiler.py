"""Compile a condition once into a predicate over events (semantics: see ``evaluator``).

Everything that does not depend on the event is done here: field extractors are looked up, literals
converted to text/number/boolean, ``in`` lists turned into frozensets, ``icontains``/``iglob`` values
lowercased, hex decoded, regular expressions and globs compiled, ``pmatch`` paths put in a set that is
probed with each ancestor of the path. ``and``/``or`` short-circuit. A plain field is read with one
call to its extractor; string values take a fast path.

Fields whose value is known in advance (an engine that groups events by name knows the name) are
compared here, once: what that decides folds away (``x and true`` is ``x``, ``x and false`` is
:func:`never`), so a condition can compile to :func:`always` or :func:`never`.
"""

from __future__ import annotations

import fnmatch
import operator
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime

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
    TRANSFORM_FUNCTIONS,
    Literal,
    bytes_of,
    equals,
    hex_bytes,
    in_networks,
    number_of,
    text_of,
)
from jackwatch.rules.fields import Extractor, SourceFields

Predicate = Callable[[Event], bool]
"""A compiled condition."""

_Test = Callable[[object], bool]
_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_TEXT_METHODS: dict[str, Callable[[str, str], bool]] = {
    "contains": str.__contains__,
    "icontains": str.__contains__,
    "startswith": str.startswith,
    "endswith": str.endswith,
}


def always(event: Event) -> bool:
    """The predicate of a condition that holds for every event it can meet."""
    return True


def never(event: Event) -> bool:
    """The predicate of a condition that holds for no event it can meet (an empty allowlist, another name)."""
    return False


_NO_EVENT = Event("", "", datetime.min.replace(tzinfo=UTC), "", {})
"""What a comparison of known values is evaluated on: it reads nothing from its event."""


def compile_condition(node: Node, fields: SourceFields, known: Mapping[str, object] | None = None) -> Predicate:
    """A predicate equivalent to ``evaluate(node, event, fields)``; raises ``ConditionError`` listing
    every problem (unresolved macro, unknown field, bad number, hex or regular expression…).

    ``known`` maps plain fields (without argument) to the value their extractor returns for every event
    the predicate will be given: it is then only equivalent on those events.
    """
    found = problems(node, fields)
    if found:
        raise ConditionError("; ".join(found))
    return _compile(node, fields, known or {})


def _compile(node: Node, fields: SourceFields, known: Mapping[str, object]) -> Predicate:
    match node:
        case And(operands):
            return _all_of([_compile(item, fields, known) for item in operands])
        case Or(operands):
            return _any_of([_compile(item, fields, known) for item in operands])
        case Not(operand):
            return _negation(_compile(operand, fields, known))
        case Exists() | Compare():
            if _reads_only(_read_by(node), known):  # decided now, by the same code, on the known values
                return always if _test_of(node, fields, known)(_NO_EVENT) else never
            return _test_of(node, fields, {})
        case MacroRef(name):
            raise ConditionError(unknown_macros_message([name]))


def _test_of(node: Exists | Compare, fields: SourceFields, known: Mapping[str, object]) -> Predicate:
    """One comparison; the fields in ``known`` read as their known value."""
    if isinstance(node, Compare):
        return _compare(node, fields, known)
    extract, arg = _extractor(node.left, fields, known)
    return lambda event: extract(event, arg) is not None


def _read_by(node: Exists | Compare) -> list[FieldExpr]:
    """The fields a comparison reads."""
    if isinstance(node, Compare) and isinstance(node.right, FieldExpr):
        return [node.left, node.right]
    return [node.left]


def tests_of(node: Node, names: Collection[str]) -> list[Compare | Exists]:
    """The comparisons of ``node`` that read only the plain fields ``names``: those that knowing their
    values decides, and so all that :func:`compile_condition` with these fields known depends on."""
    match node:
        case And(operands) | Or(operands):
            return [test for item in operands for test in tests_of(item, names)]
        case Not(operand):
            return tests_of(operand, names)
        case Exists() | Compare():
            return [node] if _reads_only(_read_by(node), names) else []
        case MacroRef():
            return []


def _reads_only(read: list[FieldExpr], names: Collection[str]) -> bool:
    return all(expr.field.arg is None and expr.field.name in names for expr in read)


def _negation(inner: Predicate) -> Predicate:
    if inner is always:
        return never
    if inner is never:
        return always
    return lambda event: not inner(event)


def _all_of(predicates: list[Predicate]) -> Predicate:
    """``and`` of the operands, folded into nested two-operand closures (no generator per event);
    an operand that always holds is left out, one that never does decides the whole."""
    if any(predicate is never for predicate in predicates):
        return never
    undecided = [predicate for predicate in predicates if predicate is not always]
    if not undecided:
        return always
    combined = undecided[-1]
    for first in reversed(undecided[:-1]):
        combined = _both(first, combined)
    return combined


def _both(first: Predicate, second: Predicate) -> Predicate:
    return lambda event: first(event) and second(event)


def _any_of(predicates: list[Predicate]) -> Predicate:
    """``or`` of the operands, folded like :func:`_all_of`."""
    if any(predicate is always for predicate in predicates):
        return always
    undecided = [predicate for predicate in predicates if predicate is not never]
    if not undecided:
        return never
    combined = undecided[-1]
    for first in reversed(undecided[:-1]):
        combined = _either(first, combined)
    return combined


def _either(first: Predicate, second: Predicate) -> Predicate:
    return lambda event: first(event) or second(event)


def _extractor(expr: FieldExpr, fields: SourceFields, known: Mapping[str, object]) -> tuple[Extractor, str | None]:
    extract = fields.fields[expr.field.name].extract
    if expr.field.arg is None and expr.field.name in known:
        extract = _constant(known[expr.field.name])
    if not expr.transforms:
        return extract, expr.field.arg
    functions = tuple(TRANSFORM_FUNCTIONS[name] for name in reversed(expr.transforms))

    def transformed(event: Event, arg: str | None) -> object:
        value = extract(event, arg)
        for function in functions:
            if value is None:
                return None
            value = function(value)
        return value

    return transformed, expr.field.arg


def _constant(value: object) -> Extractor:
    return lambda event, arg: value


def _compare(node: Compare, fields: SourceFields, known: Mapping[str, object]) -> Predicate:
    extract, arg = _extractor(node.left, fields, known)
    op, right = node.op, node.right
    if isinstance(right, FieldExpr):
        all_in = op == "in" and not fields.fields[node.left.field.name].matches_any
        return _compare_fields(extract, arg, op, _extractor(right, fields, known), all_in)
    texts = [item.text for item in right.items] if isinstance(right, ValueList) else [right.text]
    if not texts and op in ("in", "intersects"):
        return never  # an empty set (an allowlist nobody filled) matches nothing: skip the extraction
    literals = [Literal.of_text(text) for text in texts]
    test = _test(op, literals)
    field = fields.fields[node.left.field.name]
    if not field.is_list and not any(lit.network for lit in literals):
        return _scalar_compare(extract, arg, op, test, literals)
    if op == "in" and not field.matches_any:

        def every(event: Event) -> bool:
            value = extract(event, arg)
            if isinstance(value, tuple):
                return bool(value) and all(map(test, value))
            return value is not None and test(value)

        return every

    def some(event: Event) -> bool:
        value = extract(event, arg)
        if isinstance(value, tuple):
            return any(map(test, value))
        return value is not None and test(value)

    return some


def _scalar_compare(
    extract: Extractor, arg: str | None, op: str, test: _Test, literals: Sequence[Literal]
) -> Predicate:
    """A comparison on a field that never holds a list: no list handling, fast paths for text (``in``, ``=``,
    ``contains``, ``startswith``, ``endswith``) and booleans (``=``)."""
    if op == "in":
        texts = frozenset(lit.text for lit in literals)

        def member(event: Event) -> bool:
            value = extract(event, arg)
            return value in texts if type(value) is str else value is not None and test(value)

        return member
    if op in ("=", "==") and len(literals) == 1:
        text, boolean = literals[0].text, literals[0].boolean

        def equal(event: Event) -> bool:
            value = extract(event, arg)
            if type(value) is str:
                return value == text
            if type(value) is bool:
                return value is boolean
            return value is not None and test(value)

        return equal
    if op in ("contains", "startswith", "endswith") and len(literals) == 1:
        method, needle = _TEXT_METHODS[op], literals[0].text

        def textual(event: Event) -> bool:
            value = extract(event, arg)
            return method(value, needle) if type(value) is str else value is not None and test(value)

        return textual

    def scalar(event: Event) -> bool:
        value = extract(event, arg)
        return value is not None and test(value)

    return scalar


def _compare_fields(
    extract: Extractor, arg: str | None, op: str, right: tuple[Extractor, str | None], all_in: bool
) -> Predicate:
    """A comparison with a field on the right: its literals are known only per event; ``all_in``: a list on the
    left is ``in`` the right's values when all its elements are (else when one is)."""
    right_extract, right_arg = right

    def compare(event: Event) -> bool:
        value = extract(event, arg)
        if value is None:
            return False
        other = right_extract(event, right_arg)
        if other is None:
            return False
        others = other if isinstance(other, tuple) else (other,)
        test = _test(op, [Literal.of_value(item) for item in others if item is not None])
        if not isinstance(value, tuple):
            return test(value)
        if all_in:
            return bool(value) and all(map(test, value))
        return any(map(test, value))

    return compare


def _test(op: str, literals: Sequence[Literal]) -> _Test:
    """The test of one scalar value (possibly ``None``) against the right-hand side."""
    if op in ("in", "intersects"):
        return _member(literals)
    if op == "pmatch":
        return _path_prefix([lit.text for lit in literals])
    tests = [_scalar(op, lit) for lit in literals]
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def _member(literals: Sequence[Literal]) -> _Test:
    texts = frozenset(lit.text for lit in literals)
    networks = tuple(lit.network for lit in literals if lit.network is not None)
    # NaN equals nothing, not even itself: keep it out of the set, whose lookup tries identity first
    numbers = frozenset(lit.number for lit in literals if lit.number is not None and lit.number == lit.number)
    booleans = frozenset(lit.boolean for lit in literals if lit.boolean is not None)

    def member(value: object) -> bool:
        if type(value) is str:
            return value in texts or (bool(networks) and in_networks(value, networks))
        if value is None:
            return False
        if isinstance(value, bool):
            return value in booleans
        if isinstance(value, int | float):
            return value in numbers
        text = text_of(value)
        return text in texts or (bool(networks) and in_networks(text, networks))

    return member


def _path_prefix(paths: Sequence[str]) -> _Test:
    stripped = [path.rstrip("/") for path in paths]
    root = "" in stripped
    prefixes = frozenset(stripped) - {""}

    def below(value: object) -> bool:
        if value is None:
            return False
        path = value if type(value) is str else text_of(value)
        if root and path.startswith("/"):
            return True
        while path not in prefixes:
            cut = path.rfind("/")
            if cut <= 0:
                return False
            path = path[:cut]
        return True

    return below


def _scalar(op: str, lit: Literal) -> _Test:
    if op in ("=", "!="):
        return _equality(op, lit)
    if op in _NUMERIC:
        return _numeric(_NUMERIC[op], lit)
    if op in ("bcontains", "bstartswith"):
        return _binary(op, lit)
    if op in ("contains", "icontains", "startswith", "endswith"):
        return _textual(op, lit)
    return _pattern(op, lit)


def _equality(op: str, lit: Literal) -> _Test:
    text, number, boolean = lit.text, lit.number, lit.boolean
    if lit.network is not None:

        def equal(value: object) -> bool:
            return equals(value, lit)

    else:

        def equal(value: object) -> bool:
            if type(value) is str:
                return value == text
            if isinstance(value, bool):
                return value is boolean
            if isinstance(value, int | float):
                return value == number
            return value is not None and text_of(value) == text

    if op == "=":
        return equal
    return lambda value: value is not None and not equal(value)


def _numeric(compare: Callable[[float, float], bool], lit: Literal) -> _Test:
    bound = lit.number
    if bound is None:
        return lambda value: False

    def numeric(value: object) -> bool:
        if type(value) is int or type(value) is float:
            return compare(value, bound)
        number = number_of(value)
        return number is not None and compare(number, bound)

    return numeric


def _binary(op: str, lit: Literal) -> _Test:
    needle = hex_bytes(lit.text)
    if needle is None:
        return lambda value: False
    if op == "bcontains":
        return lambda value: value is not None and needle in bytes_of(value)
    return lambda value: value is not None and bytes_of(value).startswith(needle)


def _textual(op: str, lit: Literal) -> _Test:
    method = _TEXT_METHODS[op]
    lower = op == "icontains"
    needle = lit.text.lower() if lower else lit.text

    def textual(value: object) -> bool:
        if value is None:
            return False
        subject = value if type(value) is str else text_of(value)
        return method(subject.lower() if lower else subject, needle)

    return textual


def _pattern(op: str, lit: Literal) -> _Test:
    lower = op == "iglob"
    if op == "regex":
        search = re.compile(lit.text).search
    else:
        search = re.compile(fnmatch.translate(lit.text.lower() if lower else lit.text)).match

    def pattern(value: object) -> bool:
        if value is None:
            return False
        subject = value if type(value) is str else text_of(value)
        return search(subject.lower() if lower else subject) is not None

    return pattern
