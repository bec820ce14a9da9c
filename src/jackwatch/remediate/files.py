"""A change of one file (its text before and after, and the unified diff between them), read and written safely:
UTF-8 text only, written by atomic replacement (a temporary file in the same folder, then renamed over the file, its
permissions kept), refused when the file changed since it was read."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jackwatch.errors import Location
from jackwatch.remediate.diff import redact_secrets, unified_diff
from jackwatch.remediate.errors import FixError

MAX_FILE_BYTES = 64 * 1024 * 1024
"""The largest file a fix reads (as the manifest reader)."""


@dataclass(frozen=True, slots=True)
class FileChange:
    """``path`` going from ``old`` to ``new``; ``notes`` say what else to know (a layout that could not be kept…)."""

    path: str
    old: str
    new: str
    notes: tuple[str, ...] = ()

    @property
    def diff(self) -> str:
        """The unified diff (``--- path`` / ``+++ path``)."""
        return unified_diff(self.old, self.new, self.path)

    @property
    def shown_diff(self) -> str:
        """The diff as it may be shown: keys in its lines redacted (such a diff no longer applies there)."""
        return redact_secrets(self.diff)[0]


def read_text(path: Path) -> str:
    """The UTF-8 text of ``path`` (a leading byte order mark dropped); a :class:`FixError` when it cannot be read."""
    where = Location(str(path))
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FixError(f"larger than {MAX_FILE_BYTES} bytes", where)
        data = path.read_bytes()
    except OSError as error:
        raise FixError(f"cannot read the file: {error.strerror or error}", where) from None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise FixError(f"not UTF-8 text (byte {error.start})", where) from None


def write_change(change: FileChange, path: Path) -> None:
    """Write ``change.new`` to ``path`` by atomic replacement, unless the file no longer holds ``change.old``."""
    if read_text(path) != change.old:
        raise FixError("the file changed while the fix was being made: run the command again", Location(str(path)))
    target = path.resolve()
    mode = target.stat().st_mode & 0o7777
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".jackwatch", dir=target.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            stream.write(change.new)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise FixError(f"cannot write the file: {error.strerror or error}", Location(str(path))) from None
