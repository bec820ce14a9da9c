"""Pure, frozen data types shared by every part of jackwatch. Imports nothing else from jackwatch."""

from jackwatch.model.correlation import AttackPath, Edge, Hop, Provenance, Risk, RiskFactor
from jackwatch.model.cost import CostBasis, CostFigures, most_precise
from jackwatch.model.event import JSON_OBJECT, Event
from jackwatch.model.finding import Finding, FindingKind, finding_id
from jackwatch.model.inventory import Asset, Ecosystem, Package, PackageLocation, asset_id, normalize_name
from jackwatch.model.severity import Severity

__all__ = [
    "JSON_OBJECT",
    "Asset",
    "AttackPath",
    "CostBasis",
    "CostFigures",
    "Ecosystem",
    "Edge",
    "Event",
    "Finding",
    "FindingKind",
    "Hop",
    "Package",
    "PackageLocation",
    "Provenance",
    "Risk",
    "RiskFactor",
    "Severity",
    "asset_id",
    "finding_id",
    "most_precise",
    "normalize_name",
]
