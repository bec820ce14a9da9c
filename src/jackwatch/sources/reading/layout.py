"""The ``AWSLogs`` folder layout AWS delivers logs in, and which files and folders of a walk to read.

``[prefix/]AWSLogs/[o-org/]<account>/<service>/<region>/YYYY/MM/DD/[HH/]<file>`` — CloudTrail writes
``…/CloudTrail/<region>/…`` (digests under ``CloudTrail-Digest/``, Insights events under
``CloudTrail-Insight/``), Bedrock model invocation logs ``…/BedrockModelInvocationLogs/<region>/…``; other
services (AWS Config, load balancers…) may share the bucket under their own folder. Outside the layout,
every folder is walked and files are chosen by name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum

from jackwatch.errors import Location
from jackwatch.sources.reading.context import TimeWindow
from jackwatch.sources.stats import ReadStats

LOG_SUFFIXES = (".json", ".jsonl", ".ndjson", ".log", ".gz")
"""Names of files a walk reads (compressed or not); any name is read when given explicitly."""

_FOLDER = re.compile(
    r"(?:^|/)AWSLogs/(?:o-[a-z0-9]+/)?"
    r"(?:(?P<account>\d{12})/(?:(?P<service>[^/]+)/(?:(?P<region>[^/]+)/"
    r"(?:(?P<year>\d{4})/(?:(?P<month>\d{2})/(?:(?P<day>\d{2})/)?)?)?)?)?)?$"
)
_FILE = re.compile(
    r"(?:^|/)AWSLogs/(?:o-[a-z0-9]+/)?\d{12}/(?P<service>[^/]+)/"
    r"(?:[^/]+/(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/)?"
)


_DELIVERY_TIME = re.compile(r"_(\d{8}T\d{4}Z)_[^/]*$")


def delivery_order(names: Iterable[str]) -> list[str]:
    """Log files sorted by the time in their name (``…_20260610T1405Z_…``), then by name.

    The layout nests regions above days, so a walk in name order would read one region's whole day
    before the next region: stateful rules need events in roughly time order across regions and accounts.
    Names without a time come first, in name order.
    """

    def when(name: str) -> tuple[str, str]:
        found = _DELIVERY_TIME.search(name)
        return (found.group(1) if found else "", name)

    return sorted(names, key=when)


class Verdict(Enum):
    """What a walk does with a folder or file."""

    READ = "read"
    OUT_OF_RANGE = "out_of_range"
    DIGEST = "digest files"
    OTHER_SERVICE = "of other services"
    NOT_LOG = "not log files"


@dataclass(frozen=True, slots=True)
class Folder:
    """A folder of the layout: its service folder, and the delivery days it covers when it is dated."""

    service: str | None
    start: datetime | None = None
    end: datetime | None = None
    is_day: bool = False


def _span(year: str | None, month: str | None, day: str | None) -> tuple[datetime, datetime] | None:
    """The delivery times ``[start, end)`` a dated folder covers, or ``None`` if undated or not a date."""
    if year is None:
        return None
    try:
        if month is None:
            return datetime(int(year), 1, 1, tzinfo=UTC), datetime(int(year) + 1, 1, 1, tzinfo=UTC)
        if day is None:
            first = datetime(int(year), int(month), 1, tzinfo=UTC)
            after = datetime(first.year + first.month // 12, first.month % 12 + 1, 1, tzinfo=UTC)
            return first, after
        start = datetime(int(year), int(month), int(day), tzinfo=UTC)
    except ValueError:
        return None
    return start, start + timedelta(days=1)


def folder(path: str) -> Folder | None:
    """The layout position of a folder path ending with ``/``, or ``None`` when it is not in the layout."""
    match = _FOLDER.search(path)
    if match is None:
        return None
    span = _span(match["year"], match["month"], match["day"])
    if span is None:
        return Folder(match["service"])
    return Folder(match["service"], span[0], span[1], match["day"] is not None)


@dataclass(frozen=True, slots=True)
class AwsLogsLayout:
    """Which files of a walk hold one kind of log: ``label`` names it in messages, ``services`` are its
    service folders in the layout, ``digests`` the service folder (or file-name part) of its digest files."""

    label: str
    services: frozenset[str]
    digests: str | None = None

    def folder_verdict(self, place: Folder, window: TimeWindow) -> Verdict:
        """Whether a walk descends into a layout folder."""
        if place.service is not None and place.service not in self.services:
            return self._foreign(place.service)
        if place.start is not None and place.end is not None and not window.may_hold(place.start, place.end):
            return Verdict.OUT_OF_RANGE
        return Verdict.READ

    def file_verdict(self, path: str, window: TimeWindow) -> Verdict:
        """Whether a walk reads a file (or S3 key), from its name and its place in the layout."""
        name = path.rsplit("/", 1)[-1]
        if self.digests is not None and self.digests in name:
            return Verdict.DIGEST
        match = _FILE.search(path)
        if match is not None:
            service = match["service"]
            if service not in self.services:
                return self._foreign(service)
            span = _span(match["year"], match["month"], match["day"])
            if span is not None and not window.may_hold(*span):
                return Verdict.OUT_OF_RANGE
        if not name.lower().endswith(LOG_SUFFIXES):
            return Verdict.NOT_LOG
        return Verdict.READ

    def _foreign(self, service: str) -> Verdict:
        return Verdict.DIGEST if service == self.digests else Verdict.OTHER_SERVICE


@dataclass(slots=True)
class Tally:
    """What a walk of one input found and left out, reported once at its end."""

    root: str
    label: str
    found: int = 0
    left_out: Counter[Verdict] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def note(self, verdict: Verdict, name: str) -> None:
        """Count a file or folder the walk met."""
        if verdict is Verdict.READ:
            self.found += 1
            return
        self.left_out[verdict] += 1
        if verdict is not Verdict.OUT_OF_RANGE and len(self.examples) < 3:
            self.examples.append(name)

    def report(self, stats: ReadStats) -> None:
        """Add the walk's summary problems (they cost no record) to ``stats``."""
        ignored = {v: n for v, n in self.left_out.items() if v is not Verdict.OUT_OF_RANGE}
        if ignored:
            kinds = ", ".join(f"{n} {v.value}" for v, n in sorted(ignored.items(), key=lambda i: i[0].value))
            stats.skip(
                "ignored",
                Location(self.root),
                f"left out {sum(ignored.values())} files or folders that hold no {self.label} events "
                f"({kinds}; e.g. {', '.join(self.examples)})",
                records=0,
            )
        if self.found == 0:
            outside = self.left_out[Verdict.OUT_OF_RANGE]
            where = f" in the time window ({outside} outside it)" if outside else ""
            stats.skip("no_files", Location(self.root), f"no {self.label} files under {self.root}{where}", records=0)
