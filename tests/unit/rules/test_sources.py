from __future__ import annotations

from tests.unit.rules.ruleskit import REGISTRY

from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.sources import FALCO_SOURCES, SourceRegistry, default_registry


def test_default_registry_reads_cloudtrail() -> None:
    registry = default_registry(AsnDb.load())
    source = registry.get("aws_cloudtrail")
    assert source is not None and source.name == "aws_cloudtrail"
    assert source.fields.name_field == "ct.name"
    event = source.make_event({"eventName": "StopLogging", "eventTime": "2026-01-01T00:00:00Z"}, "here")
    assert (event.source, event.name, event.origin) == ("aws_cloudtrail", "StopLogging", "here")
    assert registry.get("k8s_audit") is None
    assert registry.unsupported == FALCO_SOURCES - {"aws_cloudtrail", "gcp_auditlog", "syscall"}
    assert {"k8s_audit", "okta"} <= registry.unsupported


def test_a_registry_of_sources() -> None:
    assert set(REGISTRY.sources) == {"test"}
    assert "test" not in REGISTRY.unsupported and "syscall" in REGISTRY.unsupported
    assert SourceRegistry().get("test") is None
