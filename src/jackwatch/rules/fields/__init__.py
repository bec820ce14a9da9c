"""Field extractors: how a rule condition reads a value from an event of a given source.

Each source registers one :class:`SourceFields`. A field's extractor returns ``None`` when the event
does not have it (Falco semantics: every comparison on a missing field is false, ``exists`` is false);
list-valued fields return a ``tuple``.

A field that ``matches_any`` is a list whose every comparison holds when one of its elements satisfies it,
``in`` included (Falco's ``proc.aname`` without index: any ancestor). A field that is not ``available`` is
one of Falco's that jackwatch cannot provide: rules whose conditions use it load but are not evaluated, and
outputs show it as ``<NA>``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from jackwatch.model import Event, Severity

Extractor = Callable[[Event, str | None], object]
"""``extract(event, arg)``; ``arg`` is the index argument (``proc.aname[2]`` → ``"2"``) or ``None``."""


class ArgMode(StrEnum):
    """Whether a field takes an index argument in brackets."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True, slots=True)
class Field:
    """One named field of a source."""

    name: str
    extract: Extractor
    doc: str
    arg: ArgMode = ArgMode.NONE
    is_list: bool = False
    matches_any: bool = False
    available: bool = True


@dataclass(frozen=True, slots=True)
class Restated:
    """What the finding of an event is about when the event is itself another tool's alert (a Falco alert
    names its rule and priority): the finding's rule id, title, severity and MITRE ids."""

    id: str
    title: str
    severity: Severity
    mitre: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceFields:
    """The fields of one event source and how its events are attributed.

    ``name_field`` is the field that holds ``Event.name`` (``ct.name`` for CloudTrail): conditions that
    pin it (``ct.name = X``, ``ct.name in (…)``) let the engine index a rule by event name;
    ``partition_field`` (``ct.src``: the AWS service) is the second, coarser index for rules that pin no name.
    ``retain`` makes the compact copy of an event that stateful rules keep while they wait for more
    (enough for the principal, the evidence and outputs), so that memory does not grow with record size.
    ``principal`` gives the stable identity a finding is about; ``evidence`` gives the per-event facts a
    finding aggregates (region, source IP, ASN, user agent). ``scrub`` rewrites a rendered output line before it
    is shown or stored (the secrets a command line may hold are redacted). ``restate`` is for sources whose events
    are alerts already: the rule a finding of the event is about, instead of the rule that matched it.
    """

    source: str
    fields: Mapping[str, Field]
    name_field: str
    principal: Callable[[Event], str]
    evidence: Callable[[Event], Mapping[str, str]]
    partition_field: str | None = None
    retain: Callable[[Event], Event] | None = None
    scrub: Callable[[str], str] | None = None
    restate: Callable[[Event], Restated | None] | None = None
