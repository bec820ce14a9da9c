"""How a user names an image in an archive: a reference (``app:1.0``, ``docker.io/library/app``), a digest
(``sha256:…``, or its first 12 hex digits as ``docker images`` shows them), and a platform (``linux/arm64``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from jackwatch.errors import ConfigError

DEFAULT_PLATFORM = "linux/amd64"
SHORT_DIGEST = 12
"""Hex digits a digest prefix needs to name an image."""

_HEX_PREFIX = re.compile(rf"[0-9a-f]{{{SHORT_DIGEST},64}}")


def normalize_reference(reference: str) -> str:
    """The full form of a Docker reference: ``app`` → ``docker.io/library/app:latest``."""
    name, _, digest = reference.partition("@")
    slash, colon = name.rfind("/"), name.rfind(":")
    name, tag = (name[:colon], name[colon + 1 :]) if colon > slash else (name, "" if digest else "latest")
    parts = name.split("/")
    if len(parts) == 1 or not ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts.insert(0, "docker.io")
    if parts[0] == "index.docker.io":
        parts[0] = "docker.io"
    if parts[0] == "docker.io" and len(parts) == 2:
        parts.insert(1, "library")
    return "/".join(parts) + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


def names_image(query: str, references: Iterable[str], digests: Iterable[str]) -> bool:
    """Whether ``query`` names an image known by these references and digests."""
    if "@" in query:
        query = query.partition("@")[2]
    elif not query.startswith("sha256:") and not _HEX_PREFIX.fullmatch(query):
        wanted = normalize_reference(query)
        return any(query == reference or wanted == normalize_reference(reference) for reference in references)
    prefix = query if query.startswith("sha256:") else f"sha256:{query}"
    if len(prefix) < len("sha256:") + SHORT_DIGEST:
        return False
    return any(digest.startswith(prefix) for digest in digests)


@dataclass(frozen=True, slots=True)
class Platform:
    """An operating system and CPU architecture, with the CPU variant when one is given."""

    os: str
    architecture: str
    variant: str | None = None

    @classmethod
    def parse(cls, text: str) -> Platform:
        """``linux/amd64``, ``linux/arm64/v8``; ``ConfigError`` for anything else."""
        parts = text.strip().lower().split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise ConfigError(f"invalid platform {text!r}: expected os/architecture[/variant], e.g. linux/arm64")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)

    def accepts(self, other: Platform) -> bool:
        """Whether ``other`` is this platform (a platform without variant accepts every variant)."""
        if (self.os, self.architecture) != (other.os, other.architecture):
            return False
        return self.variant is None or self.variant == _default_variant(other)

    def __str__(self) -> str:
        return "/".join(part for part in (self.os, self.architecture, self.variant) if part)


def _default_variant(platform: Platform) -> str | None:
    """arm64 images without a variant are v8, as containerd reads them."""
    return platform.variant or ("v8" if platform.architecture == "arm64" else None)
