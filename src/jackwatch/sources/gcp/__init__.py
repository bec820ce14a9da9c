"""The Google Cloud audit log source (``gcp_auditlog``): Cloud Audit Logs entries from files, directories and stdin.

:func:`read_gcp_audit` streams :class:`~jackwatch.model.Event` objects from ``LogEntry`` records as Cloud
Logging exports them — JSON Lines files of a Cloud Storage sink, the JSON array of ``gcloud logging read
--format=json``, the Logging API's ``{"entries": [...]}`` — counting every record or file it has to skip
in the given :class:`~jackwatch.sources.stats.ReadStats`. Every service's entries are read; rules choose
(Vertex AI's are ``aiplatform.googleapis.com``, in the Data Access log, which must be enabled).
"""

from __future__ import annotations

from jackwatch.sources.gcp.records import FORMAT, SOURCE, to_event
from jackwatch.sources.reading.context import ReadOptions
from jackwatch.sources.reading.inputs import local_log_reader

__all__ = ["SOURCE", "ReadOptions", "read_gcp_audit", "to_event"]

_COPY_FIRST = "copy the objects first (gcloud storage cp -r gs://…/cloudaudit.googleapis.com .) or pipe them to -"


read_gcp_audit = local_log_reader(FORMAT, "Cloud Audit Logs", {"gs://": _COPY_FIRST})
"""Cloud Audit Logs entries from files, directories and ``-``; see
:func:`~jackwatch.sources.reading.inputs.local_log_reader`."""
