"""Container image references as Kubernetes manifests write them: ``[registry/]path[:tag][@digest]``.

The registry is the first segment when it looks like a host (has a ``.`` or a ``:``, or is ``localhost``); Docker
Hub names get ``docker.io`` (and ``library/`` for official images) in :attr:`ImageRef.canonical`. A digest is
valid as the OCI image spec defines it: ``algorithm:encoded``, with ``sha256`` and ``blake3`` 64 lowercase hex
digits and ``sha512`` 128; other algorithms only need the general grammar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ALGORITHM = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*")
_ENCODED = re.compile(r"[a-zA-Z0-9=_-]+")
_REGISTERED = {
    "sha256": re.compile(r"[a-f0-9]{64}"),
    "sha512": re.compile(r"[a-f0-9]{128}"),
    "blake3": re.compile(r"[a-f0-9]{64}"),
}


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A parsed image reference: ``registry`` (empty for Docker Hub), ``path``, ``tag`` and ``digest`` (``None``
    when absent)."""

    text: str
    registry: str
    path: str
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        """``registry/path`` as written (``path`` alone for Docker Hub)."""
        return f"{self.registry}/{self.path}" if self.registry else self.path

    @property
    def canonical(self) -> str:
        """The fully qualified reference (``docker.io/library/nginx:1.25``); an untagged, undigested image is
        ``:latest``."""
        registry = self.registry or "docker.io"
        path = self.path if self.registry or "/" in self.path else f"library/{self.path}"
        text = f"{registry}/{path}"
        if self.tag is not None or self.digest is None:
            text += f":{self.tag or 'latest'}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    @property
    def pinned(self) -> bool:
        """Whether the reference has a valid digest."""
        return self.digest is not None and valid_digest(self.digest)

    @property
    def floating(self) -> bool:
        """Whether the reference names no fixed version: no digest, and no tag or ``latest``."""
        return self.digest is None and (self.tag is None or self.tag == "latest")


def parse_image(text: str) -> ImageRef:
    """Parse ``text`` (never fails: odd input gives odd parts)."""
    rest, _, digest = text.strip().partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    tag = None
    if colon > slash:
        rest, tag = rest[:colon], rest[colon + 1 :]
    first, _, remainder = rest.partition("/")
    if remainder and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, remainder
    else:
        registry, path = "", rest
    return ImageRef(text, registry, path, tag or None, digest or None)


def valid_digest(digest: str) -> bool:
    """Whether ``digest`` is a valid OCI digest (registered algorithms checked for their exact form)."""
    algorithm, separator, encoded = digest.partition(":")
    if not separator or not _ALGORITHM.fullmatch(algorithm) or not _ENCODED.fullmatch(encoded):
        return False
    registered = _REGISTERED.get(algorithm)
    return registered is None or registered.fullmatch(encoded) is not None


def exempt(image: ImageRef, repositories: tuple[str, ...]) -> bool:
    """Whether the image's repository is one of ``repositories`` or under one (whole path segments:
    ``internal-registry`` covers ``internal-registry/nginx``, not ``internal-registry-attacker/app``)."""
    name = image.repository
    return any(name == prefix.rstrip("/") or name.startswith(prefix.rstrip("/") + "/") for prefix in repositories)
