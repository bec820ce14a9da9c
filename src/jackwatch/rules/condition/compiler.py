"""Compile conditions once into Python functions over events (semantics: see ``evaluator``).

Everything that does not depend on the event is done here: field extractors are looked up, literals
converted to text/number/boolean, ``in`` lists turned into frozensets, ``icontains``/``iglob`` values
lowercased, hex decoded, regular expressions and globs compiled, ``pmatch`` paths put in a set that is
probed with each ancestor of the path.

A condition becomes the source of one Python function, compiled with ``compile``: ``and``, ``or`` and
``not`` are Python's (they short-circuit, no call per operator), a comparison of text with ``=``, ``in``,
``contains``, ``startswith`` or ``endswith`` is written inline, the others call a prepared test of the value.
The source only names objects prepared here (extractors, tests, literal sets): no text of a rule file is ever
part of it. :func:`compile_conditions` writes the conditions of several rules into one function that tells
which of them hold: each field they read is read once per event, and each subexpression they share (Falco's
macros: ``open_read``, ``container``…) is evaluated once per event, both kept in local variables.

Fields whose value is known in advance (an engine that groups events by name knows the name) are
compared here, once (:func:`fold`): what that decides folds away (``x and true`` is ``x``, ``x and false`` is
:func:`never`), so a condition can compile to :func:`always` or :func:`never`.
"""

from __future__ import annotations

import fnmatch
import itertools
import operator
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import cast

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
    Value,
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

Folded = Node | bool
"""A condition after :func:`fold`: what is left to test on each event, or its result when nothing is."""


def compile_condition(node: Node, fields: SourceFields, known: Mapping[str, object] | None = None) -> Predicate:
    """A predicate equivalent to ``evaluate(node, event, fields)``; raises ``ConditionError`` listing
    every problem (unresolved macro, unknown field, bad number, hex or regular expression…).

    ``known`` maps plain fields (without argument) to the value their extractor returns for every event
    the predicate will be given: it is then only equivalent on those events.
    """
    _check(node, fields)
    folded = fold(node, fields, known or {})
    if isinstance(folded, bool):
        return always if folded else never
    return _Writer(fields, [folded]).predicate(folded)


def compile_conditions(conditions: Sequence[Folded], fields: SourceFields) -> Callable[[Event], list[int]]:
    """One function telling which of ``conditions`` (as :func:`fold` leaves them) hold for an event: their
    indexes, in order. It is equivalent to each one's predicate, and faster when they read the same fields or
    share subexpressions: each is read or evaluated once per event."""
    nodes = [condition for condition in conditions if not isinstance(condition, bool)]
    for node in nodes:
        _check(node, fields)
    return _Writer(fields, nodes).matching(conditions)


def _check(node: Node, fields: SourceFields) -> None:
    found = problems(node, fields)
    if found:
        raise ConditionError("; ".join(found))


def fold(node: Node, fields: SourceFields, known: Mapping[str, object]) -> Folded:
    """``node`` with what does not depend on the event decided: the comparisons that read only fields of
    ``known`` (see :func:`compile_condition`), made on those values, and ``in`` an empty list (false); then
    ``x and true`` is ``x``, ``x or true`` is ``true``… ``True`` or ``False`` when that decides it all."""
    match node:
        case And(operands) | Or(operands):
            decisive = isinstance(node, Or)  # the value of an operand that decides the whole
            rest = []
            for item in operands:
                folded = fold(item, fields, known)
                if folded is decisive:
                    return decisive
                if not isinstance(folded, bool):
                    rest.append(folded)
            if not rest:
                return not decisive
            return rest[0] if len(rest) == 1 else type(node)(tuple(rest))
        case Not(operand):
            folded = fold(operand, fields, known)
            return not folded if isinstance(folded, bool) else Not(folded)
        case Exists() | Compare():
            if _reads_only(_read_by(node), known):  # decided now, by the same tests, on the known values
                return _decide(node, fields, known)
            return False if _empty_set(node) else node
        case MacroRef(name):
            raise ConditionError(unknown_macros_message([name]))


def _empty_set(node: Exists | Compare) -> bool:
    """Whether ``node`` is ``in`` or ``intersects`` an empty list (an allowlist nobody filled): never true."""
    return isinstance(node, Compare) and node.op in ("in", "intersects") and node.right == ValueList(())


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


def _decide(node: Exists | Compare, fields: SourceFields, known: Mapping[str, object]) -> bool:
    """The result of a comparison whose fields are all in ``known``."""
    extract, arg = _extractor(node.left, fields, known)
    if isinstance(node, Exists):
        return extract(_NO_EVENT, arg) is not None
    if isinstance(node.right, FieldExpr):
        return _fields_comparison(node, node.right, fields, known)(_NO_EVENT)
    return _value_test(node, _literals(node.right), fields)(extract(_NO_EVENT, arg))


def _literals(right: Value | ValueList | FieldExpr) -> list[Literal]:
    return [Literal.of_text(item.text) for item in _listed(right)]


def _listed(right: Value | ValueList | FieldExpr) -> tuple[Value, ...]:
    """The values on the right of a comparison (none for a field)."""
    if isinstance(right, ValueList):
        return right.items
    return (right,) if isinstance(right, Value) else ()


def _value_test(node: Compare, literals: Sequence[Literal], fields: SourceFields) -> _Test:
    """The test of a comparison with literals on the value of its left side (a list or not)."""
    test = _test(node.op, literals)
    field = fields.fields[node.left.field.name]
    if not field.is_list and not any(lit.network for lit in literals):
        return test
    return _every(test) if node.op == "in" and not field.matches_any else _some(test)


def _fields_comparison(node: Compare, right: FieldExpr, fields: SourceFields, known: Mapping[str, object]) -> Predicate:
    """A comparison of two fields (``right`` is ``val(…)`` or a transformed field)."""
    all_in = node.op == "in" and not fields.fields[node.left.field.name].matches_any
    left = _extractor(node.left, fields, known)
    return _compare_fields(*left, node.op, _extractor(right, fields, known), all_in)


_GENERATED = itertools.count()
"""Numbers the generated functions (their file name: ``<condition 12>``), told apart in profiles."""

_UNSET = object()
"""The value of a generated function's variable that is not computed yet (``u`` in its source)."""

_MAX_NESTING = 40
"""How deeply conditions nest in one generated expression; a deeper one is compiled as a function of its own
(Python reads at most 200 nested parentheses, and a level writes up to three)."""


def _written_out(op: str, literals: Sequence[Literal]) -> tuple[str, str, object] | None:
    """How a comparison with literals (no network) of a field that never holds a list is written out for the
    values of one type: ``(type, expression, right-hand object)``; the test of the value decides the values of
    other types (``None`` included: every test is false on a missing value). ``None`` when it is not."""
    if op == "in":
        return "str", "{value} in {right}", frozenset(lit.text for lit in literals)
    if op in ("startswith", "endswith"):  # several prefixes: merged by _Writer._merged
        texts = tuple(lit.text for lit in literals)
        return "str", f"{{value}}.{op}({{right}})", texts[0] if len(texts) == 1 else texts
    if len(literals) != 1:
        return None
    lit = literals[0]
    if op in _NUMERIC:
        return None if lit.number is None else ("int", f"{{value}} {op} {{right}}", lit.number)
    if op in ("=", "!="):
        if lit.boolean is not None:
            return "bool", "{value} is {right}" if op == "=" else "{value} is not {right}", lit.boolean
        if lit.number is not None:
            return "int", "{value} == {right}" if op == "=" else "{value} != {right}", lit.number
        return "str", "{value} == {right}" if op == "=" else "{value} != {right}", lit.text
    return ("str", "{right} in {value}", lit.text) if op == "contains" else None


_MERGED = {"=": "in", "in": "in", "startswith": "startswith", "endswith": "endswith"}
"""The comparisons of one field that an ``or`` makes one (``=`` and ``in`` as one ``in``)."""


class _Writer:
    """Writes the source of one generated function and holds the objects it names (``c0``, ``c1``…).

    Each condition is one Python expression. Each field read is kept in a variable (``f0``…), and so is each
    subexpression met more than once in the conditions (``s0``…): where the variable is surely computed, the
    expression uses it (``f0``); where it cannot be yet (its first place in the source), computes it
    (``(f0 := c3(event, None))``); elsewhere, computes it unless done: ``(f0 if f0 is not u else (f0 := …))``.
    The source is evaluated in the order it is written (``and`` and ``or`` left to right, conditions in order):
    the writer follows what each point has surely computed, and what it may have.
    """

    def __init__(self, fields: SourceFields, conditions: Sequence[Node]) -> None:
        self.fields = fields
        self.objects: dict[str, object] = {}
        occurrences: Counter[Node] = Counter()
        for condition in conditions:
            _count(condition, 0, occurrences)
        self.shared = {node: f"s{index}" for index, node in enumerate(n for n, c in occurrences.items() if c > 1)}
        self.reads: dict[FieldExpr, tuple[str, str]] = {}
        """Each field read: its variable and the call reading it."""
        self.done: set[str] = set()
        """The variables computed on every way to the point being written."""
        self.written: set[str] = set()
        """The variables computed somewhere before that point."""
        self.lazy: dict[str, None] = {}
        """The variables computed unless done (they start as ``u``)."""

    def predicate(self, node: Node) -> Predicate:
        """The function of ``node``."""
        return cast(Predicate, self._function([f"return {self._expression(node, 0)}"]))

    def matching(self, conditions: Sequence[Folded]) -> Callable[[Event], list[int]]:
        """The function listing the indexes of the ``conditions`` that hold."""
        lines = ["found = []"]
        for index, condition in enumerate(conditions):
            if condition is True:
                lines.append(f"found.append({index})")
            elif condition is not False:
                lines += [f"if {self._expression(condition, 0)}:", f"    found.append({index})"]
        return cast(Callable[[Event], list[int]], self._function([*lines, "return found"]))

    def _function(self, lines: list[str]) -> object:
        start = [f"{' = '.join(self.lazy)} = u"] if self.lazy else []
        source = "\n    ".join(["def generated(event, u=u):", *start, *lines])
        namespace = {**self.objects, "u": _UNSET}
        exec(compile(source, f"<condition {next(_GENERATED)}>", "exec"), namespace)
        return namespace["generated"]

    def _object(self, value: object) -> str:
        name = f"c{len(self.objects)}"
        self.objects[name] = value
        return name

    def _expression(self, node: Node, depth: int) -> str:
        name = self.shared.get(node)
        if name is None:
            return self._operation(node, depth)
        if name in self.done:
            return name
        done = set(self.done)  # what the expression computes is sure only where it is not cached
        computed = self._computed(name, self._operation(node, depth))
        self.done = done | {name}
        return computed

    def _operation(self, node: Node, depth: int) -> str:
        if isinstance(node, Exists | Compare):
            return self._comparison(node)
        if depth >= _MAX_NESTING:
            return f"{self._object(_Writer(self.fields, [node]).predicate(node))}(event)"
        match node:
            case And(operands) | Or(operands):
                operands = self._merged(operands) if isinstance(node, Or) else self._cheapest_first(operands)
                first = self._expression(operands[0], depth + 1)
                done = set(self.done)  # only the first operand is surely evaluated
                rest = [self._expression(item, depth + 1) for item in operands[1:]]
                self.done = done
                return "(" + f" {type(node).__name__.lower()} ".join([first, *rest]) + ")"
            case Not(operand):
                return f"(not {self._expression(operand, depth + 1)})"
            case MacroRef(name):
                raise ConditionError(unknown_macros_message([name]))

    def _cheapest_first(self, operands: tuple[Node, ...]) -> tuple[Node, ...]:
        """The operands of an ``and`` in the order most likely to decide it soon (the result is the same in any
        order): those that read fewer fields not surely read yet first (reading a field costs more than comparing
        it), the negations last, in their order (exceptions: ``not proc.name in (…)`` rarely fails)."""
        return tuple(sorted(operands, key=lambda item: (1, 0) if isinstance(item, Not) else (0, self._unread(item))))

    def _unread(self, node: Node) -> int:
        """How many fields ``node`` reads that the point being written has not surely read (none if computed)."""
        if self.shared.get(node, "") in self.done:
            return 0
        return sum(self.reads.get(expr, ("",))[0] not in self.done for expr in _fields_of(node))

    def _merged(self, operands: tuple[Node, ...]) -> tuple[Node, ...]:
        """The operands of an ``or``, with its text comparisons of one field made one, in the place of the first:
        ``f startswith a or g = x or f startswith b`` is ``f startswith (a, b) or g = x``."""
        entries: list[Node | list[Compare]] = []
        groups: dict[tuple[FieldExpr, str], list[Compare]] = {}
        for item in operands:
            if isinstance(item, Compare) and (key := self._merge_key(item)) is not None:
                if key not in groups:
                    entries.append(groups.setdefault(key, []))
                groups[key].append(item)
            else:
                entries.append(item)
        return tuple(_merge(entry) if isinstance(entry, list) else entry for entry in entries)

    def _merge_key(self, node: Compare) -> tuple[FieldExpr, str] | None:
        merged = _MERGED.get(node.op)
        if merged is None or isinstance(node.right, FieldExpr) or node in self.shared:
            return None
        if self.fields.fields[node.left.field.name].is_list or any(lit.network for lit in _literals(node.right)):
            return None
        return node.left, merged

    def _comparison(self, node: Exists | Compare) -> str:
        if isinstance(node, Exists):
            return f"({self._read(node.left)[0]} is not None)"
        if isinstance(node.right, FieldExpr):
            return f"{self._object(_fields_comparison(node, node.right, self.fields, {}))}(event)"
        read, value = self._read(node.left)
        literals = _literals(node.right)
        test = self._object(_value_test(node, literals, self.fields))
        listed = self.fields.fields[node.left.field.name].is_list or any(lit.network for lit in literals)
        written = None if listed else _written_out(node.op, literals)
        if written is None:
            return f"{test}({read})"
        kind, expression, right = written
        expression = expression.format(value=value, right=self._object(right))
        # every test is false on a missing value: a missing field (as most are, for most rules) needs no call
        return f"({expression} if {self._is_of(kind, value, read)} else ({value} is not None and {test}({value})))"

    def _is_of(self, kind: str, value: str, read: str) -> str:
        """Whether the field held by ``value`` (read by ``read``) is of type ``kind``; for text, kept in a variable
        (``t0`` for ``f0``): the comparisons of a field are mostly of text."""
        if kind != "str":
            return f"type({read}) is {kind}"
        name = f"t{value[1:]}"
        if name in self.done:
            return name
        self.done.add(name)
        return f"({name} := type({read}) is str)"

    def _read(self, expr: FieldExpr) -> tuple[str, str]:
        """The expression reading ``expr`` where a comparison needs it first, and the variable then holding it."""
        found = self.reads.get(expr)
        if found is None:
            extract, arg = _extractor(expr, self.fields, {})
            call = f"{self._object(extract)}(event, {'None' if arg is None else self._object(arg)})"
            found = self.reads[expr] = (f"f{len(self.reads)}", call)
        name, call = found
        if name in self.done:
            return name, name
        read = self._computed(name, call)
        self.done.add(name)
        return read, name

    def _computed(self, name: str, expression: str) -> str:
        """``expression`` assigned to the variable ``name`` where it is not surely computed yet."""
        if name not in self.written:
            self.written.add(name)
            return f"({name} := {expression})"
        self.lazy[name] = None
        return f"({name} if {name} is not u else ({name} := {expression}))"


def _merge(comparisons: list[Compare]) -> Compare:
    """One comparison holding when one of ``comparisons`` (of one field, with literals) does."""
    first = comparisons[0]
    if len(comparisons) == 1:
        return first
    values = tuple(value for item in comparisons for value in _listed(item.right))
    return Compare(first.left, _MERGED[first.op], ValueList(values))


def _fields_of(node: Node) -> set[FieldExpr]:
    match node:
        case And(operands) | Or(operands):
            return set().union(*map(_fields_of, operands))
        case Not(operand):
            return _fields_of(operand)
        case Exists() | Compare():
            return set(_read_by(node))
    return set()


def _count(node: Node, depth: int, occurrences: Counter[Node]) -> None:
    """Count ``node`` and its parts in ``occurrences``, down to the depth where a writer cuts."""
    occurrences[node] += 1
    if depth < _MAX_NESTING:
        for item in _operands(node):
            _count(item, depth + 1, occurrences)


def _operands(node: Node) -> tuple[Node, ...]:
    match node:
        case And(operands) | Or(operands):
            return operands
        case Not(operand):
            return (operand,)
    return ()


def _every(test: _Test) -> _Test:
    """``in`` on a list field: the list is not empty and each element is in the set."""

    def every(value: object) -> bool:
        if isinstance(value, tuple):
            return bool(value) and all(map(test, value))
        return value is not None and test(value)

    return every


def _some(test: _Test) -> _Test:
    """Another comparison on a list field (or with networks): one element satisfies it."""

    def some(value: object) -> bool:
        if isinstance(value, tuple):
            return any(map(test, value))
        return value is not None and test(value)

    return some


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
    """``pmatch``: the value is one of ``paths`` or below one (the root, ``/``, holds every absolute path); one
    regular expression tries them all."""
    stripped = sorted({path.rstrip("/") for path in paths})
    if not stripped:
        return lambda value: False
    below = [f"{re.escape(path)}(?:/|\\Z)" if path else "(?=/)" for path in stripped]
    match = re.compile("|".join(below)).match

    def pmatch(value: object) -> bool:
        if value is None:
            return False
        return match(value if type(value) is str else text_of(value)) is not None

    return pmatch


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
