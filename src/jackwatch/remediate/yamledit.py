"""JSON patches applied to the text of a YAML (or JSON) document, changing only the lines they touch: comments, key
order, quoting, indentation and the other documents of the file stay as they are.

The document is composed with ruamel.yaml's round-trip parser, which gives the position of every key and value;
each operation then edits the text in place:

- a value that changes is rewritten where it is (``privileged: true`` → ``privileged: false``, the comment after
  it kept); a block that changes is rewritten at its own indentation;
- a new member is added after the last member of its mapping, at the mapping's indentation (new nested blocks use
  the indentation the document uses: its mapping step and whether its lists are indented under their key);
- a member that goes is removed with its lines (or, first in a list item, the next member moves up after the
  ``-``); a mapping left empty becomes ``{}``;
- in flow mappings and JSON, members are added and removed with their commas, in JSON syntax for JSON documents.

Operations the editor cannot place (inserting into a list, a path through a YAML alias or merge key) raise
:class:`Unplaceable`; :func:`roundtrip_edit` then applies the patch to ruamel's round-trip data and dumps the
document again (comments and order kept, the layout normalised). There a change reaches only its own place: a
mapping or list on its path that an alias shares with other places, or that a merge key (``<<``) brings in, is first
given a copy of its own (the anchor and the other places stay as they were), and a mapping a merged member is removed
from gets its merged members written out. Callers check the result: :mod:`~jackwatch.remediate.kubernetes` re-reads
it and compares it with the JSON patch applied to the object.
"""

from __future__ import annotations

import copy
import io
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, merge_attrib
from ruamel.yaml.error import YAMLError as RuamelError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.util import load_yaml_guess_indent

from jackwatch.remediate.errors import FixError
from jackwatch.remediate.pointer import apply_operation, parse_pointer

Path = tuple[str | int, ...]

_DOCUMENT_MARKER = re.compile(r"^(?:---|\.\.\.)(?=[ \t\r\n]|$)", re.MULTILINE)
_COMMENT_GAP = re.compile(r" +#")
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./@+-]*")


class Unplaceable(FixError):
    """An operation the text editor cannot place (the caller may fall back to :func:`roundtrip_edit`)."""


def document_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of each document's content in a multi-document text, between ``---`` / ``...``
    lines (the marker lines themselves excluded), empty documents left out."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _DOCUMENT_MARKER.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(first, last) for first, last in spans if text[first:last].strip(" \t\r\n")]


def compose(text: str) -> Node:
    """The node tree of one document (positions relative to ``text``); a :class:`FixError` when it is not YAML."""
    parser = YAML(typ="rt")
    parser.allow_duplicate_keys = True
    try:
        node = parser.compose(text)
    except RuamelError as error:
        raise FixError(f"cannot parse the document again: {error}") from None
    if not isinstance(node, Node):
        raise FixError("the document is empty")
    return node


@dataclass(frozen=True, slots=True)
class Style:
    """How the document writes what an edit adds: its mapping step, how far its list dashes sit under their key,
    and whether it is JSON."""

    step: int = 2
    dash: int = 2
    json: bool = False


def guess_style(root: Node) -> Style:
    """The style of the document whose tree is ``root``: the first nested block mapping gives the step, the first
    block list under a key the dash offset; a flow mapping at the root is JSON."""
    if isinstance(root, MappingNode) and root.flow_style:
        return Style(json=True)
    step: int | None = None
    dash: int | None = None
    for key, value in _entries(root):
        column = key.start_mark.column
        if step is None and isinstance(value, MappingNode) and not value.flow_style and value.value:
            found = value.value[0][0].start_mark.column - column
            step = found if found > 0 else None
        if dash is None and isinstance(value, SequenceNode) and not value.flow_style and value.value:
            dash = max(value.start_mark.column - column, 0)
        if step is not None and dash is not None:
            break
    return Style(step=step or 2, dash=2 if dash is None else dash)


def _entries(node: Node) -> Iterator[tuple[Node, Node]]:
    """Every (key, value) of the block mappings under ``node``, depth first."""
    seen: set[int] = set()
    pending = [node]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, MappingNode):
            for key, value in current.value:
                yield key, value
                pending.append(value)
        elif isinstance(current, SequenceNode):
            pending.extend(current.value)


def edit_document(text: str, prefix: Path, operations: Sequence[Mapping[str, Any]], offset: int = 0) -> str:
    """``text`` (one document, after ``offset`` lines of its file) with ``operations`` applied to the object at
    ``prefix`` in it, edited in place."""
    for operation in operations:
        text = _edit(text, prefix, operation, offset)
    return text


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A document rewritten by :func:`roundtrip_edit`, and what was written out so that the change reaches no other
    place (each a sentence naming the anchor or merge key and its line)."""

    text: str
    notes: tuple[str, ...] = ()


def roundtrip_edit(text: str, prefix: Path, operations: Sequence[Mapping[str, Any]], offset: int = 0) -> Rewrite:
    """``text`` (one document, after ``offset`` lines of its file) with ``operations`` applied through ruamel.yaml's
    round-trip data, dumped again with the document's indentation: comments and key order kept, other layout
    normalised. Each change reaches only its own place (:func:`_own_path`)."""
    notes: list[str] = []
    try:
        _, indent, block = load_yaml_guess_indent(text)
        dumper = YAML(typ="rt")
        dumper.preserve_quotes = True
        dumper.width = 4096
        dumper.allow_duplicate_keys = True
        dumper.brace_single_entry_mapping_in_flow_sequence = True  # <<: [&a {k: v}, *b]: &a names the mapping
        mapping_step = block if isinstance(block, int) and block > 0 else 2
        sequence = indent if isinstance(indent, int) and indent >= 2 else mapping_step + 2
        dumper.indent(mapping=mapping_step, sequence=sequence, offset=max(sequence - 2, 0))
        data = dumper.load(text)
        target = data
        for part in prefix:
            target = target[part]
        for operation in operations:
            for pointer, removes in _changed(operation):
                notes.extend(_own_path(data, (*prefix, *parse_pointer(pointer)), removes, offset))
            target = apply_operation(target, operation)
        out = io.StringIO()
        dumper.dump(data, out)
    except (RuamelError, KeyError, IndexError, TypeError) as error:
        raise FixError(f"cannot rewrite the document: {error}") from None
    written = out.getvalue()
    leading = text[: len(text) - len(text.lstrip("\r\n"))]
    return Rewrite(leading + written if text.endswith("\n") else leading + written.rstrip("\n"), tuple(notes))


def _changed(operation: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """The pointers ``operation`` changes, each with whether it removes the member there."""
    op = operation.get("op")
    changed = [] if op == "test" else [(str(operation.get("path", "")), op == "remove")]
    return [*changed, (str(operation.get("from", "")), True)] if op == "move" else changed


def _own_path(root: Any, path: Path, removes: bool, offset: int) -> list[str]:
    """Make the mappings and lists on ``path`` (from the document's ``root`` to the parent of its last member) this
    place's alone, so that a change at ``path`` reaches nothing else: one that a merge key brings in, or that an
    alias shares with other places, is replaced by a copy of its own; when the member ``removes``, a mapping that
    merges it gets its merged members written out (else the merge would bring it back). What was done, as
    sentences."""
    notes: list[str] = []
    node = root
    for depth, part in enumerate(path[:-1]):
        key = _member(node, part)
        if key is None:
            return notes  # not there: applying the operation says so
        child = node[key]
        reason = _shared(root, node, key, child, offset) if isinstance(child, Mapping | list) else None
        if reason is not None:
            notes.append(f"{_show(path[: depth + 1])} {reason}")
            child = _copy(child)
            node[key] = child
        node = child
    if removes and path and any(path[-1] in item for item in _merged(node)):
        sources = ", ".join(_anchor(item, offset) for item in _merged(node))
        notes.append(
            f"{_show(path[:-1])} took {path[-1]!r} through the merge key << from {sources}: the merge key is "
            f"replaced by the members it brought, so that {path[-1]!r} can go; the merged mapping is unchanged"
        )
        own = _own_members(node)
        for key, value in list(node.items()):
            if key not in own:
                node[key] = _copy(value)
        delattr(node, merge_attrib)
    return notes


def _shared(root: Any, node: Any, key: str | int, child: Any, offset: int) -> str | None:
    """Why ``child``, ``node[key]``, is not that place's alone (the end of a sentence): a merge key brings it in,
    or an alias shares it; ``None`` when it is."""
    if isinstance(node, Mapping) and key not in _own_members(node):
        source = next(item for item in _merged(node) if key in item)
        return (
            f"came through the merge key << from {_anchor(source, offset)}: it is now written out in place and "
            "changed there, the merged mapping is unchanged"
        )
    if _references(root)[id(child)] > 1:
        return (
            f"shared {_anchor(child, offset)} with other places: it now has a copy of its own, changed, and the "
            "other places are unchanged"
        )
    return None


def _member(node: Any, part: str | int) -> str | int | None:
    """The key or index of ``part`` in ``node``; ``None`` when it has none."""
    if isinstance(node, list):
        index = int(part) if str(part).isdigit() else -1
        return index if 0 <= index < len(node) else None
    return part if isinstance(node, Mapping) and part in node else None


def _own_members(node: Mapping[Any, Any]) -> dict[Any, Any]:
    """The members of a mapping that it does not merge (``<<``)."""
    return dict(node.non_merged_items()) if isinstance(node, CommentedMap) else dict(node)


def _merged(node: Any) -> list[Any]:
    """The mappings ``node`` merges (``<<``), first first (ruamel before 0.19 pairs each with its position)."""
    return [item[1] if isinstance(item, tuple) else item for item in getattr(node, merge_attrib, ())]


def _references(root: Any) -> Counter[int]:
    """How many places refer to each mapping and list under ``root`` (by ``id``): a member, a list item or a merge
    key's source; more than one when aliases share it."""
    counts: Counter[int] = Counter()
    pending = [root]
    while pending:
        for child in _children(pending.pop()):
            if isinstance(child, Mapping | list):
                counts[id(child)] += 1
                if counts[id(child)] == 1:
                    pending.append(child)
    return counts


def _children(node: Any) -> list[Any]:
    """The values right under ``node``: a mapping's own members and the mappings it merges, a list's items."""
    if isinstance(node, Mapping):
        return [*_own_members(node).values(), *_merged(node)]
    return list(node) if isinstance(node, list) else []


def _copy(node: Any) -> Any:
    """A copy of the mapping or list ``node`` for one place, without its anchor: what is under it is copied too,
    except the anchored values, which the copy refers to (the document still defines each anchor once), and the
    mappings it merges (``<<``), which it still merges. A scalar is its own copy."""
    if isinstance(node, CommentedMap):
        result: Any = CommentedMap()
        for key, value in node.non_merged_items():
            result[key] = value if _anchor_name(value) else _copy(value)
    elif isinstance(node, CommentedSeq):
        result = CommentedSeq(item if _anchor_name(item) else _copy(item) for item in node)
    else:
        return copy.deepcopy(node) if isinstance(node, Mapping | list) else node
    node.copy_attributes(result, memo={})  # comments, layout, lines: copies (the merge is set again below)
    if hasattr(result, merge_attrib):
        delattr(result, merge_attrib)
        result.add_yaml_merge(getattr(node, merge_attrib))
    result.yaml_set_anchor(None)
    return result


def _anchor_name(node: Any) -> str | None:
    """The anchor of a value as loaded (``None`` when it has none)."""
    name = getattr(getattr(node, "anchor", None), "value", None)
    return name if isinstance(name, str) else None


def _anchor(node: Any, offset: int) -> str:
    """``the anchor &name (line n)`` of the mapping or list ``node`` as loaded (``offset``: the lines of the file
    before the document); ``the mapping at line n`` when it has no anchor."""
    name = _anchor_name(node)
    line = offset + node.lc.line + 1
    return f"the anchor &{name} (line {line})" if name else f"the mapping at line {line}"


def _edit(text: str, prefix: Path, operation: Mapping[str, Any], offset: int) -> str:
    op = operation.get("op")
    if op == "test":
        return text
    if op not in ("add", "remove", "replace"):
        raise Unplaceable(f"the {op} operation is not placed in text")
    root = compose(text)
    style = guess_style(root)
    path = (*prefix, *parse_pointer(str(operation.get("path", ""))))
    if not path:
        raise Unplaceable("the patch replaces the whole object")
    parent, grandparent = _walk(root, path[:-1], offset)
    last = path[-1]
    if not isinstance(parent, MappingNode):
        raise Unplaceable(f"the patch changes a list ({_show(path)})")
    _no_merge(parent, offset)
    index = _find(parent, str(last))
    editor = _Editor(text, style)
    if op == "remove":
        if index is None:
            raise FixError(f"nothing to remove at {_show(path)}")
        if len(parent.value) == 1:  # the mapping becomes empty: write {} in its place
            if not isinstance(grandparent, MappingNode) or len(path) < 2:
                raise Unplaceable(f"the patch empties a mapping in a list ({_show(path)})")
            holder = _find(grandparent, str(path[-2]))
            assert holder is not None
            return editor.replace(grandparent, holder, {})
        return editor.remove(parent, index)
    value = operation.get("value")
    if index is None:
        if op == "replace":
            raise FixError(f"nothing to replace at {_show(path)}")
        return editor.insert(parent, str(last), value)
    return editor.replace(parent, index, value)


def _walk(root: Node, path: Sequence[str | int], offset: int) -> tuple[Node, Node | None]:
    """The node at ``path`` and its parent; list indexes may be given as text."""
    node: Node = root
    parent: Node | None = None
    for part in path:
        if isinstance(node, MappingNode):
            _no_merge(node, offset)
            index = _find(node, str(part))
            if index is None:
                raise FixError(f"no member {part!r} in the document")
            parent, node = node, node.value[index][1]
        elif isinstance(node, SequenceNode):
            position = int(part)
            if not 0 <= position < len(node.value):
                raise FixError(f"no element {position} in the document")
            parent, node = node, node.value[position]
        else:
            raise FixError(f"cannot look into a scalar for {part!r}")
        if getattr(node, "anchor", None):
            line = offset + node.start_mark.line + 1
            raise Unplaceable(f"the path goes through the YAML anchor &{node.anchor} (line {line})")
    return node, parent


def _no_merge(node: MappingNode, offset: int) -> None:
    for key, _ in node.value:
        if isinstance(key, ScalarNode) and key.tag == "tag:yaml.org,2002:merge":
            raise Unplaceable(f"the path goes through the merge key << (line {offset + key.start_mark.line + 1})")


def _find(node: MappingNode, key: str) -> int | None:
    found = None
    for position, (candidate, _) in enumerate(node.value):
        if isinstance(candidate, ScalarNode) and candidate.value == key:
            found = position  # the last one wins, as it does when the document is loaded
    return found


def _show(path: Sequence[str | int]) -> str:
    return "/" + "/".join(str(part) for part in path)


class _Editor:
    """Text edits of one document."""

    def __init__(self, text: str, style: Style) -> None:
        self.text = text
        self.style = style

    # -- positions ---------------------------------------------------------------------------------------------

    def line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def line_end(self, index: int) -> int:
        end = self.text.find("\n", index)
        return len(self.text) if end < 0 else end

    def after_colon(self, key: Node) -> int:
        """The offset just after the ``:`` that follows ``key``."""
        index = key.end_mark.index
        text = self.text
        while index < len(text) and text[index] in " \t":
            index += 1
        if index >= len(text) or text[index] != ":":
            raise Unplaceable("a key without a ':' after it (an explicit '?' key)")
        return int(index) + 1

    def content_end(self, node: Node) -> int | None:
        """Where the text of ``node`` ends (``None``: an empty value, written as nothing)."""
        start, end = int(node.start_mark.index), int(node.end_mark.index)
        if isinstance(node, ScalarNode):
            if start == end:
                return None
            if node.style in ("|", ">"):
                while end > start and self.text[end - 1] in " \t\r\n":
                    end -= 1
            return end
        if getattr(node, "flow_style", False):
            return end
        if isinstance(node, MappingNode):
            key, value = node.value[-1]
            return self.entry_end(key, value)
        last = node.value[-1] if node.value else None
        found = self.content_end(last) if last is not None else None
        return found if found is not None else self._trimmed(end)

    def entry_end(self, key: Node, value: Node) -> int:
        end = self.content_end(value)
        return self.after_colon(key) if end is None else end

    def _trimmed(self, end: int) -> int:
        """``end`` moved back over blank and comment lines."""
        text = self.text
        while True:
            stripped = text[:end].rstrip(" \t\r\n")
            line = stripped[self.line_start(len(stripped)) :].lstrip()
            if not line.startswith("#"):
                return len(stripped)
            end = self.line_start(len(stripped))

    def splice(self, start: int, end: int, replacement: str) -> str:
        return self.text[:start] + replacement + self.text[end:]

    def splice_inline(self, start: int, end: int, replacement: str) -> str:
        """Replace a value on its line, the comment after it kept in its column when the spaces allow."""
        gap = _COMMENT_GAP.match(self.text, end)
        if gap is None:
            return self.splice(start, end, replacement)
        spaces = len(gap[0]) - 1 - (len(replacement) - (end - start))
        return self.text[:start] + replacement + " " * max(spaces, 1) + self.text[gap.end() - 1 :]

    # -- operations --------------------------------------------------------------------------------------------

    def insert(self, mapping: MappingNode, key: str, value: Any) -> str:
        """A new member at the end of ``mapping``."""
        json_style = self.style.json
        if mapping.flow_style:
            entry = f"{self.key_text(key, json_style)}: {self.flow(value, json_style)}"
            if not mapping.value:
                return self.splice(mapping.start_mark.index, mapping.end_mark.index, "{" + entry + "}")
            last_key, last_value = mapping.value[-1]
            position = self.entry_end(last_key, last_value)
            if last_key.start_mark.line != mapping.start_mark.line:
                separator = ",\n" + " " * last_key.start_mark.column
            else:
                separator = ", "
            return self.splice(position, position, separator + entry)
        column = mapping.value[0][0].start_mark.column
        last_key, last_value = mapping.value[-1]
        position = self.line_end(self.entry_end(last_key, last_value))
        lines = self.block_entry(key, value, column)
        return self.splice(position, position, "".join("\n" + line for line in lines))

    def replace(self, mapping: MappingNode, index: int, value: Any) -> str:
        """The value of member ``index`` of ``mapping`` replaced by ``value``."""
        key, old = mapping.value[index]
        json_style = self.style.json
        end = self.content_end(old)
        if mapping.flow_style:
            if end is None:
                colon = self.after_colon(key)
                return self.splice(colon, colon, " " + self.flow(value, json_style))
            return self.splice_inline(old.start_mark.index, end, self.flow(value, json_style))
        column = key.start_mark.column
        nested = _is_collection(value) and bool(value)
        old_block = isinstance(old, MappingNode | SequenceNode) and not old.flow_style
        if end is None:  # an empty value: the new one goes after the colon, or under the key
            colon = self.after_colon(key)
            if not nested:
                return self.splice(colon, colon, " " + self.flow(value, False))
            lines = self.block(value, column + self._indent(value))
            position = self.line_end(colon)
            return self.splice(position, position, "".join("\n" + line for line in lines))
        if not nested:
            if old_block:
                return self.splice(self.after_colon(key), end, " " + self.flow(value, False))
            return self.splice_inline(old.start_mark.index, end, self.flow(value, False))
        if not old_block:
            if isinstance(old, MappingNode | SequenceNode):  # a flow collection stays one
                return self.splice_inline(old.start_mark.index, end, self.flow(value, False))
            lines = self.block_entry(str(key.value), value, column)
            return self.splice(key.start_mark.index, end, "\n".join(_dedent_first(lines, column)))
        same_kind = isinstance(value, Mapping) == isinstance(old, MappingNode)
        inner = old.start_mark.column if same_kind else column + self._indent(value)
        lines = self.block(value, inner)
        return self.splice(self.line_start(old.start_mark.index), end, "\n".join(lines))

    def remove(self, mapping: MappingNode, index: int) -> str:
        """Member ``index`` of ``mapping`` (which has others) removed."""
        key, value = mapping.value[index]
        end = self.entry_end(key, value)
        if mapping.flow_style:
            if index + 1 < len(mapping.value):
                return self.splice(key.start_mark.index, mapping.value[index + 1][0].start_mark.index, "")
            previous_key, previous_value = mapping.value[index - 1]
            return self.splice(self.entry_end(previous_key, previous_value), end, "")
        start = self.line_start(key.start_mark.index)
        if not self.text[start : key.start_mark.index].strip():
            stop = self.line_end(end)
            return self.splice(start, min(stop + 1, len(self.text)), "")
        if index == 0:  # first in a list item ("- key: …"): the next member moves up after the dash
            return self.splice(key.start_mark.index, mapping.value[1][0].start_mark.index, "")
        raise Unplaceable("a member that shares its line with another")

    # -- rendering ---------------------------------------------------------------------------------------------

    def _indent(self, value: Any) -> int:
        return self.style.dash if isinstance(value, list) else self.style.step

    def block_entry(self, key: str, value: Any, column: int) -> list[str]:
        """``key: value`` at ``column`` as block lines."""
        pad = " " * column
        name = self.key_text(key, False)
        if not (_is_collection(value) and value):
            return [f"{pad}{name}: {self.flow(value, False)}"]
        return [f"{pad}{name}:", *self.block(value, column + self._indent(value))]

    def block(self, value: Any, column: int) -> list[str]:
        """A non-empty mapping or list as block lines at ``column``."""
        pad = " " * column
        lines: list[str] = []
        if isinstance(value, Mapping):
            for key, item in value.items():
                lines.extend(self.block_entry(str(key), item, column))
            return lines
        for item in value:
            if _is_collection(item) and item:
                inner = self.block(item, column + 2)
                lines.append(pad + "- " + inner[0][column + 2 :])
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {self.flow(item, False)}")
        return lines

    def key_text(self, key: str, json_style: bool) -> str:
        return json.dumps(key) if json_style else _scalar(key)

    def flow(self, value: Any, json_style: bool) -> str:
        """``value`` on one line: JSON, or YAML flow style with plain scalars where they read back the same."""
        if json_style:
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, Mapping):
            return "{" + ", ".join(f"{_scalar(str(k))}: {self.flow(v, False)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.flow(item, False) for item in value) + "]"
        return _scalar(value)


def block_lines(value: Mapping[str, Any] | list[Any], style: Style | None = None) -> list[str]:
    """A non-empty mapping or list as YAML block lines (at column 0, in ``style``)."""
    return _Editor("", style or Style()).block(value, 0)


def _is_collection(value: Any) -> bool:
    return isinstance(value, Mapping | list)


def _dedent_first(lines: list[str], column: int) -> list[str]:
    return [lines[0][column:], *lines[1:]]


def _scalar(value: Any) -> str:
    """A scalar as YAML: plain when reading it back gives the same value, else double-quoted (JSON escapes are
    YAML's)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.fullmatch(text):
        try:
            if yaml.safe_load(text) == text:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)
