"""Unified diffs of a file's text, as ``diff -u`` writes them (``\\ No newline at end of file`` included), and their
application to a text, hunk by hunk, refusing any hunk whose context does not match.

The header names the file as given (``--- path`` / ``+++ path``): ``patch -p0`` and ``git apply -p0`` apply it from
the directory the path is relative to.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from jackwatch.remediate.errors import FixError
from jackwatch.secrets import scan_text

CONTEXT = 3
"""Lines of context around each change."""

_NO_NEWLINE = "\\ No newline at end of file"
_TOKEN_END = re.compile(r"[\s\"'`,;]|$")
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def unified_diff(old: str, new: str, path: str, *, context: int = CONTEXT) -> str:
    """The unified diff that turns ``old`` into ``new`` (empty when they are equal)."""
    if old == new:
        return ""
    before, after = old.splitlines(keepends=True), new.splitlines(keepends=True)
    lines = [f"--- {path}\n", f"+++ {path}\n"]
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        lines.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(_marked(" ", before[i1:i2]))
                continue
            lines.extend(_marked("-", before[i1:i2]))
            lines.extend(_marked("+", after[j1:j2]))
    return "".join(lines)


def _range(start: int, stop: int) -> str:
    length = stop - start
    first = start + 1 if length else start
    return f"{first}" if length == 1 else f"{first},{length}"


def _marked(sign: str, lines: list[str]) -> Iterator[str]:
    for line in lines:
        if line.endswith("\n"):
            yield sign + line
        else:
            yield f"{sign}{line}\n{_NO_NEWLINE}\n"


def apply_diff(text: str, diff: str) -> str:
    """``text`` with the unified ``diff`` applied; a :class:`FixError` when a hunk's context or removed lines are
    not found where the hunk says."""
    if not diff:
        return text
    source = text.splitlines(keepends=True)
    result: list[str] = []
    position = 0
    lines = diff.splitlines(keepends=True)
    index = 0
    while index < len(lines) and not lines[index].startswith("@@"):
        index += 1
    while index < len(lines):
        header = _HUNK.match(lines[index])
        if header is None:
            raise FixError(f"not a hunk header: {lines[index].rstrip()!r}")
        start = int(header[1]) - (1 if header[2] != "0" else 0)
        if start < position:
            raise FixError("hunks overlap or are out of order")
        result.extend(source[position:start])
        position = start
        index += 1
        while index < len(lines) and not lines[index].startswith("@@"):
            line = lines[index]
            body = line[1:]
            if index + 1 < len(lines) and lines[index + 1].rstrip("\n") == _NO_NEWLINE:
                body = body.removesuffix("\n")
                index += 1
            if line.startswith((" ", "-")):
                if position >= len(source) or source[position] != body:
                    raise FixError(f"the diff does not apply at line {position + 1}")
                if line.startswith(" "):
                    result.append(body)
                position += 1
            elif line.startswith("+"):
                result.append(body)
            else:
                raise FixError(f"not a diff line: {line.rstrip()!r}")
            index += 1
    result.extend(source[position:])
    return "".join(result)


def redact_secrets(text: str) -> tuple[str, int]:
    """``text`` (a diff to show) with every key the secret scanner finds replaced by its redacted form, and how many
    were: a diff that removes a key from a file would otherwise print it."""
    hits = scan_text(text)
    parts: list[str] = []
    position = 0
    for hit in hits:
        if hit.offset < position:
            continue
        end = _TOKEN_END.search(text, hit.offset)
        stop = end.start() if end is not None else len(text)
        parts.extend((text[position : hit.offset], hit.redacted))
        position = stop
    parts.append(text[position:])
    return "".join(parts), len(hits)
