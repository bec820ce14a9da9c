"""An image's configuration: how its containers start (environment, command, user) and how it was built."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jackwatch.errors import ContentError, Location
from jackwatch.inventory.image.documents import json_list, json_object, json_string, json_strings, parse_json


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One build step: ``created_by`` is the command (``/bin/sh -c pip install …``), ``layer`` the diff id of
    the layer it made (``None`` for a step that made none, such as ``ENV``)."""

    created: str | None
    created_by: str
    comment: str
    empty_layer: bool
    layer: str | None


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """The fields of an OCI / Docker image configuration that jackwatch uses.

    ``digest`` is the sha256 of the configuration document: the image ID ``docker images`` shows. ``env``
    keeps the ``NAME=value`` strings as written; ``diff_ids`` are the digests of the uncompressed layers,
    bottom first.
    """

    digest: str
    os: str
    architecture: str
    variant: str | None
    created: str | None
    env: tuple[str, ...]
    entrypoint: tuple[str, ...] | None
    cmd: tuple[str, ...] | None
    working_dir: str
    user: str
    labels: Mapping[str, str] = field(default_factory=dict)
    diff_ids: tuple[str, ...] = ()
    history: tuple[HistoryEntry, ...] = ()

    @property
    def platform(self) -> str:
        """``os/architecture[/variant]`` (``linux/amd64``, ``linux/arm64/v8``)."""
        return "/".join(part for part in (self.os, self.architecture, self.variant) if part)

    @property
    def environment(self) -> dict[str, str]:
        """``env`` as a mapping (the last of duplicate names wins, as in a container)."""
        return dict(_split_variable(item) for item in self.env)

    @classmethod
    def parse(cls, raw: bytes, location: Location) -> ImageConfig:
        """The configuration in the JSON document ``raw``; ``ContentError`` when it is not one."""
        document = json_object(parse_json(raw, location), "image configuration", location)
        container = json_object(document.get("config"), "config", location)
        rootfs = json_object(document.get("rootfs"), "rootfs", location)
        diff_ids = json_strings(rootfs.get("diff_ids"), "rootfs.diff_ids", location) or ()
        labels = json_object(container.get("Labels"), "config.Labels", location)
        if not all(isinstance(value, str) for value in labels.values()):
            raise ContentError("config.Labels: expected string values", location)
        return cls(
            digest=f"sha256:{hashlib.sha256(raw).hexdigest()}",
            os=json_string(document.get("os"), "os", location),
            architecture=json_string(document.get("architecture"), "architecture", location),
            variant=json_string(document.get("variant"), "variant", location) or None,
            created=json_string(document.get("created"), "created", location) or None,
            env=json_strings(container.get("Env"), "config.Env", location) or (),
            entrypoint=json_strings(container.get("Entrypoint"), "config.Entrypoint", location),
            cmd=json_strings(container.get("Cmd"), "config.Cmd", location),
            working_dir=json_string(container.get("WorkingDir"), "config.WorkingDir", location),
            user=json_string(container.get("User"), "config.User", location),
            labels=labels,
            diff_ids=diff_ids,
            history=_history(json_list(document.get("history"), "history", location), diff_ids, location),
        )


def _split_variable(item: str) -> tuple[str, str]:
    name, _, value = item.partition("=")
    return name, value


def _history(steps: list[Any], diff_ids: tuple[str, ...], location: Location) -> tuple[HistoryEntry, ...]:
    """The build steps, each non-empty one paired with the next layer, bottom first."""
    layers = iter(diff_ids)
    entries = []
    for number, item in enumerate(steps):
        what = f"history[{number}]"
        step = json_object(item, what, location)
        empty = step.get("empty_layer") is True
        entries.append(
            HistoryEntry(
                created=json_string(step.get("created"), f"{what}.created", location) or None,
                created_by=json_string(step.get("created_by"), f"{what}.created_by", location),
                comment=json_string(step.get("comment"), f"{what}.comment", location),
                empty_layer=empty,
                layer=None if empty else next(layers, None),
            )
        )
    return tuple(entries)
