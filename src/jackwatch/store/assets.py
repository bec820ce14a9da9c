"""Assets in the store: upserted by id like findings, merged with what the store already holds.

A scan records its root (an image, a directory, an SBOM) and the packages found in it. Recording an asset again
widens its times (first_seen = min, last_seen = max), takes the newest name, version, parent and target, and
merges its attributes as findings' evidence is merged: lists become sorted unions (capped), other values the
newest. Rows are inserted and locked in id order, so concurrent scans never lose each other's updates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, select, update

from jackwatch.errors import StoreError
from jackwatch.model import Asset
from jackwatch.store.merge import as_json, merge_evidence
from jackwatch.store.tables import as_utc, assets
from jackwatch.store.upsert import IN_CHUNK, chunks, insert_ignore


@dataclass(frozen=True, slots=True)
class StoredAsset:
    """An asset as the store holds it: what it is, what it belongs to, and when and by which scan it was seen."""

    id: str
    kind: str
    ref: str
    name: str
    version: str | None
    purl: str | None
    parent: str | None
    target: str
    attrs: Mapping[str, Any]
    first_seen: datetime
    last_seen: datetime

    @property
    def asset(self) -> Asset:
        """The asset itself, without the store's bookkeeping."""
        return Asset(self.ref, self.kind, self.name, self.attrs, self.parent, self.version, self.purl)


def prepare_assets(items: Iterable[Asset], target: str, seen: datetime) -> dict[str, StoredAsset]:
    """The assets ready to write, by id, seen at ``seen`` by a scan of ``target``; records of one id merged.

    A naive ``seen`` raises :class:`ValueError`; attributes that are not JSON data raise :class:`StoreError`.
    """
    moment = as_utc(seen)
    pending: dict[str, StoredAsset] = {}
    for item in items:
        try:
            attrs = as_json(item.attrs)
        except TypeError as exc:
            raise StoreError(f"asset {item.id} ({item.ref}): attributes are not JSON data: {exc}") from exc
        record = StoredAsset(
            id=item.id,
            kind=item.kind,
            ref=item.ref,
            name=item.name,
            version=item.version,
            purl=item.purl,
            parent=item.parent,
            target=target,
            attrs=attrs,
            first_seen=moment,
            last_seen=moment,
        )
        earlier = pending.get(record.id)
        pending[record.id] = record if earlier is None else merge_assets(earlier, record)
    return pending


def merge_assets(old: StoredAsset, new: StoredAsset) -> StoredAsset:
    """One asset from two records of the same id; ``new`` is the one recorded last (idempotent, like
    :func:`~jackwatch.store.merge.merge_findings`)."""
    return replace(
        new,
        first_seen=min(old.first_seen, new.first_seen),
        last_seen=max(old.last_seen, new.last_seen),
        attrs=merge_evidence(old.attrs, new.attrs),
    )


def write_assets(connection: Connection, pending: Mapping[str, StoredAsset], now: datetime) -> None:
    """Upsert every pending asset, in the connection's open transaction."""
    ids = sorted(pending)
    for chunk in chunks((asset_values(pending[asset_id], now) for asset_id in ids), IN_CHUNK):
        connection.execute(insert_ignore(connection, assets), chunk)
    stored: dict[str, StoredAsset] = {}
    for id_chunk in chunks(ids, IN_CHUNK):
        query = select(assets).where(assets.c.id.in_(id_chunk)).order_by(assets.c.id).with_for_update()
        stored.update((row["id"], asset_from_row(row)) for row in connection.execute(query).mappings())
    changes = [
        {"b_id": asset_id, **asset_values(merge_assets(stored[asset_id], pending[asset_id]), now, insert=False)}
        for asset_id in ids
    ]
    statement = update(assets).where(assets.c.id == bindparam("b_id"))
    for change_chunk in chunks(changes, IN_CHUNK):
        connection.execute(statement, change_chunk)


def asset_values(asset: StoredAsset, now: datetime, *, insert: bool = True) -> dict[str, Any]:
    """The asset's column values, stamped ``now``; without ``id`` and ``created_at`` for an update."""
    values: dict[str, Any] = {
        "kind": asset.kind,
        "ref": asset.ref,
        "name": asset.name,
        "version": asset.version,
        "purl": asset.purl,
        "parent_id": asset.parent,
        "target": asset.target,
        "attrs": dict(asset.attrs),
        "first_seen": asset.first_seen,
        "last_seen": asset.last_seen,
        "updated_at": now,
    }
    if insert:
        values.update(id=asset.id, created_at=now)
    return values


def asset_from_row(row: RowMapping) -> StoredAsset:
    """The asset an ``assets`` row holds."""
    return StoredAsset(
        id=row["id"],
        kind=row["kind"],
        ref=row["ref"],
        name=row["name"],
        version=row["version"],
        purl=row["purl"],
        parent=row["parent_id"],
        target=row["target"],
        attrs=row["attrs"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
    )
