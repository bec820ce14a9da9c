"""jackwatch's compiled reader of Amazon Bedrock model invocation log lines (see ``native/src/lib.rs``)."""

from collections.abc import Mapping
from typing import Any

class InvocationReader:
    """A reader that follows the rules of jackwatch's Python reader, handed over when it is made."""

    def __init__(self, rules: Mapping[str, Any], making: Mapping[str, Any]) -> None:
        """``rules``: what a record keeps and its bodies mean; ``making``: the event and count classes, the memo's
        keys and the constants the events are made of (see ``jackwatch.sources.bedrock_invocation.native``)."""
    def read_lines(
        self, data: bytes, origin: str, complete: bool
    ) -> tuple[list[Any], list[tuple[Any, str | None, str | None]]]:
        """For each line of ``data``: its compact event, or the line for the Python reader; and the events whose
        text the secret scanner must read, with that text."""
