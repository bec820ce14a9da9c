"""Vulnerability advisories: the OSV database jackwatch matches installed packages against, with CVSS severity,
CISA KEV and EPSS enrichment and the smallest upgrade that fixes a package.

``AdvisoryDb.load()`` → ``db.match(package)`` → ``db.fix_version(package, matches)``; ``import_osv`` reads OSV
exports and ``jackwatch.vulns.update`` downloads them (see ``docs/vulnerabilities.md``).
"""

from jackwatch.vulns.db import AdvisoryDb
from jackwatch.vulns.epss import EpssScore, EpssScores
from jackwatch.vulns.importer import ImportLimits, ImportResult, import_osv
from jackwatch.vulns.kev import KevCatalog, KevEntry
from jackwatch.vulns.matching import VulnerabilityMatch
from jackwatch.vulns.severity import VulnSeverity

__all__ = [
    "AdvisoryDb",
    "EpssScore",
    "EpssScores",
    "ImportLimits",
    "ImportResult",
    "KevCatalog",
    "KevEntry",
    "VulnSeverity",
    "VulnerabilityMatch",
    "import_osv",
]
