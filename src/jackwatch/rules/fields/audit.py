"""What the fields of audit-log sources share: the actor's network (OpenAI, Anthropic, Google Cloud, Azure), the
fields, principal and evidence of an organisation audit log (OpenAI, Anthropic), and small readers of JSON values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from ipaddress import IPv4Address, IPv6Address

from jackwatch.model import Event
from jackwatch.normalize import Asn, AsnDb, SourceIp, parse_source_ip, user_agent_family
from jackwatch.rules.fields import Extractor, Field, SourceFields

USER_AGENT_EVIDENCE_CHARS = 200
SOURCE_EVIDENCE_CHARS = 64
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


ReadValue = Callable[[Event], object]
"""Reads a raw value of an event (the actor's IP address, its user agent…)."""


class ActorNetwork:
    """Where the actor of an event came from: its IP address (parsed once per event), the autonomous system
    announcing it (looked up once per event) and its user agent, as field extractors and finding evidence.

    ``ip`` and ``agent`` read the raw address and user agent (``agent`` is ``None`` for a source that logs
    none); ``locate`` gives the address whose ASN is looked up when it is not the parsed IP (the network of a
    masked address). Values are kept in the event's memo under names that start with ``prefix``.
    """

    def __init__(
        self,
        prefix: str,
        asn_db: AsnDb,
        ip: ReadValue,
        agent: ReadValue | None = None,
        locate: Callable[[Event], IPv4Address | IPv6Address | None] | None = None,
    ) -> None:
        self.prefix = prefix
        self._ip, self._agent, self._db = ip, agent, asn_db
        self._locate = locate or (lambda event: self.source(event).ip)
        self._source_key, self._asn_key = f"{prefix}.source_ip", f"{prefix}.asn"

    def source(self, event: Event) -> SourceIp:
        """The parsed IP address of the actor (memoised in the event)."""
        found: SourceIp | None = event.memo.get(self._source_key)
        if found is None:
            found = event.memo[self._source_key] = parse_source_ip(self._ip(event))
        return found

    def asn(self, event: Event) -> Asn | None:
        """The autonomous system announcing the actor's address (memoised in the event)."""
        memo = event.memo
        if self._asn_key in memo:
            cached: Asn | None = memo[self._asn_key]
            return cached
        address = self._locate(event)
        found = memo[self._asn_key] = None if address is None else self._db.lookup(address)
        return found

    def agent(self, event: Event) -> str | None:
        """The actor's user agent, as written."""
        return None if self._agent is None else text_of(self._agent(event))

    def ip_text(self, event: Event, _arg: str | None = None) -> str | None:
        """Extractor: the actor's IP address in canonical form."""
        return self.source(event).text

    def asn_label(self, event: Event, _arg: str | None = None) -> str | None:
        """Extractor: the ASN as ``AS<number>``."""
        found = self.asn(event)
        return None if found is None else found.label

    def asn_org(self, event: Event, _arg: str | None = None) -> str | None:
        """Extractor: the organisation holding the ASN."""
        found = self.asn(event)
        return None if found is None else found.org

    def actor_fields(self, ip_where: str, agent_where: str) -> list[Field]:
        """``<prefix>.ip``, ``.asn``, ``.as_org``, ``.user_agent`` and ``.user_agent_family``: the network fields
        of an organisation audit log, whose actor's address and user agent are at ``ip_where`` and ``agent_where``."""

        def family(event: Event, _arg: str | None) -> str | None:
            agent = None if self._agent is None else self._agent(event)
            return user_agent_family(agent).value if isinstance(agent, str) else None

        prefix = self.prefix
        return [
            Field(
                f"{prefix}.ip",
                self.ip_text,
                f"The actor's IP address in canonical form (``{ip_where}``); missing when absent or not an address.",
            ),
            Field(
                f"{prefix}.asn",
                self.asn_label,
                "The autonomous system announcing the actor's IP, as ``AS<number>`` (``AS14061``), from the"
                " packaged offline data; missing for private, unrouted or absent addresses.",
            ),
            Field(f"{prefix}.as_org", self.asn_org, "The organisation holding that autonomous system."),
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
        """``source_ip`` (canonical, else as written), ``asn`` and ``user_agent`` of one event (those it has)."""
        found: dict[str, str] = {}
        source = self.source(event)
        shown = source.text or source.raw.strip()[:SOURCE_EVIDENCE_CHARS]
        if shown:
            found["source_ip"] = shown
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
    """The fields of an organisation audit-log source: ``fields``; the principal of an event is its ``actor``
    (``unknown`` without one); its evidence is the network's, plus the text each extractor of ``evidence``
    gives, under its key."""

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

    every = sorted(fields, key=lambda item: item.name)
    return SourceFields(
        source=source,
        fields={item.name: item for item in every},
        name_field=name_field,
        principal=principal,
        evidence=facts,
    )
