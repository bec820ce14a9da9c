"""Pure, frozen data types shared by every part of jackwatch. Imports nothing else from jackwatch."""

from jackwatch.model.cost import CostBasis, CostFigures, most_precise
from jackwatch.model.event import Event
from jackwatch.model.finding import Finding, FindingKind, finding_id
from jackwatch.model.severity import Severity

__all__ = ["CostBasis", "CostFigures", "Event", "Finding", "FindingKind", "Severity", "finding_id", "most_precise"]
