"""Package use in the store: the watched roots (an image, a host's filesystem) and, per installed package of each,
whether a file of it was opened, when first and last, and through which file.

Rows are upserted by id and merged whatever the order records came in: a root's observed span widens, a
package's first use is the earliest, its last use the latest, and its example path the file of its first use.
A package row's id is the id of the package's asset (:func:`jackwatch.inventory.scan.package_asset_id`), so it
joins the ``assets`` rows a scan of the same root writes, and the vulnerability findings naming them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping

from jackwatch.store.tables import package_usage, usage_roots
from jackwatch.store.upsert import upsert_merged


@dataclass(frozen=True, slots=True)
class UsageRoot:
    """A root whose package use is watched: its asset id, kind (``image``, ``filesystem``), ref and name, and the
    span of the runtime events seen for it."""

    id: str
    kind: str
    ref: str
    name: str
    observed_since: datetime
    observed_until: datetime


@dataclass(frozen=True, slots=True)
class PackageUse:
    """An installed package of a watched root: when it was first indexed, first and last used, and the file of its
    first use (``None`` while no file of it was opened). ``location`` is its metadata directory in the root."""

    id: str
    root_id: str
    name: str
    version: str
    purl: str
    first_seen: datetime
    location: str | None = None
    first_used: datetime | None = None
    last_used: datetime | None = None
    example_path: str | None = None


def merge_roots(old: UsageRoot, new: UsageRoot) -> UsageRoot:
    """The observed span of both."""
    return replace(
        new,
        observed_since=min(old.observed_since, new.observed_since),
        observed_until=max(old.observed_until, new.observed_until),
    )


def merge_uses(old: PackageUse, new: PackageUse) -> PackageUse:
    """Earliest first sighting and use, latest use, the path of the earliest use."""
    used = [row for row in (old, new) if row.first_used is not None]
    first = min(used, key=lambda row: (row.first_used, row.example_path or "")) if used else None
    last = max((row.last_used for row in (old, new) if row.last_used is not None), default=None)
    return replace(
        new,
        location=new.location or old.location,
        first_seen=min(old.first_seen, new.first_seen),
        first_used=None if first is None else first.first_used,
        last_used=last,
        example_path=None if first is None else first.example_path,
    )


def write_usage(
    connection: Connection, roots: Mapping[str, UsageRoot], uses: Mapping[str, PackageUse], now: datetime
) -> None:
    """Upsert ``roots`` and ``uses``, merged with what is stored, in the connection's open transaction."""
    upsert_merged(
        connection,
        usage_roots,
        roots,
        values=lambda row, insert: _values(row, now, insert),
        from_row=lambda row: UsageRoot(**_columns(UsageRoot, row)),
        merge=merge_roots,
    )
    upsert_merged(
        connection,
        package_usage,
        uses,
        values=lambda row, insert: _values(row, now, insert),
        from_row=lambda row: PackageUse(**_columns(PackageUse, row)),
        merge=merge_uses,
    )


def root_from_row(row: RowMapping) -> UsageRoot:
    """The root a ``usage_roots`` row holds."""
    return UsageRoot(**_columns(UsageRoot, row))


def use_from_row(row: RowMapping) -> PackageUse:
    """The package use a ``package_usage`` row holds."""
    return PackageUse(**_columns(PackageUse, row))


def _values(item: UsageRoot | PackageUse, now: datetime, insert: bool) -> dict[str, Any]:
    values = {name.name: getattr(item, name.name) for name in fields(item)}
    values["updated_at"] = now
    if not insert:
        del values["id"]
    return values


def _columns(kind: type[UsageRoot] | type[PackageUse], row: RowMapping) -> dict[str, Any]:
    return {name.name: row[name.name] for name in fields(kind)}
