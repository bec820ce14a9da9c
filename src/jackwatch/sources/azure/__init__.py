"""The Azure OpenAI event source: Cognitive Services resource logs and the Azure Activity log.

:func:`read_azure_openai` streams :class:`~jackwatch.model.Event` objects (source ``azure_openai``) from
files, directory trees (such as the ``insights-logs-*`` and ``insights-activity-logs`` containers of a
storage account, downloaded) and standard input, with bounded memory, counting every record or file it
has to skip in the given :class:`~jackwatch.sources.stats.ReadStats`.
"""

from __future__ import annotations

from jackwatch.sources.azure.records import FORMAT, SOURCE, to_event
from jackwatch.sources.reading.inputs import local_log_reader

__all__ = ["SOURCE", "read_azure_openai", "to_event"]

_DOWNLOAD_FIRST = "download the blobs first, e.g. with az storage blob download-batch"

read_azure_openai = local_log_reader(FORMAT, "Azure log", {"": _DOWNLOAD_FIRST})
"""Azure resource logs and Activity log records from files, directory trees (the ``insights-logs-*`` and
``insights-activity-logs`` containers of a storage account, downloaded) and ``-``; see
:func:`~jackwatch.sources.reading.inputs.local_log_reader`."""
