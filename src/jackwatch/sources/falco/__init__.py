"""Falco's own alerts (``json_output: true``) as events of the ``falco_alert`` source: files, directories and stdin.

:func:`read_falco_alerts` streams one :class:`~jackwatch.model.Event` per alert, counting every line or file it
has to skip (text log lines between the alerts, broken JSON, alerts without a rule or time) in the given
:class:`~jackwatch.sources.stats.ReadStats`, each with its location. The built-in rule ``falco.alert`` turns
each alert into a finding about its container, named after the Falco rule (``falco.<rule name>``).
"""

from __future__ import annotations

from jackwatch.sources.falco.records import FORMAT, SOURCE, to_event
from jackwatch.sources.reading.context import ReadOptions
from jackwatch.sources.reading.inputs import local_log_reader

__all__ = ["SOURCE", "ReadOptions", "read_falco_alerts", "to_event"]


read_falco_alerts = local_log_reader(FORMAT, "Falco alert")
"""Falco's alerts from files (``file_output``, a saved ``stdout``: JSON Lines, gzipped or not), directories of
them, or ``-`` (``falco -o json_output=true | jackwatch detect falco:-``); see
:func:`~jackwatch.sources.reading.inputs.local_log_reader`."""
