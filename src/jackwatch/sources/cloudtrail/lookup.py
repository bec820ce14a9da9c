"""CloudTrail from the LookupEvents API (event history, management events of the last 90 days).

Event history is kept per region, so every enabled region is read, each to its last page. A region
that fails (denied, not enabled) is counted as a failed input and the others are still read; missing
credentials or an unreachable endpoint stop the whole read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from jackwatch.aws import FATAL_ERRORS, AwsAccess, describe, enabled_regions
from jackwatch.errors import Location, SourceError
from jackwatch.model import Event
from jackwatch.sources.reading.context import ReadContext
from jackwatch.sources.reading.records import Converter

if TYPE_CHECKING:
    from mypy_boto3_cloudtrail.type_defs import EventTypeDef

PAGE_SIZE = 50
"""The most events LookupEvents returns per page."""


def read_lookup(regions: Sequence[str], access: AwsAccess, context: ReadContext) -> Iterator[Event]:
    """Events from LookupEvents in ``regions`` (empty: every enabled region), within the time window."""
    for region in regions or enabled_regions(access):
        yield from _read_region(region, access, context)


def _read_region(region: str, access: AwsAccess, context: ReadContext) -> Iterator[Event]:
    """Every page of one region's event history."""
    origin = f"lookup://{region}"
    context.progress(origin)
    convert = Converter(origin, context)
    window = context.window
    arguments: dict[str, Any] = {"PaginationConfig": {"PageSize": PAGE_SIZE}}
    if window.since is not None:
        arguments["StartTime"] = window.since
    if window.until is not None:
        arguments["EndTime"] = window.until
    stats = context.stats
    try:
        for page in access.cloudtrail(region).get_paginator("lookup_events").paginate(**arguments):
            for item in page.get("Events", ()):
                event = _event(item, convert)
                if event is not None:
                    yield event
    except FATAL_ERRORS as exc:
        raise SourceError(f"cannot look up CloudTrail events in {region}: {describe(exc)}") from exc
    except (ClientError, BotoCoreError) as exc:
        stats.files_failed += 1
        stats.skip("unreadable", Location(origin), f"LookupEvents failed: {describe(exc)}")
        return
    stats.files_read += 1


def _event(item: EventTypeDef, convert: Converter) -> Event | None:
    """The event of one LookupEvents result, from its ``CloudTrailEvent`` JSON string."""
    text = item.get("CloudTrailEvent")
    name = item.get("EventId", "?")
    if not isinstance(text, str):
        convert.problem("missing_field", f"event {name}: no CloudTrailEvent")
        return None
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        convert.problem("invalid_json", f"event {name}: CloudTrailEvent is not JSON ({exc.msg})")
        return None
    return convert(raw)
