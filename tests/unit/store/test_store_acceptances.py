"""Accepted risks in the store, on SQLite and PostgreSQL: the 0005 migration over a store of revision 0004, accepting,
replacing, revoking, expiring, the audit trail, and finding ids by prefix."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect

from jackwatch.model import Finding, FindingKind, Severity, finding_id
from jackwatch.store import AcceptReason, Store, open_store
from jackwatch.store.engine import create_store_engine
from jackwatch.store.migrate import alembic_config

T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def finding(rule_id: str, subject: str = "k8s://prod/shop/Deployment/chat") -> Finding:
    return Finding(
        id=finding_id(FindingKind.MISCONFIGURATION, rule_id, subject),
        kind=FindingKind.MISCONFIGURATION,
        rule_id=rule_id,
        title=rule_id,
        subject=subject,
        severity=Severity.HIGH,
        first_seen=T0,
        last_seen=T0,
        count=1,
    )


PRIVILEGED = finding("k8s.container.privileged")
EXPOSED = finding("k8s.workload.internet_exposed")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db_url: str, clock: Clock) -> Iterator[Store]:
    with open_store(db_url, clock=clock) as opened:
        opened.record_many([(PRIVILEGED, ()), (EXPOSED, ())])
        yield opened


def test_revision_0005_adds_the_acceptances_table_to_a_store_of_revision_0004(db_url: str) -> None:
    engine = create_store_engine(db_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0004")
            assert "acceptances" not in inspect(connection).get_table_names()
    finally:
        engine.dispose()
    with open_store(db_url) as opened:
        opened.record(PRIVILEGED)
        opened.accept(PRIVILEGED.id, AcceptReason.OWNED, by="alice")
        assert opened.accepted_finding_ids() == {PRIVILEGED.id}
    engine = create_store_engine(db_url)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0004")
            assert "acceptances" not in inspect(connection).get_table_names()
            assert "findings" in inspect(connection).get_table_names()
    finally:
        engine.dispose()


def test_an_acceptance_records_why_who_when_and_until_when(store: Store) -> None:
    made = store.accept(
        PRIVILEGED.id, AcceptReason.MITIGATED, by="alice", note="PSA restricted", expires=T0 + timedelta(days=30)
    )
    [listed] = store.acceptances()
    assert listed == made
    assert (listed.reason, listed.note, listed.accepted_by) == (AcceptReason.MITIGATED, "PSA restricted", "alice")
    assert listed.accepted_at == T0 and listed.expires_at == T0 + timedelta(days=30)
    assert listed.state(T0) == "active"
    assert store.accepted_finding_ids() == {PRIVILEGED.id}


def test_an_acceptance_expires(store: Store, clock: Clock) -> None:
    store.accept(PRIVILEGED.id, AcceptReason.OWNED, by="alice", expires=T0 + timedelta(days=1))
    store.accept(EXPOSED.id, AcceptReason.NOT_RELEVANT, by="bob")
    assert store.accepted_finding_ids(T0 + timedelta(hours=23)) == {PRIVILEGED.id, EXPOSED.id}
    clock.now = T0 + timedelta(days=1)
    assert store.accepted_finding_ids() == {EXPOSED.id}
    [expired] = store.acceptances(finding_ids=[PRIVILEGED.id], everything=True)
    assert expired.state(clock.now) == "expired" and expired.revoked_at is None


def test_accepting_again_replaces_the_decision_and_keeps_the_old_one(store: Store, clock: Clock) -> None:
    store.accept(PRIVILEGED.id, AcceptReason.OWNED, by="alice")
    clock.now = T0 + timedelta(hours=2)
    store.accept(PRIVILEGED.id, AcceptReason.TRANSFERRED, by="bob", note="the platform team owns it")
    [active] = store.acceptances()
    assert (active.reason, active.accepted_by) == (AcceptReason.TRANSFERRED, "bob")
    newest, oldest = store.acceptances(everything=True)
    assert newest == active
    assert (oldest.reason, oldest.revoked_by, oldest.revoked_at) == (AcceptReason.OWNED, "bob", clock.now)
    assert oldest.state(clock.now) == "revoked"


def test_revoking_ends_the_acceptance_and_says_whether_there_was_one(store: Store, clock: Clock) -> None:
    store.accept(PRIVILEGED.id, AcceptReason.CUSTOM, by="alice", note="until the GPU driver is fixed")
    clock.now = T0 + timedelta(minutes=5)
    assert store.revoke_acceptance(PRIVILEGED.id, by="carol") == 1
    assert store.accepted_finding_ids() == set()
    assert store.revoke_acceptance(PRIVILEGED.id, by="carol") == 0
    [revoked] = store.acceptances(everything=True)
    assert (revoked.revoked_by, revoked.revoked_at) == ("carol", clock.now)


def test_acceptances_are_listed_newest_first_and_by_finding(store: Store, clock: Clock) -> None:
    store.accept(PRIVILEGED.id, AcceptReason.OWNED, by="alice")
    clock.now = T0 + timedelta(minutes=1)
    store.accept(EXPOSED.id, AcceptReason.AVOIDED, by="alice")
    assert [a.finding_id for a in store.acceptances()] == [EXPOSED.id, PRIVILEGED.id]
    assert [a.finding_id for a in store.acceptances(finding_ids=[PRIVILEGED.id])] == [PRIVILEGED.id]
    assert store.acceptances(finding_ids=["0" * 32]) == []


def test_findings_are_found_by_the_prefix_of_their_id(store: Store) -> None:
    assert store.findings_with_prefix(PRIVILEGED.id[:8]) == [PRIVILEGED]
    assert store.findings_with_prefix(PRIVILEGED.id) == [PRIVILEGED]
    assert store.findings_with_prefix("zz") == []
    assert len(store.findings_with_prefix("")) == 2
    assert store.findings_with_prefix("%") == [] and store.findings_with_prefix("_") == []
