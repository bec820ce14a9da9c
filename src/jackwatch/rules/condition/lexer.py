"""Character-level scanner for conditions: the parser asks for the token its grammar expects next.

Falco's lexing is context-dependent (``=`` ends a bare value, ``[`` does not; a word is an operator
only after a field), so there is no separate token stream. Quoted strings accept the escapes
``\\b \\f \\n \\r \\t \\\\ \\/ \\" \\'``; ``\\<space>`` reads as one backslash, as in Falco, where
upstream rules rely on it. Any other escape is a syntax error.
"""

from __future__ import annotations

import re

from jackwatch.errors import ConditionError
from jackwatch.rules.condition.nodes import BLANKS

_ESCAPES = {
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "\\": "\\",
    "/": "/",
    '"': '"',
    "'": "'",
    " ": "\\",
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*")
_WORD = re.compile(r"[a-z]+")
_BARE = re.compile(r"[^()\"'=," + re.escape(BLANKS) + r"]+")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_SYMBOL_OPS = ("==", "=", "!=", "<=", "<", ">=", ">")
_WORD_OPS = frozenset(
    {
        "exists",
        "in",
        "intersects",
        "pmatch",
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
)


def column_of(text: str, offset: int) -> int:
    """The 1-based column of ``offset`` within its line of ``text``."""
    return offset - text.rfind("\n", 0, offset)


class ConditionSyntaxError(ConditionError):
    """A condition that does not parse. ``reason`` is the message without its position; ``offset``
    (0-based), ``line`` and ``column`` (1-based) locate the problem within the condition text."""

    def __init__(self, message: str, text: str, offset: int) -> None:
        self.reason = message
        self.offset = offset
        self.line = text.count("\n", 0, offset) + 1
        self.column = column_of(text, offset)
        where = f"line {self.line}, column {self.column}" if "\n" in text else f"column {self.column}"
        super().__init__(f"{message} at {where}")


class Scanner:
    """A cursor over the condition text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_blanks(self) -> None:
        """Move past blanks."""
        self.pos = self._after_blanks()

    def at_end(self) -> bool:
        """Whether only blanks remain."""
        return self._after_blanks() == len(self.text)

    def peek(self) -> str:
        """The next character, or ``""`` at the end."""
        return self.text[self.pos : self.pos + 1]

    def take(self, literal: str) -> bool:
        """Consume ``literal`` if it comes next."""
        if self.text.startswith(literal, self.pos):
            self.pos += len(literal)
            return True
        return False

    def take_keyword(self, word: str) -> bool:
        """Consume the keyword ``word`` if it comes next, followed by a blank, ``(`` or the end."""
        end = self.pos + len(word)
        if self.text.startswith(word, self.pos) and (end == len(self.text) or self.text[end] in BLANKS + "("):
            self.pos = end
            return True
        return False

    def name(self) -> str | None:
        """Consume a (possibly dotted) name: a macro, a field or a function."""
        return self._match(_NAME)

    def bare(self) -> str | None:
        """Consume an unquoted value."""
        return self._match(_BARE)

    def operator(self) -> str | None:
        """Consume a comparison operator."""
        for symbol in _SYMBOL_OPS:
            if self.take(symbol):
                return symbol
        match = _WORD.match(self.text, self.pos)
        if match is None or match.group() not in _WORD_OPS:
            return None
        end = match.end()
        if end < len(self.text) and self.text[end] in _WORD_CHARS:
            return None
        self.pos = end
        return match.group()

    def quoted(self) -> str | None:
        """Consume a single- or double-quoted string and return its unescaped text."""
        quote = self.peek()
        if quote not in ("'", '"'):
            return None
        start = self.pos
        pos = start + 1
        out: list[str] = []
        while pos < len(self.text):
            char = self.text[pos]
            if char == quote:
                self.pos = pos + 1
                return "".join(out)
            if char == "\\" and pos + 1 < len(self.text):
                escaped = _ESCAPES.get(self.text[pos + 1])
                if escaped is None:
                    raise self.error(f"unsupported escape sequence '\\{self.text[pos + 1]}'", pos)
                out.append(escaped)
                pos += 2
                continue
            out.append(char)
            pos += 1
        raise self.error(f"unterminated string (missing closing {quote})", start)

    def field_arg(self) -> str:
        """Consume a field argument after ``[``: a quoted string or anything up to the matching ``]``."""
        start = self.pos
        quoted = self.quoted()
        if quoted is not None:
            if not self.take("]"):
                raise self.expected("']' closing the field argument")
            return quoted
        depth = 0
        pos = start
        while pos < len(self.text) and self.text[pos] not in BLANKS:
            char = self.text[pos]
            if char == "]":
                if depth == 0:
                    break
                depth -= 1
            elif char == "[":
                depth += 1
            pos += 1
        if pos == len(self.text) or self.text[pos] != "]":
            self.pos = pos
            raise self.expected("']' closing the field argument")
        if pos == start:
            raise self.expected("a field argument")
        self.pos = pos + 1
        return self.text[start:pos]

    def column(self, offset: int) -> int:
        """The 1-based column of ``offset`` within its line."""
        return column_of(self.text, offset)

    def error(self, message: str, offset: int | None = None) -> ConditionSyntaxError:
        """A syntax error at ``offset`` (default: the next token)."""
        return ConditionSyntaxError(message, self.text, self._after_blanks() if offset is None else offset)

    def expected(self, what: str) -> ConditionSyntaxError:
        """A syntax error saying what was expected and what the next token is."""
        start = self._after_blanks()
        if start == len(self.text):
            found = "end of condition"
        else:
            end = start
            while end < len(self.text) and end - start < 20 and self.text[end] not in BLANKS:
                end += 1
            found = f"'{self.text[start:end]}'"
        return ConditionSyntaxError(f"expected {what}, found {found}", self.text, start)

    def _match(self, pattern: re.Pattern[str]) -> str | None:
        match = pattern.match(self.text, self.pos)
        if match is None:
            return None
        self.pos = match.end()
        return match.group()

    def _after_blanks(self) -> int:
        pos = self.pos
        while pos < len(self.text) and self.text[pos] in BLANKS:
            pos += 1
        return pos
