"""What the fields of audit-log sources (OpenAI, Anthropic) share: the actor's network, the source's fields,
principal and evidence, and small readers of JSON values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jackwatch.model import Event
from jackwatch.normalize import Asn, AsnDb, SourceIp, parse_source_ip, user_agent_family
from jackwatch.rules.fields import Extractor, Field, SourceFields

USER_AGENT_EVIDENCE_CHARS = 200
UNKNOWN = "unknown"


def value_at(value: object, *path: str) -> object:
    """The value at ``path`` in ``value``, or ``None`` when a step is missing or not an object."""
    for key in path:
        if type(value) is not dict and not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def text_of(value: object) -> str | None:
    """``value`` when it is non-empty text, else ``None``."""
    return value if isinstance(value, str) and value else None


def texts_of(value: object) -> tuple[str, ...] | None:
    """The text items of a JSON array as a tuple (other items left out); ``None`` when not an array."""
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else None


class ActorNetwork:
    """Where an audit record's actor came from: the IP (parsed once per event), its ASN and the user agent,
    as ``<prefix>.ip``, ``.asn``, ``.as_org``, ``.user_agent`` and ``.user_agent_family`` fields and as
    finding evidence. ``ip`` and ``agent`` read the raw values; ``where`` names them in field docs."""

    def __init__(
        self,
        prefix: str,
        ip: Callable[[Mapping[str, Any]], object],
        agent: Callable[[Mapping[str, Any]], object],
        where: tuple[str, str],
        asn_db: AsnDb,
    ) -> None:
        self.prefix = prefix
        self._ip, self._agent, self._where, self._db = ip, agent, where, asn_db

    def source(self, event: Event) -> SourceIp:
        """The parsed IP address of the actor (memoised in the event)."""
        key = f"{self.prefix}.source_ip"
        found: SourceIp | None = event.memo.get(key)
        if found is None:
            found = event.memo[key] = parse_source_ip(self._ip(event.raw))
        return found

    def asn(self, event: Event) -> Asn | None:
        """The autonomous system announcing the actor's IP (memoised in the event)."""
        key = f"{self.prefix}.asn"
        memo = event.memo
        if key in memo:
            cached: Asn | None = memo[key]
            return cached
        ip = self.source(event).ip
        found = memo[key] = None if ip is None else self._db.lookup(ip)
        return found

    def agent(self, event: Event) -> str | None:
        """The actor's user agent, as written."""
        return text_of(self._agent(event.raw))

    def fields(self) -> list[Field]:
        """The network fields of the source."""
        ip_where, agent_where = self._where

        def asn_label(event: Event, _arg: str | None) -> str | None:
            found = self.asn(event)
            return None if found is None else found.label

        def asn_org(event: Event, _arg: str | None) -> str | None:
            found = self.asn(event)
            return None if found is None else found.org

        def family(event: Event, _arg: str | None) -> str | None:
            agent = self._agent(event.raw)
            return user_agent_family(agent).value if isinstance(agent, str) else None

        prefix = self.prefix
        return [
            Field(
                f"{prefix}.ip",
                lambda event, _arg: self.source(event).text,
                f"The actor's IP address in canonical form (``{ip_where}``); missing when absent or not an address.",
            ),
            Field(
                f"{prefix}.asn",
                asn_label,
                "The autonomous system announcing the actor's IP, as ``AS<number>`` (``AS14061``), from the"
                " packaged offline data; missing for private, unrouted or absent addresses.",
            ),
            Field(f"{prefix}.as_org", asn_org, "The organisation holding that autonomous system."),
            Field(
                f"{prefix}.user_agent",
                lambda event, _arg: self.agent(event),
                f"The actor's user agent (``{agent_where}``).",
            ),
            Field(
                f"{prefix}.user_agent_family",
                family,
                "The user agent's family: ``browser``, ``http_library`` (curl, python-requests, aiohttp…),"
                " ``empty`` (blank) or ``other`` (and the AWS families, which these logs do not show); missing"
                " when the record has no user agent.",
            ),
        ]

    def evidence(self, event: Event) -> dict[str, str]:
        """``source_ip``, ``asn`` and ``user_agent`` of one event (those it has)."""
        found: dict[str, str] = {}
        ip = self.source(event).text
        if ip:
            found["source_ip"] = ip
        asn = self.asn(event)
        if asn is not None:
            found["asn"] = str(asn)
        agent = self.agent(event)
        if agent and agent.strip():
            found["user_agent"] = agent[:USER_AGENT_EVIDENCE_CHARS]
        return found


def audit_source_fields(
    source: str,
    name_field: str,
    fields: list[Field],
    network: ActorNetwork,
    actor: Extractor,
    evidence: Mapping[str, Extractor],
) -> SourceFields:
    """The fields of an audit-log source: ``fields`` and the network's; the principal of an event is its
    ``actor`` (``unknown`` without one); its evidence is the network's, plus the text each extractor of
    ``evidence`` gives, under its key."""

    def principal(event: Event) -> str:
        found = actor(event, None)
        return found if isinstance(found, str) and found else UNKNOWN

    def facts(event: Event) -> dict[str, str]:
        found = network.evidence(event)
        for key, extract in evidence.items():
            value = extract(event, None)
            if isinstance(value, str):
                found[key] = value
        return found

    every = sorted([*fields, *network.fields()], key=lambda item: item.name)
    return SourceFields(
        source=source,
        fields={item.name: item for item in every},
        name_field=name_field,
        principal=principal,
        evidence=facts,
    )
