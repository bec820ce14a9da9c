"""Fields of the ``falco_alert`` source: one alert Falco raised (its JSON output), and the fields it carries.

``falco.*`` read the alert itself (rule, priority, output, tags…); ``falco.field[<name>]`` reads one of its
``output_fields`` by Falco's field name, and the usual context fields (``container.id``, ``k8s.pod.name``,
``proc.cmdline``…) read theirs directly. A finding of an alert is about its container, as for the ``syscall``
source (the 12-character ``container.id``, or ``host:<hostname>``), and is named after the Falco rule:
``falco.<rule name in lowercase, other characters as _>`` with the alert's priority as severity.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jackwatch.model import Event, Severity
from jackwatch.rules.fields import ArgMode, Extractor, Field, Restated, SourceFields
from jackwatch.rules.fields.syscall import HOST, LINEAGE_SEPARATOR, SHORT_ID, scrub
from jackwatch.rules.items import all_mitre

SOURCE = "falco_alert"
NAME_FIELD = "falco.rule"
RULE_PREFIX = "falco."
_EMPTY: Mapping[str, Any] = {}
_ANCESTORS = 7
"""How far up ``proc.aname[n]`` the lineage of an alert is read (Falco's rules show up to ``[7]``)."""


def rule_id(rule: str) -> str:
    """The finding rule id of a Falco rule: ``Terminal shell in container`` → ``falco.terminal_shell_in_container``."""
    return RULE_PREFIX + (re.sub(r"[^a-z0-9]+", "_", rule.lower()).strip("_") or "unnamed")


def _output_fields(event: Event) -> Mapping[str, Any]:
    found = event.raw.get("output_fields")
    return found if isinstance(found, Mapping) else _EMPTY


def _top(key: str) -> Extractor:
    def extract(event: Event, _arg: str | None) -> str | None:
        value = event.raw.get(key)
        return value if isinstance(value, str) and value else None

    return extract


def _tags(event: Event, _arg: str | None) -> tuple[str, ...] | None:
    tags = event.raw.get("tags")
    return tuple(tag for tag in tags if isinstance(tag, str)) if isinstance(tags, list) else None


def _value(value: object) -> object:
    """An output field's value as a condition reads it: text, number or boolean; ``None`` (``<NA>``) is missing."""
    if value is None or value == "<NA>":
        return None
    return value if isinstance(value, str | int | float | bool) else str(value)


def _field(event: Event, arg: str | None) -> object:
    return None if arg is None else _value(_output_fields(event).get(arg.strip()))


def _named(name: str) -> Extractor:
    return lambda event, _arg: _value(_output_fields(event).get(name))


def _severity(event: Event, _arg: str | None) -> str | None:
    priority = event.raw.get("priority")
    try:
        return Severity.from_priority(priority).value if isinstance(priority, str) else None
    except ValueError:
        return None


_CONTEXT = (
    "container.id",
    "container.name",
    "container.image",
    "container.image.repository",
    "container.image.tag",
    "k8s.ns.name",
    "k8s.pod.name",
    "proc.name",
    "proc.exepath",
    "proc.cmdline",
    "proc.pname",
    "proc.pid",
    "user.name",
    "user.uid",
    "fd.name",
    "evt.type",
)
"""Output fields read under their own names (when the alert's rule showed them)."""

_FIELDS: tuple[tuple[str, Extractor, str], ...] = (
    ("falco.rule", lambda event, _arg: event.name, "The name of the Falco rule that raised the alert."),
    ("falco.priority", _top("priority"), "The alert's priority as Falco writes it (``Warning``, ``Critical``…)."),
    (
        "falco.severity",
        _severity,
        "jackwatch's severity of the priority: ``critical`` (Emergency, Alert, Critical), ``high`` (Error),"
        " ``medium`` (Warning), ``low`` (Notice) or ``info``.",
    ),
    ("falco.output", _top("output"), "The alert's rendered output line."),
    ("falco.source", _top("source"), "The Falco event source of the rule (``syscall``, ``k8s_audit``…)."),
    ("falco.hostname", _top("hostname"), "The host Falco ran on."),
    ("falco.time", _top("time"), "The time of the alert as Falco writes it (RFC 3339, nanoseconds)."),
    ("falco.uuid", _top("uuid"), "The alert's unique id, when Falco writes one."),
)


def _all_fields() -> list[Field]:
    fields = [Field(name, extract, doc) for name, extract, doc in _FIELDS]
    fields.append(
        Field("falco.tags", _tags, "The rule's tags (``container``, ``mitre_execution``, ``T1059``…).", is_list=True)
    )
    fields.append(
        Field(
            "falco.field",
            _field,
            "An output field of the alert by its Falco name (``falco.field[proc.aname[2]]``); ``<NA>`` and"
            " ``null`` are missing.",
            ArgMode.REQUIRED,
        )
    )
    fields += [Field(name, _named(name), f"The alert's ``{name}`` output field.") for name in _CONTEXT]
    return fields


def principal(event: Event) -> str:
    """The container of the alert (its 12-character id), or ``host:<hostname>`` when it has none."""
    container = _output_fields(event).get("container.id")
    if isinstance(container, str) and container and container not in (HOST, "<NA>"):
        return container[:SHORT_ID]
    hostname = event.raw.get("hostname")
    return f"host:{hostname if isinstance(hostname, str) and hostname else 'unknown'}"


def _text(fields: Mapping[str, Any], name: str) -> str | None:
    value = _value(fields.get(name))
    return None if value is None else str(value)


def _lineage(fields: Mapping[str, Any]) -> str | None:
    """``proc.aname[n]`` … ``proc.pname`` ``proc.name``, oldest first, as far as the alert shows them."""
    names = [_text(fields, f"proc.aname[{level}]") for level in range(_ANCESTORS, 1, -1)]
    names += [_text(fields, "proc.pname"), _text(fields, "proc.name")]
    known = [name for name in names if name]
    return LINEAGE_SEPARATOR.join(known) if known else None


def _evidence(event: Event) -> dict[str, str]:
    fields = _output_fields(event)
    container = _text(fields, "container.id")
    repository, tag = _text(fields, "container.image.repository"), _text(fields, "container.image.tag")
    image = _text(fields, "container.image") or (f"{repository}:{tag}" if repository and tag else repository)
    namespace, pod = _text(fields, "k8s.ns.name"), _text(fields, "k8s.pod.name")
    command = _text(fields, "proc.cmdline")
    facts = {
        "container": container[:SHORT_ID] if container and container != HOST else container,
        "container_name": _text(fields, "container.name") if container != HOST else None,
        "image": image,
        "pod": f"{namespace}/{pod}" if namespace and pod else pod,
        "host": _top("hostname")(event, None),
        "lineage": _lineage(fields),
        "executable": _text(fields, "proc.exepath"),
        "command": None if command is None else scrub(command),
        "user": _text(fields, "user.name"),
        "file": _text(fields, "fd.name"),
    }
    return {key: value for key, value in facts.items() if isinstance(value, str) and value}


def restate(event: Event) -> Restated | None:
    """The finding's rule: ``falco.<rule>``, titled with the rule's name, the alert's priority as severity, and the
    MITRE ids of its tags."""
    priority = event.raw.get("priority")
    try:
        severity = Severity.from_priority(priority) if isinstance(priority, str) else None
    except ValueError:
        severity = None
    if severity is None:
        return None
    tags = _tags(event, None) or ()
    return Restated(rule_id(event.name), event.name, severity, all_mitre([], list(tags)))


def falco_alert_fields() -> SourceFields:
    """The fields of the ``falco_alert`` source."""
    fields = sorted(_all_fields(), key=lambda item: item.name)
    return SourceFields(
        source=SOURCE,
        fields={item.name: item for item in fields},
        name_field=NAME_FIELD,
        principal=principal,
        evidence=_evidence,
        scrub=scrub,
        restate=restate,
    )
