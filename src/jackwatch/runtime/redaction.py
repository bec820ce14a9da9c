"""What the history keeps of a runtime record: command lines and paths with their secrets redacted, text that
every store accepts.

Arguments are where keys leak (``curl -H "Authorization: Bearer …"``, ``--api-key sk-…``,
``OPENAI_API_KEY=sk-… python app.py``). Each argument goes through the secret catalogue
(:func:`jackwatch.secrets.scan_text`), and the values of options and variables whose name says they hold a
secret (``--password``, ``--token``, ``*_API_KEY=``, ``Authorization:``, a URL's password) are redacted whatever
they look like. A redacted value keeps jackwatch's redacted form (``sk-a…9xQ``, or a mask for short values).
Strings are made storable: lone surrogates and NUL characters become U+FFFD.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

import orjson

from jackwatch.secrets import redact, scan_text

SECRET_WORDS = frozenset(
    {"password", "passwd", "pass", "pwd", "passphrase", "secret", "token", "apikey", "credential", "credentials"}
)
"""Words of an option or variable name that make its value a secret."""

NAMING_WORDS = frozenset({"file", "path", "dir", "env", "length", "prompt", "policy", "type", "stdin"})
"""A name that ends with one of these names where the secret is or what it is like (``--password-file``), not
the secret."""

SECRET_PAIRS = frozenset({("api", "key"), ("access", "key"), ("private", "key"), ("account", "key"), ("auth", "key")})
"""Adjacent words of a name that make its value a secret (``--api-key``, ``AWS_SECRET_ACCESS_KEY``)."""

_NAME_SPLIT = re.compile(r"[-_.]+")
_NAME = re.compile(r"-{0,2}[A-Za-z][A-Za-z0-9_.-]*")
_HEADER = re.compile(r"(?i)\b(authorization|proxy-authorization|x-api-key|api-key|x-goog-api-key)(\s*:\s*)(\S.*)")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)([^/\s@]+)(@)")
_TOKEN_END = re.compile(r"[^\s\"'`,;&|<>()\[\]{}]*")
_PEM_END = re.compile(r"-----END [A-Z ]*-----")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_REDACTED_KEYS = ("args",)
_SHELL_CHARACTERS = frozenset("'\"\\$`;&|<>*?(){}[]#~!")


def secret_name(name: str) -> bool:
    """Whether an option or variable called ``name`` holds a secret."""
    words = [word for word in _NAME_SPLIT.split(name.lower().lstrip("-")) if word]
    if not words or words[-1] in NAMING_WORDS:
        return False
    return not SECRET_WORDS.isdisjoint(words) or any(pair in SECRET_PAIRS for pair in pairwise(words))


@lru_cache(maxsize=4096)
def redact_args(args: tuple[str, ...]) -> tuple[str, ...]:
    """``args`` with every secret redacted (see the module's description)."""
    redacted: list[str] = []
    hide_next = False
    for arg in args:
        if hide_next and not arg.startswith("-"):
            redacted.append(redact(arg))
            hide_next = False
            continue
        hide_next = False
        name, equals, value = arg.partition("=")
        if equals and value and _NAME.fullmatch(name) and secret_name(name):
            redacted.append(f"{name}={redact(value)}")
        elif not equals and arg.startswith("-") and _NAME.fullmatch(arg) and secret_name(arg):
            redacted.append(arg)
            hide_next = True
        else:
            redacted.append(redact_text(arg))
    return tuple(redacted)


def redact_text(text: str) -> str:
    """``text`` with the secrets the catalogue finds, secret headers and URL passwords redacted; storable."""
    text = storable(text)
    hits = scan_text(text)
    if hits:
        parts: list[str] = []
        position = 0
        for hit in hits:
            if hit.offset < position:
                continue
            parts.extend((text[position : hit.offset], hit.redacted))
            position = _secret_end(text, hit.offset, hit.kind)
        parts.append(text[position:])
        text = "".join(parts)
    text = _HEADER.sub(lambda found: f"{found[1]}{found[2]}{redact(found[3])}", text)
    return _URL_PASSWORD.sub(lambda found: f"{found[1]}{redact(found[2])}{found[3]}", text)


def storable(text: str) -> str:
    """``text`` with lone surrogates and NUL characters (which PostgreSQL's JSON refuses) replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text) if _UNSTORABLE.search(text) else text


def redact_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``record`` fit to store: every ``args`` list (process and lineage) redacted, every string
    storable. The record itself is left as it is (the copy may share the parts it did not change)."""
    try:
        clean = b"\\u0000" not in orjson.dumps(record)
    except (TypeError, orjson.JSONEncodeError):
        clean = False
    if not clean:
        copied = _copy(record)
        assert isinstance(copied, dict)
        return copied
    copy = dict(record)
    proc = record.get("proc")
    if isinstance(proc, Mapping):
        copy["proc"] = _with_redacted_args(proc)
    lineage = record.get("lineage")
    if isinstance(lineage, list):
        copy["lineage"] = [_with_redacted_args(entry) if isinstance(entry, Mapping) else entry for entry in lineage]
    return copy


def _with_redacted_args(section: Mapping[str, Any]) -> Mapping[str, Any]:
    args = section.get("args")
    if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args):
        return section
    redacted = redact_args(tuple(args))
    return section if list(redacted) == args else {**section, "args": list(redacted)}


def _copy(value: object, key: str = "") -> object:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, Mapping):
        return {storable(str(name)): _copy(item, str(name)) for name, item in value.items()}
    if isinstance(value, list | tuple):
        if key in _REDACTED_KEYS and all(isinstance(item, str) for item in value):
            return list(redact_args(tuple(value)))
        return [_copy(item) for item in value]
    return value


def _secret_end(text: str, start: int, kind: str) -> int:
    """Where the secret starting at ``start`` ends: the end of its token, or of its PEM block."""
    if "private_key" in kind or text.startswith("-----BEGIN", start):
        found = _PEM_END.search(text, start)
        return len(text) if found is None else found.end()
    found = _TOKEN_END.match(text, start)
    return len(text) if found is None else max(found.end(), start + 1)


def joined(args: Sequence[str]) -> str:
    """Arguments as one line, as a shell would take them (quoted where they hold blanks, quotes or shell
    characters), control characters escaped: for summaries and tables."""
    return " ".join(printable(shlex.quote(arg) if _needs_quotes(arg) else arg) for arg in args)


def _needs_quotes(arg: str) -> bool:
    return not arg or any(char.isspace() or char in _SHELL_CHARACTERS for char in arg)


def printable(text: str) -> str:
    """``text`` on one line: newlines, tabs and other control characters escaped."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
