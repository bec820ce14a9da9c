"""A detection run collects the young generation less often, and leaves the collector as it found it."""

from __future__ import annotations

import gc

from jackwatch.detect.service import GC_YOUNG_THRESHOLD, _fewer_collections


def test_a_run_leaves_the_collector_as_it_found_it_and_its_garbage_collectable() -> None:
    before = gc.get_threshold()
    gc.collect()
    with _fewer_collections():
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *before[1:])
        kept = [[index] for index in range(10_000)]  # what a run leaves alive: the rules' state, the findings
        cycle: list[object] = []
        cycle.append(cycle)  # and a little cyclic garbage
        del cycle
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    assert gc.get_count()[0] < 1_000  # what was left alive was not left young, for the next allocation to walk
    assert any(item is kept[-1] for item in gc.get_objects(generation=2))  # it joined the oldest generation
    assert gc.collect() >= 1  # the garbage is still found
