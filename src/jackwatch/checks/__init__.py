"""Posture checks over the inventory: metadata as data (``content/checks/*.yaml``), logic as Python functions.

:mod:`jackwatch.checks.base` is the framework (metadata loader, registry, findings); each provider's checks live in
their own package (``checks.kubernetes``, ``checks.aws``).
"""

from jackwatch.checks.base import CheckError, CheckRegistry, CheckRun, CheckSpec, Hit, load_specs, make_finding

__all__ = ["CheckError", "CheckRegistry", "CheckRun", "CheckSpec", "Hit", "load_specs", "make_finding"]
