"""What jackwatch keeps of runtime events: the process history (processes, events, pruning), the process tree
and the timeline read back from it, and which installed packages each image or host uses.

The sensor hands its records to a :class:`RuntimeRecorder` (or to a :class:`HistoryWriter` and a
:class:`UsageRecorder` separately); ``jackwatch proctree``, ``timeline``, ``inuse`` and ``history`` read and
manage what they wrote.
"""

from jackwatch.runtime.history import DEFAULT_RETENTION, HistoryWriter
from jackwatch.runtime.inuse import DEFAULT_LEARNING, RootUsage, UsageState, in_use_report
from jackwatch.runtime.recorder import RuntimeRecorder
from jackwatch.runtime.roots import FixedRoot, LiveRoots, root_asset
from jackwatch.runtime.tree import NotInHistory, ProcessTree, container_tree, process_tree
from jackwatch.runtime.usage import UsageRecorder

__all__ = [
    "DEFAULT_LEARNING",
    "DEFAULT_RETENTION",
    "FixedRoot",
    "HistoryWriter",
    "LiveRoots",
    "NotInHistory",
    "ProcessTree",
    "RootUsage",
    "RuntimeRecorder",
    "UsageRecorder",
    "UsageState",
    "container_tree",
    "in_use_report",
    "process_tree",
    "root_asset",
]
