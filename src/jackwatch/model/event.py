"""The time-stamped fact every source produces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSON_OBJECT = (dict, Mapping)
"""The types of a JSON object read from a log: ``dict`` first, which parsed JSON always is, so that ``isinstance``
tells at once."""


@dataclass(slots=True)
class Event:
    """One record from a source, kept as the source wrote it.

    ``name`` is the event type rules are indexed by (CloudTrail's ``eventName``). ``raw`` is never
    modified or copied; fields are read from it through the source's field extractors. ``memo`` caches
    values derived from ``raw`` (the normalised principal, the ASN of the source IP…) so that each is
    computed at most once per event, and only when a rule asks for it.

    An event is never changed once made (``dataclasses.replace`` makes a changed copy). It is not a
    frozen dataclass only because one is made for every record read, and a frozen dataclass takes four
    times as long to make.
    """

    source: str
    name: str
    time: datetime
    id: str
    raw: Mapping[str, Any]
    origin: str = ""
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
