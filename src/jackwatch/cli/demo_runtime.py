"""The runtime part of ``jackwatch demo``: the recorded trace kept in the store (process history, and the packages
its processes used, read against the app's image), the process tree of the most severe runtime detection, and
which of the image's packages are in use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jackwatch.cli.inuse import render_usage
from jackwatch.cli.proctree import render_tree, tree_to_dict
from jackwatch.inventory.image import open_image
from jackwatch.inventory.scan import image_asset
from jackwatch.model import Finding
from jackwatch.model.runtime import SOURCE, RuntimeRecord, event_id
from jackwatch.runtime import FixedRoot, RootUsage, RuntimeRecorder, container_tree, in_use_report
from jackwatch.runtime.packages import RootIndex
from jackwatch.runtime.timeline import match_workload
from jackwatch.runtime.trace import read_trace
from jackwatch.runtime.tree import ProcessTree
from jackwatch.sources.stats import ReadStats
from jackwatch.store import Store


@dataclass(slots=True)
class RuntimeView:
    """What the demo shows of runtime: the detection in focus, its container's process tree, and package use."""

    focus: Finding | None
    tree: ProcessTree | None
    usage: list[RootUsage]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "focus": None if self.focus is None else self.focus.id,
            "process_tree": None if self.tree is None else tree_to_dict(self.tree),
            "in_use": [usage.as_dict() for usage in self.usage],
        }

    def text(self, *, color: bool) -> str:
        """The tree and the package use, as the ``proctree`` and ``inuse`` commands draw them."""
        parts = []
        if self.focus is not None and self.tree is not None:
            parts.append(f"\nProcess tree of {self.focus.rule_id} ({self.focus.id[:12]}), the process marked ◀\n\n")
            parts.append(render_tree(self.tree, color=color))
        parts.append("\nPackages in use (runtime)\n\n")
        parts.append(render_usage(self.usage, color=color))
        return "".join(parts)


def record_runtime(store: Store, trace: Path, image: Path | None, findings: Sequence[Finding]) -> RuntimeView:
    """Keep the trace at ``trace`` in ``store`` (its package use read against ``image`` when given) and make the
    view of the most severe runtime detection among ``findings``."""
    records = list(read_trace(str(trace), ReadStats()))
    if image is None:
        RuntimeRecorder(store, roots=None, origin=str(trace)).add_all(records)
    else:
        with open_image(image) as opened:
            root = FixedRoot(image_asset(opened), RootIndex(opened, ReadStats()))
            RuntimeRecorder(store, roots=root, origin=str(trace)).add_all(records)
    detections = sorted(
        (finding for finding in findings if finding.evidence.get("source") == SOURCE),
        key=lambda finding: (-finding.severity.rank, finding.first_seen),
    )
    focus = detections[0] if detections else None
    return RuntimeView(focus, None if focus is None else _tree(store, focus, records), in_use_report(store))


def _tree(store: Store, focus: Finding, records: Sequence[RuntimeRecord]) -> ProcessTree | None:
    """Every process of the container of ``focus``'s first event, that event's process marked."""
    wanted = focus.event_ids[0] if focus.event_ids else None
    record = next((record for record in records if event_id(record) == wanted), None)
    container = None if record is None else record.get("container", {}).get("id")
    if record is None or container is None:
        return None
    tree = container_tree(store, match_workload(store.containers(), container))
    for node in tree.nodes():
        node.focus = node.process.pid == record["proc"]["pid"] and node.process.host == record.get("host")
    return tree
