"""Falco rule exceptions: read the ``exceptions:`` of a rule and turn them into ``and not (…)`` clauses.

Tuple form: ``fields: [a, b]``, ``comps: [=, in]`` (default ``=`` each), ``values: [[x, [y, z]], …]``:
each value tuple is one alternative, all its comparisons must hold. Single-field form: ``fields: a``,
``comps: in`` (the default), ``values: [x, y]``: one comparison against every value. A value of a list
operator may name a Falco list; it is expanded with the other lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from jackwatch.rules.condition import (
    BINARY_OPS,
    LIST_OPS,
    And,
    Compare,
    FieldExpr,
    FieldRef,
    Node,
    Or,
    Value,
    ValueList,
    is_bare_word,
)
from jackwatch.rules.items import ItemError
from jackwatch.rules.spec import ExceptionSpec, split_field
from jackwatch.yamlsource import YamlMap

_EXCEPTION_KEYS = frozenset({"name", "fields", "comps", "values"})


def parse_exceptions(item: YamlMap, where: str, existing: Mapping[str, ExceptionSpec]) -> list[ExceptionSpec]:
    """The ``exceptions`` of an item; one naming an ``existing`` exception without ``fields`` adds values."""
    value = item.get("exceptions")
    if value is None:
        return []
    if not isinstance(value, list):
        raise ItemError(f"{where}: exceptions must be a list", item.location("exceptions"))
    found: list[ExceptionSpec] = []
    for entry in value:
        if not isinstance(entry, YamlMap):
            raise ItemError(f"{where}: an exception must be a mapping", item.location("exceptions"))
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ItemError(f"{where}: an exception needs a name", entry.location())
        unknown = set(entry) - _EXCEPTION_KEYS
        if unknown:
            raise ItemError(
                f"{where}: exception {name!r}: unknown key(s) {sorted(map(str, unknown))}", entry.location()
            )
        base = existing.get(name)
        if base is not None and "fields" not in entry:
            found.append(replace(base, values=base.values + _exception_values(entry, base, where)))
        else:
            found.append(_new_exception(entry, name, where))
    return found


def _new_exception(entry: YamlMap, name: str, where: str) -> ExceptionSpec:
    fields = entry.get("fields")
    comps = entry.get("comps")
    single = isinstance(fields, str)
    if single:
        fields = [fields]
        comps = [comps if comps is not None else "in"]
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
        raise ItemError(f"{where}: exception {name!r}: fields must be a field or a list of fields", entry.location())
    if comps is None:
        comps = ["="] * len(fields)
    if not isinstance(comps, list) or len(comps) != len(fields):
        message = f"{where}: exception {name!r}: comps must list one operator per field"
        raise ItemError(message, entry.location("comps"))
    for text in fields:
        try:
            split_field(text)
        except ValueError as exc:
            raise ItemError(f"{where}: exception {name!r}: {exc}", entry.location("fields")) from None
    for comp in comps:
        if not isinstance(comp, str) or comp not in BINARY_OPS:
            raise ItemError(f"{where}: exception {name!r}: unknown operator {comp!r}", entry.location("comps"))
    spec = ExceptionSpec(name, tuple(fields), tuple(map(str, comps)), (), single, entry.location())
    return replace(spec, values=_exception_values(entry, spec, where))


def _exception_values(entry: YamlMap, spec: ExceptionSpec, where: str) -> tuple[tuple[object, ...], ...]:
    values = entry.get("values", [])
    if not isinstance(values, list):
        raise ItemError(f"{where}: exception {spec.name!r}: values must be a list", entry.location("values"))
    rows: list[tuple[object, ...]] = []
    for value in values:
        row = [value] if spec.single else value
        if not isinstance(row, list) or len(row) != len(spec.fields):
            message = f"{where}: exception {spec.name!r}: each value needs {len(spec.fields)} entries, got {value!r}"
            raise ItemError(message, entry.location("values"))
        for comp, cell in zip(spec.comps, row, strict=True):
            scalars = cell if isinstance(cell, list) and comp in LIST_OPS else [cell]
            if not all(isinstance(v, str | int | float) for v in scalars):
                message = f"{where}: exception {spec.name!r}: bad value {cell!r} for operator {comp!r}"
                raise ItemError(message, entry.location("values"))
        rows.append(tuple(tuple(c) if isinstance(c, list) else c for c in row))
    return tuple(rows)


def exception_node(spec: ExceptionSpec) -> Node | None:
    """The condition an exception adds (as ``and not (…)``), or ``None`` when it has no values yet."""
    if not spec.values:
        return None
    if spec.single and spec.comps[0] in LIST_OPS:
        cells = tuple(row[0] for row in spec.values)
        return Compare(_field_expr(spec.fields[0]), spec.comps[0], _value_list(cells))
    alternatives: list[Node] = []
    for row in spec.values:
        compares: list[Node] = [
            Compare(_field_expr(name), comp, _value_list(cell) if comp in LIST_OPS else Value(_scalar_text(cell)))
            for name, comp, cell in zip(spec.fields, spec.comps, row, strict=True)
        ]
        alternatives.append(compares[0] if len(compares) == 1 else And(tuple(compares)))
    return alternatives[0] if len(alternatives) == 1 else Or(tuple(alternatives))


def _field_expr(text: str) -> FieldExpr:
    name, arg = split_field(text)
    return FieldExpr(FieldRef(name, arg))


def _value_list(cell: object) -> ValueList:
    """Values for a list operator; a bare name among them that names a list is expanded later."""
    cells = cell if isinstance(cell, tuple) else (cell,)
    flat = [v for c in cells for v in (c if isinstance(c, tuple) else (c,))]
    texts = [_scalar_text(v) for v in flat]
    return ValueList(tuple(Value(text, bare=is_bare_word(text)) for text in texts))


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
