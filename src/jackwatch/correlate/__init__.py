"""Correlation across findings: incidents (and, later, risks and attack paths)."""
