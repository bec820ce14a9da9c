"""Run statistics: what was lost, by kind, from what the kernel made and what arrived."""

from __future__ import annotations

from jackwatch.sensor.stats import SensorStats


def test_drops_by_kind_from_the_kernels_counts() -> None:
    stats = SensorStats("ebpf")
    stats.emitted = {"E": 10, "A": 10, "O": 100, "X": 5}
    stats.received.update({"E": 10, "A": 9, "O": 60, "X": 5})
    stats.kernel_lost = 41
    stats.seen.update({"execve": 10, "openat": 60, "procexit": 5})
    stats.opens_seen = 5000
    stats.problem("invalid_json", "<bpftrace>:7: not JSON")
    body = stats.as_dict()
    assert body["events_dropped"] == {"execve_args": 1, "openat": 40, "unreadable_invalid_json": 1}
    assert body["events_dropped_total"] == 42 and body["kernel_lost_events"] == 41
    assert body["drop_ratio"] == round(42 / (75 + 42), 6)
    assert body["opens_seen_by_kernel"] == 5000 and body["opens_kept"] == 100
    assert body["problems"] == ["<bpftrace>:7: not JSON"]


def test_without_the_kernels_counts_only_the_total_is_known() -> None:
    stats = SensorStats("ebpf")
    stats.kernel_lost = 7
    assert stats.as_dict()["events_dropped"] == {"unknown_kind": 7}
    assert SensorStats("proc").as_dict()["drop_ratio"] == 0.0
