"""Assets in the store, on SQLite and PostgreSQL: upserted by id, merged, listed; the 0003 migration over a
store of revision 0002 with findings in it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, text

from jackwatch.errors import StoreError
from jackwatch.model import Asset, Finding, FindingKind, Severity, asset_id, finding_id
from jackwatch.store import Store, StoredAsset, open_store
from jackwatch.store.assets import merge_assets
from jackwatch.store.engine import create_store_engine
from jackwatch.store.migrate import alembic_config
from jackwatch.store.rows import finding_values
from jackwatch.store.tables import findings

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
IMAGE = Asset(
    ref="image://sha256:2fc197a91070bfb3562459d18d8a190568f512d5bdbd8ff8ffd5d933dd71d88c",
    kind="image",
    name="123456789012.dkr.ecr.us-east-1.amazonaws.com/openai-app:1.4.2",
    attrs={"platform": "linux/amd64", "env_names": ["AWS_ACCESS_KEY_ID", "OPENAI_API_KEY"], "ai": True},
)
TARGET = "examples/openai-app/image"


def package(name: str, version: str, parent: Asset = IMAGE, **attrs: object) -> Asset:
    purl = f"pkg:pypi/{name}@{version}"
    values = {"ai": name == "langchain", "locations": [{"path": f"site-packages/{name}-{version}.dist-info"}]}
    return Asset(
        ref=purl, kind="package", name=name, attrs={**values, **attrs}, parent=parent.id, version=version, purl=purl
    )


LANGCHAIN = package("langchain", "0.0.171")
PILLOW = package("pillow", "10.0.0")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url) as opened:
        yield opened


def by_id(stored: list[StoredAsset]) -> dict[str, StoredAsset]:
    return {asset.id: asset for asset in stored}


def test_ids_hash_kind_ref_and_parent_only() -> None:
    assert IMAGE.id == asset_id("image", IMAGE.ref) and len(IMAGE.id) == 32
    assert LANGCHAIN.id == asset_id("package", "pkg:pypi/langchain@0.0.171", IMAGE.id)
    other_image = replace(IMAGE, ref="image://sha256:" + "0" * 64)
    assert package("langchain", "0.0.171", other_image).id != LANGCHAIN.id
    assert replace(LANGCHAIN, name="LangChain", attrs={}).id == LANGCHAIN.id


def test_assets_round_trip(store: Store) -> None:
    store.upsert_assets([IMAGE, LANGCHAIN, PILLOW], target=TARGET, seen=T0)
    stored = by_id(store.assets())
    assert set(stored) == {IMAGE.id, LANGCHAIN.id, PILLOW.id}
    image = stored[IMAGE.id]
    assert image.asset == IMAGE
    assert (image.kind, image.target, image.first_seen, image.last_seen, image.parent) == (
        "image",
        TARGET,
        T0,
        T0,
        None,
    )
    langchain = stored[LANGCHAIN.id]
    assert (langchain.parent, langchain.version, langchain.purl) == (IMAGE.id, "0.0.171", "pkg:pypi/langchain@0.0.171")
    assert langchain.asset == LANGCHAIN


def test_the_same_scan_twice_gives_the_same_rows_seen_later(store: Store) -> None:
    store.upsert_assets([IMAGE, LANGCHAIN, PILLOW], target=TARGET, seen=T0)
    first = by_id(store.assets())
    later = T0 + timedelta(days=1)
    store.upsert_assets([IMAGE, LANGCHAIN, PILLOW], target=TARGET, seen=later)
    second = by_id(store.assets())
    assert set(second) == set(first)
    for identity, asset in second.items():
        assert asset == replace(first[identity], last_seen=later), identity


def test_a_record_seen_earlier_widens_first_seen_only(store: Store) -> None:
    store.upsert_assets([IMAGE], target=TARGET, seen=T0)
    store.upsert_assets([IMAGE], target=TARGET, seen=T0 - timedelta(hours=3))
    [image] = store.assets()
    assert (image.first_seen, image.last_seen) == (T0 - timedelta(hours=3), T0)


def test_attributes_merge_like_evidence_and_the_newest_description_wins(store: Store) -> None:
    store.upsert_assets([LANGCHAIN], target=TARGET, seen=T0)
    moved = replace(
        LANGCHAIN,
        name="LangChain",
        attrs={"ai": False, "locations": [{"path": "venv/site-packages/langchain-0.0.171.dist-info"}]},
    )
    store.upsert_assets([moved], target="elsewhere.tar", seen=T0 + timedelta(hours=1))
    [stored] = store.assets()
    assert (stored.name, stored.target, stored.attrs["ai"]) == ("LangChain", "elsewhere.tar", False)
    assert stored.attrs["locations"] == [
        {"path": "site-packages/langchain-0.0.171.dist-info"},
        {"path": "venv/site-packages/langchain-0.0.171.dist-info"},
    ]


def test_duplicates_within_one_call_are_merged(store: Store) -> None:
    copy = replace(LANGCHAIN, attrs={**LANGCHAIN.attrs, "declared": True})
    store.upsert_assets([LANGCHAIN, copy, LANGCHAIN], target=TARGET, seen=T0, batch_size=2)
    [stored] = store.assets()
    assert stored.attrs["declared"] is True


def test_merging_is_idempotent() -> None:
    old = StoredAsset(
        LANGCHAIN.id,
        "package",
        LANGCHAIN.ref,
        "langchain",
        "0.0.171",
        LANGCHAIN.purl,
        IMAGE.id,
        TARGET,
        {"locations": ["a"]},
        T0,
        T0,
    )
    new = replace(old, attrs={"locations": ["b"], "ai": True}, last_seen=T0 + timedelta(days=1))
    once = merge_assets(old, new)
    assert merge_assets(once, new) == once
    assert once.attrs == {"locations": ["a", "b"], "ai": True}


def test_listing_filters_by_kind_and_parent(store: Store) -> None:
    elsewhere = Asset(ref="file://host/srv/app", kind="filesystem", name="/srv/app")
    local = package("pillow", "10.0.0", elsewhere)
    store.upsert_assets([IMAGE, LANGCHAIN, PILLOW, elsewhere, local], target=TARGET, seen=T0)
    assert [a.kind for a in store.assets()] == ["filesystem", "image", "package", "package", "package"]
    assert {a.id for a in store.assets(kind="package")} == {LANGCHAIN.id, PILLOW.id, local.id}
    assert [a.id for a in store.assets(kind="package", parent=IMAGE.id)] == [LANGCHAIN.id, PILLOW.id]
    assert store.assets(kind="workload") == []
    assert len(store.assets(limit=2)) == 2


def test_naive_times_non_json_attributes_and_bad_batches_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.upsert_assets([IMAGE], target=TARGET, seen=datetime(2026, 11, 26, 9, 0))
    with pytest.raises(StoreError, match="not JSON data"):
        store.upsert_assets([replace(IMAGE, attrs={"when": {1, 2}})], target=TARGET, seen=T0)
    with pytest.raises(ValueError, match="batch_size"):
        store.upsert_assets([IMAGE], target=TARGET, batch_size=0)
    assert store.assets() == []


def test_the_store_clock_stamps_assets_by_default(db_url: str) -> None:
    with open_store(db_url, clock=lambda: T0) as opened:
        opened.upsert_assets([IMAGE], target=TARGET)
        assert [(a.first_seen, a.last_seen) for a in opened.assets()] == [(T0, T0)]


def test_concurrent_scans_keep_every_asset(db_url: str) -> None:
    packages = [package(f"pkg{n}", "1.0") for n in range(60)]
    stores = [open_store(db_url) for _ in range(3)]

    def write(worker: int) -> None:
        for round_ in range(3):
            seen = T0 + timedelta(minutes=worker * 10 + round_)
            stores[worker].upsert_assets([IMAGE, *packages[worker * 10 :]], target=TARGET, seen=seen, batch_size=7)

    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(write, range(3)))
        stored = by_id(stores[0].assets())
        assert len(stored) == 61
        assert stored[IMAGE.id].last_seen == T0 + timedelta(minutes=22)
        assert stored[IMAGE.id].first_seen == T0
    finally:
        for opened in stores:
            opened.close()


PROBE = Finding(
    id=finding_id(FindingKind.VULNERABILITY, "vuln.CVE-2023-36095", LANGCHAIN.ref),
    kind=FindingKind.VULNERABILITY,
    rule_id="vuln.CVE-2023-36095",
    title="langchain 0.0.171: code execution in PALChain",
    subject=LANGCHAIN.ref,
    severity=Severity.CRITICAL,
    first_seen=T0,
    last_seen=T0,
    count=1,
    evidence={"fixed_versions": ["0.0.236"], "assets": [LANGCHAIN.id]},
)


def test_a_store_of_revision_0002_with_findings_is_upgraded_in_place(db_url: str) -> None:
    engine = create_store_engine(db_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0002")
            assert "assets" not in inspect(connection).get_table_names()
            connection.execute(findings.insert().values(finding_values(PROBE, T0)))
    finally:
        engine.dispose()
    with open_store(db_url) as opened:
        assert opened.get(PROBE.id) == PROBE
        assert opened.assets() == []
        opened.upsert_assets([IMAGE, LANGCHAIN], target=TARGET, seen=T0)
        assert {a.id for a in opened.assets()} == set(PROBE.evidence["assets"]) | {IMAGE.id}
    engine = create_store_engine(db_url)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0002")
            assert "assets" not in inspect(connection).get_table_names()
            assert connection.execute(text("SELECT count(*) FROM findings")).scalar_one() == 1
    finally:
        engine.dispose()
