"""The event sources rules can be written for: which ones jackwatch reads, and how.

A rule's ``source`` names an :class:`EventSource` of the registry; its fields are checked and its
events are built with the source's ``make_event``. Rules for Falco sources jackwatch does not read
yet (``k8s_audit``…) still load, but are not evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jackwatch.model import Event
from jackwatch.rules.fields import SourceFields

if TYPE_CHECKING:
    from jackwatch.normalize import AsnDb

MakeEvent = Callable[[Mapping[str, Any], str], Event]
"""``make_event(raw, origin)``: build an event from one raw record; ``origin`` tells where it came from."""

FALCO_SOURCES = frozenset({"syscall", "k8s_audit", "aws_cloudtrail", "okta", "github", "gcp_auditlog"})
"""Event sources of the Falco rule files, whether jackwatch reads them or not."""


@dataclass(frozen=True, slots=True)
class EventSource:
    """A source jackwatch reads: its fields and how one raw record becomes an event."""

    fields: SourceFields
    make_event: MakeEvent

    @property
    def name(self) -> str:
        """The source name rules use (``aws_cloudtrail``)."""
        return self.fields.source


@dataclass(frozen=True, slots=True)
class SourceRegistry:
    """Source name → :class:`EventSource`, plus the names known but not read."""

    sources: Mapping[str, EventSource] = field(default_factory=dict)
    known: frozenset[str] = FALCO_SOURCES

    @classmethod
    def of(cls, sources: Iterable[EventSource], known: frozenset[str] = FALCO_SOURCES) -> SourceRegistry:
        """A registry of ``sources`` (by their name)."""
        return cls({source.name: source for source in sources}, known)

    def get(self, name: str) -> EventSource | None:
        """The source called ``name``, or ``None`` when jackwatch does not read it."""
        return self.sources.get(name)

    @property
    def unsupported(self) -> frozenset[str]:
        """Known source names jackwatch does not read yet."""
        return self.known - self.sources.keys()


def not_read(source: str) -> str:
    """Why rules of ``source`` are not evaluated."""
    return f"source {source!r} is not read by jackwatch yet"


def default_registry(asn_db: AsnDb) -> SourceRegistry:
    """The sources jackwatch reads (``asn_db`` serves IP → ASN lookups)."""
    from jackwatch.rules.fields import (
        anthropic_activity,
        azure_openai,
        bedrock_invocation,
        cloudtrail,
        falco_alert,
        gcp_audit,
        openai_audit,
        syscall,
        usage,
    )
    from jackwatch.sources.anthropic import records as anthropic_records
    from jackwatch.sources.azure import records as azure_records
    from jackwatch.sources.bedrock_invocation import records as bedrock_invocation_records
    from jackwatch.sources.cloudtrail import records as cloudtrail_records
    from jackwatch.sources.falco import records as falco_records
    from jackwatch.sources.gcp import records as gcp_records
    from jackwatch.sources.openai import records as openai_records
    from jackwatch.sources.usage import row as usage_row

    return SourceRegistry.of(
        [
            EventSource(cloudtrail.cloudtrail_fields(asn_db), cloudtrail_records.to_event),
            EventSource(bedrock_invocation.bedrock_invocation_fields(), bedrock_invocation_records.to_event),
            EventSource(gcp_audit.gcp_audit_fields(asn_db), gcp_records.to_event),
            EventSource(azure_openai.azure_openai_fields(asn_db), azure_records.to_event),
            EventSource(openai_audit.openai_audit_fields(asn_db), openai_records.to_event),
            EventSource(anthropic_activity.anthropic_activity_fields(asn_db), anthropic_records.to_event),
            EventSource(usage.usage_fields(), usage_row.event_from_record),
            EventSource(syscall.syscall_fields(), syscall.to_event),
            EventSource(falco_alert.falco_alert_fields(), falco_records.to_event),
        ]
    )
