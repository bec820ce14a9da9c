"""The ``llm_usage`` event source: LLM usage and spend, one event per usage row.

Billing exports are read from files (:func:`read_usage_files`): AWS CUR 2.0 and legacy CUR (CSV, gzip,
Parquet), the GCP billing export (JSON Lines, CSV) and Azure cost exports (EA and MCA CSV). Only LLM
usage becomes events (Amazon Bedrock, Vertex AI and the Gemini API, Azure OpenAI and Foundry Models);
each file's :class:`FileSummary` says how many of its rows that was.
"""

from jackwatch.sources.usage.convert import FileSummary, NotAnExport
from jackwatch.sources.usage.files import read_usage_files, read_usage_stream
from jackwatch.sources.usage.row import (
    SOURCE,
    Provider,
    TokenKind,
    UsageRow,
    event_from_record,
    row_from_raw,
    row_to_raw,
    to_event,
)

__all__ = [
    "SOURCE",
    "FileSummary",
    "NotAnExport",
    "Provider",
    "TokenKind",
    "UsageRow",
    "event_from_record",
    "read_usage_files",
    "read_usage_stream",
    "row_from_raw",
    "row_to_raw",
    "to_event",
]
