"""Renderers that turn findings and run statistics into the formats users read or ingest."""

from jackwatch.outputs.formats import OutputFormat, render

__all__ = ["OutputFormat", "render"]
