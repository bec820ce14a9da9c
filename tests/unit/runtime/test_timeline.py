"""A workload's timeline: naming a workload, its events and findings in order, links from events to findings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import cast

import pytest
from tests.unit.runtime.kit import CONTAINER, CONTAINER_ID, T0, T0_NS, Proc, Trace, intrusion

from jackwatch.model import Finding, FindingKind, Severity, finding_id
from jackwatch.model.runtime import RuntimeRecord, event_id
from jackwatch.runtime import HistoryWriter, NotInHistory
from jackwatch.runtime.timeline import match_workload, timeline
from jackwatch.store import Store, open_store
from jackwatch.store.history import SeenContainer

OTHER = SeenContainer(
    "9" * 64, "node-2", "worker", "registry.example.com/worker:2.0", "sha256:" + "c" * 64, "w-1", "jobs"
)
APP = SeenContainer(
    CONTAINER_ID,
    "node-1",
    CONTAINER["name"],
    CONTAINER["image"],
    CONTAINER["image_id"],
    CONTAINER["pod"],
    CONTAINER["namespace"],
)


@pytest.mark.parametrize(
    "name",
    [
        CONTAINER_ID,
        CONTAINER_ID[:12],
        CONTAINER_ID[:4].upper(),
        "openai-app",
        "registry.example.com/openai-app:1.4.2",
        "registry.example.com/openai-app",
        "openai-app",
        "prod/openai-app-7d9f8c-x2x7q",
        "openai-app-7d9f8c-x2x7q",
        "sha256:2fc197a9",
        "2fc197a91070",
    ],
)
def test_a_workload_is_named_as_users_know_it(name: str) -> None:
    assert match_workload([OTHER, APP], name) == [APP]


@pytest.mark.parametrize("name", ["", "3f2", "openai", "prod/worker", "sha256:2fc", "app:1.4.2", "jobs/openai-app"])
def test_names_that_do_not_designate_the_workload(name: str) -> None:
    assert APP not in match_workload([OTHER, APP], name)


def finding(rule: str, subject: str, offset_s: int, count: int = 1) -> Finding:
    return Finding(
        id=finding_id(FindingKind.DETECTION, rule, subject),
        kind=FindingKind.DETECTION,
        rule_id=rule,
        title=rule.replace("_", " "),
        subject=subject,
        severity=Severity.HIGH,
        first_seen=T0 + timedelta(seconds=offset_s),
        last_seen=T0 + timedelta(seconds=offset_s),
        count=count,
    )


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    trace, _ = intrusion()
    host_trace = Trace()
    host_trace.exit(host_trace.add(Proc(42, 1, T0_NS, "/usr/bin/true", [], "true")), T0_NS + 1)
    with open_store(db_url, clock=lambda: T0 + timedelta(hours=1)) as opened:
        with HistoryWriter(opened) as writer:
            writer.add(cast(list[RuntimeRecord], trace.records + host_trace.records))
        useradd_exec = next(r for r in trace.records if r["type"] == "execve" and r["proc"]["pid"] == 1101)
        opened.record(finding("runtime.user_home_in_tmpfs", CONTAINER_ID, 11), [event_id(useradd_exec)])
        opened.record(finding("falco.read_sensitive_file_untrusted", CONTAINER_ID[:12], 11))
        opened.record(finding("aws.bedrock.invoke_probe", "arn:aws:iam::123456789012:user/app", 11))
        yield opened


def test_events_and_findings_in_time_order(store: Store) -> None:
    found = timeline(store, "openai-app")
    assert [container.id for container in found.containers] == [CONTAINER_ID]
    assert (found.events, found.findings, found.truncated) == (13, 2, False)
    kinds = [("finding", e.finding.rule_id) if e.finding else ("event", e.event.type) for e in found.entries]  # type: ignore[union-attr]
    assert kinds[:6] == [
        ("event", "openat"),
        ("event", "clone"),
        ("event", "execve"),
        ("event", "clone"),
        ("finding", "falco.read_sensitive_file_untrusted"),
        ("finding", "runtime.user_home_in_tmpfs"),
    ]
    assert [entry.time for entry in found.entries] == sorted(entry.time for entry in found.entries)
    linked = [entry for entry in found.entries if entry.linked]
    assert [(entry.event.summary, entry.linked) for entry in linked] == [  # type: ignore[union-attr]
        ("exec /usr/sbin/useradd -d /dev/shm/zeus nairobi", ("runtime.user_home_in_tmpfs",))
    ]
    assert all(entry.event is None or entry.event.pid != 42 for entry in found.entries)


def test_the_window_bounds_events_and_findings(store: Store) -> None:
    found = timeline(store, CONTAINER_ID[:8], since=T0 + timedelta(seconds=12), until=T0 + timedelta(seconds=21))
    assert found.findings == 0
    assert [entry.event.summary for entry in found.entries] == [  # type: ignore[union-attr]
        "exit 0",
        "fork: child 1102",
        "exec /usr/bin/curl -H 'Authorization: Bear…123' http://169.254.169.254/latest/meta-data/",
        "connect 169.254.169.254:80",
        "exit 0",
    ]


def test_a_limit_cuts_the_events_and_says_so(store: Store) -> None:
    found = timeline(store, "openai-app", limit=3)
    assert found.events == 3 and found.truncated


def test_an_unknown_workload_is_an_error(store: Store) -> None:
    with pytest.raises(NotInHistory, match="no container in the history matches 'nginx'"):
        timeline(store, "nginx")


def test_the_processes_of_a_host_are_a_workload(store: Store) -> None:
    store.record(finding("runtime.shell_from_ai_server", "host:node-1", 0))
    found = timeline(store, "host:node-1")
    assert found.containers == [] and found.findings == 1
    assert [entry.event.pid for entry in found.entries if entry.event] == [42]
    with pytest.raises(NotInHistory, match="nothing in the history about 'host:node-9'"):
        timeline(store, "host:node-9")
