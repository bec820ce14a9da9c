"""Pure, frozen data types shared by every part of jackwatch. Imports nothing else from jackwatch."""

from jackwatch.model.cost import CostBasis, CostFigures, most_precise
from jackwatch.model.event import Event
from jackwatch.model.finding import Finding, FindingKind, finding_id
from jackwatch.model.inventory import Asset, Ecosystem, Package, PackageLocation, asset_id, normalize_name
from jackwatch.model.severity import Severity

__all__ = [
    "Asset",
    "CostBasis",
    "CostFigures",
    "Ecosystem",
    "Event",
    "Finding",
    "FindingKind",
    "Package",
    "PackageLocation",
    "Severity",
    "asset_id",
    "finding_id",
    "most_precise",
    "normalize_name",
]
