"""Remediation: the exact fix of a finding, applied to the user's own files, and verified.

:mod:`~jackwatch.remediate.pointer` applies JSON patches (RFC 6902) to plain data; :mod:`~jackwatch.remediate.yamledit`
applies them to the text of a YAML or JSON manifest, keeping its comments, key order, quoting and layout;
:mod:`~jackwatch.remediate.diff` writes and applies unified diffs; :mod:`~jackwatch.remediate.kubernetes` turns a
Kubernetes finding's fix into a verified change of its manifest file; :mod:`~jackwatch.remediate.packages` upgrades a
vulnerable package where a requirements or pyproject file declares it; :mod:`~jackwatch.remediate.plan` says, for any
stored finding, what its fix is (or why there is none).
"""
