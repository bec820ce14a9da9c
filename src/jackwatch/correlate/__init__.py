"""Correlation across findings: incidents, the correlation graph of assets and findings, risks and attack paths."""
