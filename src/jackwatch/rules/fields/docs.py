"""Markdown reference of a source's fields, generated from their doc strings."""

from __future__ import annotations

from itertools import groupby

from jackwatch.rules.fields import ArgMode, Field, SourceFields

_ARG_SUFFIX = {ArgMode.NONE: "", ArgMode.OPTIONAL: "[<arg>]", ArgMode.REQUIRED: "[<arg>]"}


def render_field_docs(fields: SourceFields) -> str:
    """A Markdown page listing every field of ``fields``, grouped by prefix (``ct``, ``aws``…)."""
    lines = [
        f"# Fields of the `{fields.source}` source",
        "",
        "Generated from the field definitions; do not edit by hand.",
        "",
        "A rule condition or output reads these fields. When an event lacks a field, every comparison",
        "on it is false and `exists` is false; outputs show `<NA>`. Values are text unless the",
        "description says *Number* or *Boolean*.",
        _index_note(fields),
    ]
    ordered = sorted(fields.fields.values(), key=lambda item: item.name)
    for prefix, group in groupby(ordered, key=lambda item: item.name.partition(".")[0]):
        lines += ["", f"## `{prefix}.*`", "", "| Field | Description |", "| --- | --- |"]
        lines += [_row(item) for item in group]
    return "\n".join(lines) + "\n"


def _index_note(fields: SourceFields) -> str:
    """How rules over this source are indexed: which field pins, and so narrows, what a rule meets."""
    note = f"A rule whose condition pins `{fields.name_field}` (`=` or `in`) is only tried on events of those names"
    if fields.partition_field is None:
        return note + "."
    return note + f"; one that pins no name but `{fields.partition_field}`, only on events of those values."


def _row(item: Field) -> str:
    name = f"`{item.name}{_ARG_SUFFIX[item.arg]}`"
    if item.arg is ArgMode.OPTIONAL:
        name += " (argument optional)"
    doc = " ".join(item.doc.split()).replace("``", "`").replace("|", "\\|")
    return f"| {name} | {doc} |"
