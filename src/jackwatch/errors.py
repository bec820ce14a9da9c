"""One exception tree for jackwatch. Content errors carry the location of the bad input."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """Where in the input a problem is: a path (or ``<stdin>``, ``s3://…``) and a 1-based line/column."""

    path: str
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f":{self.line}"
            if self.col is not None:
                text += f":{self.col}"
        return text


class JackwatchError(Exception):
    """Root of every error jackwatch raises on purpose."""


class ContentError(JackwatchError):
    """Bad input content (a log record, a rule file…), with its location when known."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        self.message = message
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class YamlError(ContentError):
    """A YAML document that cannot be parsed (syntax error, unsupported construct)."""


class ConfigError(JackwatchError):
    """Bad configuration or command-line usage."""


class SourceError(JackwatchError):
    """A source could not be read at all (missing file, unreachable bucket, denied API call)."""


class RuleLoadError(ContentError):
    """A rule file, list, macro or rule is invalid."""


class ConditionError(RuleLoadError):
    """A rule condition cannot be parsed or compiled."""


class StoreError(JackwatchError):
    """The finding store cannot be opened, migrated or written."""
