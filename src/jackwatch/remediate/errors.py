"""The error of a fix that cannot be made or applied safely."""

from __future__ import annotations

from jackwatch.errors import ContentError


class FixError(ContentError):
    """A fix that cannot be made, verified or applied: the file no longer matches the finding, the edit would not
    give the object the patch describes, the file does not declare the package… (with the file's location)."""
