"""CloudTrail trails: which exist (``DescribeTrails`` in every region, shadow trails included, so multi-region and
organization trails are seen once each), whether each is logging (``GetTrailStatus``), and whether its event
selectors (``GetEventSelectors``, basic or advanced) log read-only management events — Bedrock's inference calls
(``InvokeModel``, ``Converse``…) are read-only management events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jackwatch.inventory.aws.clients import AwsClients, Calls, each
from jackwatch.inventory.aws.model import BEDROCK_SERVICE, Trail

BEDROCK_READ_EVENT = {
    "eventCategory": "Management",
    "readOnly": "true",
    "eventSource": BEDROCK_SERVICE,
    "eventName": "InvokeModel",
    "eventType": "AwsApiCall",
}
"""The event a trail must record: a Bedrock inference call, a read-only management event."""


def read_trails(clients: AwsClients, calls: Calls, regions: Sequence[str]) -> tuple[tuple[Trail, ...], tuple[str, ...]]:
    """Every trail that applies to one of ``regions``, and the regions whose trails could be listed."""
    listed = list(each(regions, lambda region: (region, _describe(clients, calls, region))))
    unique: dict[str, Mapping[str, Any]] = {}
    for _, trails in listed:
        for raw in trails or ():
            unique.setdefault(str(raw.get("TrailARN", raw.get("Name", ""))), raw)
    read = tuple(region for region, trails in listed if trails is not None)
    found = tuple(each(unique.values(), lambda raw: _trail(clients, calls, raw)))
    return tuple(sorted(found, key=lambda trail: trail.arn)), read


def _describe(clients: AwsClients, calls: Calls, region: str) -> list[Mapping[str, Any]] | None:
    return calls.run(
        lambda: list(clients.client("cloudtrail", region).describe_trails(includeShadowTrails=True)["trailList"]),
        service="cloudtrail",
        operation="DescribeTrails",
        region=region,
        scope="trails",
    )


def _trail(clients: AwsClients, calls: Calls, raw: Mapping[str, Any]) -> Trail:
    arn = str(raw.get("TrailARN", ""))
    name = str(raw.get("Name", arn))
    home = str(raw.get("HomeRegion", ""))
    client = clients.client("cloudtrail", home)
    status = calls.run(
        lambda: client.get_trail_status(Name=arn or name),
        service="cloudtrail",
        operation="GetTrailStatus",
        region=home,
        scope=f"whether trail {name} is logging",
    )
    selectors = calls.run(
        lambda: client.get_event_selectors(TrailName=arn or name),
        service="cloudtrail",
        operation="GetEventSelectors",
        region=home,
        scope=f"what trail {name} logs",
    )
    kind: str | None = None
    listed: tuple[Mapping[str, Any], ...] = ()
    reads: bool | None = None
    why: str | None = None
    if selectors is not None:
        kind, listed = selector_list(selectors)
        why = why_no_reads(kind, listed)
        reads = why is None
    return Trail(
        arn=arn,
        name=name,
        home_region=home,
        multi_region=bool(raw.get("IsMultiRegionTrail")),
        organization=bool(raw.get("IsOrganizationTrail")),
        logging=None if status is None else bool(status.get("IsLogging")),
        reads_management=reads,
        selectors_kind=kind,
        selectors=listed,
        s3_bucket=raw.get("S3BucketName"),
        why_not=why,
    )


def selector_list(reply: Mapping[str, Any]) -> tuple[str, tuple[Mapping[str, Any], ...]]:
    """``("advanced", …)`` or ``("basic", …)`` with the selectors of a ``GetEventSelectors`` reply."""
    advanced = reply.get("AdvancedEventSelectors") or []
    if advanced:
        return "advanced", tuple(advanced)
    return "basic", tuple(reply.get("EventSelectors") or [])


def why_no_reads(kind: str, selectors: Sequence[Mapping[str, Any]]) -> str | None:
    """Why selectors of ``kind`` do not log Bedrock's read-only management events, ``None`` when they do.

    No selector at all is the trail's default: every management event.
    """
    if not selectors:
        return None
    if kind == "advanced":
        return _advanced_why(selectors)
    management = [s for s in selectors if s.get("IncludeManagementEvents", True)]
    if not management:
        return "its event selectors exclude management events"
    reading = [s for s in management if s.get("ReadWriteType", "All") in ("All", "ReadOnly")]
    if not reading:
        return "it logs only write management events (ReadWriteType WriteOnly)"
    if all(BEDROCK_SERVICE in (s.get("ExcludeManagementEventSources") or ()) for s in reading):
        return f"its event selectors exclude {BEDROCK_SERVICE}"
    return None


def _advanced_why(selectors: Sequence[Mapping[str, Any]]) -> str | None:
    reasons = []
    for selector in selectors:
        fields = selector.get("FieldSelectors") or []
        failed = [str(field.get("Field")) for field in fields if not field_passes(field, BEDROCK_READ_EVENT)]
        if not failed:
            return None
        category = next((f for f in fields if f.get("Field") == "eventCategory"), None)
        if category is not None and field_passes(category, BEDROCK_READ_EVENT):
            reasons.append(f"selector {selector.get('Name') or '(unnamed)'} filters on {', '.join(failed)}")
    if not reasons:
        return "its advanced event selectors exclude management events"
    return "; ".join(reasons) + " and so leaves out read-only Bedrock calls"


def field_passes(field: Mapping[str, Any], event: Mapping[str, str]) -> bool:
    """Whether ``event`` meets every condition of one advanced field selector (a field the event does not have
    meets only negative conditions)."""
    value = event.get(str(field.get("Field")))
    for operator, wanted in field.items():
        if operator == "Field" or not isinstance(wanted, list):
            continue
        items = [str(item) for item in wanted]
        if operator == "Equals":
            ok = value in items
        elif operator == "NotEquals":
            ok = value not in items
        elif operator == "StartsWith":
            ok = value is not None and any(value.startswith(item) for item in items)
        elif operator == "NotStartsWith":
            ok = value is None or not any(value.startswith(item) for item in items)
        elif operator == "EndsWith":
            ok = value is not None and any(value.endswith(item) for item in items)
        elif operator == "NotEndsWith":
            ok = value is None or not any(value.endswith(item) for item in items)
        else:
            continue
        if not ok:
            return False
    return True
