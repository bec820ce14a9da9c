"""The ``ocsf`` output: OCSF 1.3 Detection Finding (class 2004) records."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.outputs.findings import T0, USER
from tests.unit.outputs.findings import detection as shared_detection

from jackwatch import __version__
from jackwatch.model import CostBasis, CostFigures, Finding, Severity
from jackwatch.outputs import OutputFormat, render
from jackwatch.outputs.ocsf import finding_to_ocsf

T0_MS = 1730642531000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_TIMESTAMP = {"type": "integer", "minimum": 0}
_STRING = {"type": "string", "minLength": 1}
DETECTION_FINDING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "activity_id",
        "category_uid",
        "class_uid",
        "finding_info",
        "metadata",
        "severity_id",
        "time",
        "type_uid",
    ],
    "properties": {
        "activity_id": {"enum": [0, 1, 2, 3, 99]},
        "category_uid": {"const": 2},
        "class_uid": {"const": 2004},
        "type_uid": {"const": 200401},
        "severity_id": {"enum": [0, 1, 2, 3, 4, 5, 6, 99]},
        "severity": {"enum": ["Informational", "Low", "Medium", "High", "Critical"]},
        "status_id": {"enum": [0, 1, 2, 3, 4, 5, 99]},
        "time": _TIMESTAMP,
        "start_time": _TIMESTAMP,
        "end_time": _TIMESTAMP,
        "count": {"type": "integer", "minimum": 1},
        "message": {"type": "string"},
        "metadata": {
            "type": "object",
            "required": ["product", "version"],
            "properties": {
                "version": {"const": "1.3.0"},
                "product": {"type": "object", "required": ["name", "vendor_name"]},
                "profiles": {"type": "array", "items": {"type": "string"}},
            },
        },
        "finding_info": {
            "type": "object",
            "required": ["uid", "title"],
            "properties": {
                "uid": _STRING,
                "title": _STRING,
                "desc": {"type": "string"},
                "first_seen_time": _TIMESTAMP,
                "last_seen_time": _TIMESTAMP,
                "data_sources": {"type": "array", "items": {"type": "string"}},
                "analytic": {"type": "object", "required": ["type_id"], "properties": {"uid": _STRING}},
                "attacks": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": False,
                        "properties": {
                            "tactic": {"type": "object", "required": ["uid"]},
                            "technique": {"type": "object", "required": ["uid"]},
                            "sub_technique": {"type": "object", "required": ["uid"]},
                        },
                    },
                },
            },
        },
        "evidences": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "minProperties": 1,
                "properties": {
                    "actor": {"type": "object", "properties": {"user": {"type": "object"}}},
                    "src_endpoint": {"type": "object", "required": ["ip"]},
                    "data": {"type": "object"},
                },
            },
        },
        "cloud": {"type": "object", "required": ["provider"]},
        "unmapped": {"type": "object"},
    },
}
"""The required attributes of an OCSF 1.3 Detection Finding, with the types the schema gives them."""

DETECTION_FINDING_ATTRIBUTES = frozenset(
    {
        # base event and finding
        "activity_id", "activity_name", "category_name", "category_uid", "class_name", "class_uid", "comment",
        "confidence", "confidence_id", "confidence_score", "count", "duration", "end_time", "enrichments",
        "finding_info", "message", "metadata", "observables", "raw_data", "severity", "severity_id", "start_time",
        "status", "status_code", "status_detail", "status_id", "time", "timezone_offset", "type_name", "type_uid",
        "unmapped",
        # detection finding
        "evidences", "impact", "impact_id", "impact_score", "remediation", "resources", "risk_details",
        "risk_level", "risk_level_id", "risk_score", "vulnerabilities",
        # cloud profile
        "api", "cloud",
    }
)  # fmt: skip
"""Top-level attributes class 2004 has in OCSF 1.3 (``actor`` and ``device`` need the host profile)."""


def detection(**changes: Any) -> Finding:
    """The shared probe finding, last seen at a millisecond time, with an IPv6 source too."""
    base = shared_detection()
    evidence = {**base.evidence, "source_ips": ["194.48.248.108", "2a02:6ea0:c000::17"]}
    values: dict[str, Any] = {
        "last_seen": T0 + timedelta(minutes=7, milliseconds=250),
        "event_ids": ("4e1c7d0a", "9f2d", "a03b"),
        "evidence": evidence,
    }
    values.update(changes)
    return shared_detection(**values)


def test_record_has_every_required_attribute_with_its_type() -> None:
    jsonschema.validate(finding_to_ocsf(detection()), DETECTION_FINDING_SCHEMA)


def test_the_schema_rejects_a_record_without_finding_info_uid() -> None:
    record = finding_to_ocsf(detection())
    del record["finding_info"]["uid"]
    with pytest.raises(jsonschema.ValidationError, match="uid"):
        jsonschema.validate(record, DETECTION_FINDING_SCHEMA)


def test_record_uses_only_attributes_of_the_detection_finding_class() -> None:
    record = finding_to_ocsf(detection())
    assert set(record) <= DETECTION_FINDING_ATTRIBUTES
    assert "actor" not in record
    assert "src_endpoint" not in record


def test_class_category_activity_and_type_ids() -> None:
    record = finding_to_ocsf(detection())
    assert (record["class_uid"], record["category_uid"], record["activity_id"]) == (2004, 2, 1)
    assert record["type_uid"] == record["class_uid"] * 100 + record["activity_id"] == 200401
    assert (record["class_name"], record["category_name"], record["activity_name"]) == (
        "Detection Finding",
        "Findings",
        "Create",
    )


@pytest.mark.parametrize(
    ("severity", "severity_id", "caption"),
    [
        (Severity.INFO, 1, "Informational"),
        (Severity.LOW, 2, "Low"),
        (Severity.MEDIUM, 3, "Medium"),
        (Severity.HIGH, 4, "High"),
        (Severity.CRITICAL, 5, "Critical"),
    ],
)
def test_severity_id_follows_the_severity(severity: Severity, severity_id: int, caption: str) -> None:
    record = finding_to_ocsf(detection(severity=severity))
    assert (record["severity_id"], record["severity"]) == (severity_id, caption)


def test_finding_info_names_the_finding_and_the_rule() -> None:
    finding = detection()
    info = finding_to_ocsf(finding)["finding_info"]
    assert info["uid"] == finding.id
    assert info["title"] == "Bedrock invocation probe"
    assert info["analytic"] == {
        "uid": "aws.bedrock.invoke_probe",
        "name": "Bedrock invocation probe",
        "type_id": 1,
        "type": "Rule",
    }
    assert info["desc"] == finding.evidence["output"]
    assert info["data_sources"] == ["aws_cloudtrail"]


def test_metadata_names_the_product_and_schema_version() -> None:
    metadata = finding_to_ocsf(detection())["metadata"]
    assert metadata["version"] == "1.3.0"
    assert metadata["product"] == {"name": "jackwatch", "vendor_name": "jackwatch", "version": __version__}


def test_attacks_carry_techniques_sub_techniques_and_tactics() -> None:
    record = finding_to_ocsf(detection(mitre=("T1580", "T1496.004", "TA0040")))
    assert record["finding_info"]["attacks"] == [
        {"technique": {"uid": "T1580"}},
        {"technique": {"uid": "T1496"}, "sub_technique": {"uid": "T1496.004"}},
        {"tactic": {"uid": "TA0040"}},
    ]


def test_atlas_ids_are_kept_out_of_attck_attacks_but_not_lost() -> None:
    record = finding_to_ocsf(detection(mitre=("AML.T0051.000", "T1078.004")))
    assert record["finding_info"]["attacks"] == [{"technique": {"uid": "T1078"}, "sub_technique": {"uid": "T1078.004"}}]
    assert record["unmapped"]["mitre_other"] == ["AML.T0051.000"]


def test_no_mitre_ids_give_no_attacks() -> None:
    record = finding_to_ocsf(detection(mitre=()))
    assert record["finding_info"]["attacks"] == []
    assert "mitre_other" not in record["unmapped"]


def test_times_are_epoch_milliseconds() -> None:
    record = finding_to_ocsf(detection())
    last = T0_MS + 7 * 60_000 + 250
    assert (record["time"], record["start_time"], record["end_time"]) == (last, T0_MS, last)
    info = record["finding_info"]
    assert (info["first_seen_time"], info["last_seen_time"]) == (T0_MS, last)


@pytest.mark.parametrize(
    ("moment", "millis"),
    [
        (datetime(2024, 11, 3, 16, 2, 11, tzinfo=timezone(timedelta(hours=2))), T0_MS),
        (datetime(2024, 11, 3, 14, 2, 11), T0_MS),
        (datetime(2039, 1, 12, 4, 28, 56, 443000, tzinfo=UTC), 2178419336443),
        (datetime(1974, 4, 28, 12, 33, 25, 846000, tzinfo=UTC), 136384405846),
        (datetime(2024, 11, 3, 14, 2, 11, 999999, tzinfo=UTC), T0_MS + 999),
    ],
)
def test_times_are_exact_whatever_the_zone_or_precision(moment: datetime, millis: int) -> None:
    assert finding_to_ocsf(detection(first_seen=moment, last_seen=moment))["time"] == millis


@given(
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.sampled_from([UTC, None]))
)
def test_time_is_the_instant_truncated_to_the_millisecond(moment: datetime) -> None:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    millis = finding_to_ocsf(detection(first_seen=moment, last_seen=moment))["time"]
    assert isinstance(millis, int)
    written = EPOCH + timedelta(milliseconds=millis)
    assert aware - timedelta(milliseconds=1) < written <= aware


def test_evidences_name_the_actor_the_source_address_and_the_events() -> None:
    (proof,) = finding_to_ocsf(detection())["evidences"]
    assert proof["actor"] == {"user": {"uid": USER, "name": USER}}
    assert proof["src_endpoint"] == {"ip": "194.48.248.108"}
    assert proof["data"] == {"event_ids": ["4e1c7d0a", "9f2d", "a03b"], "event_count": 3}


@pytest.mark.parametrize(
    ("source_ips", "expected"),
    [
        (["bedrock.amazonaws.com", "AWS Internal", "35.249.253.232"], {"ip": "35.249.253.232"}),
        (["2a02:6ea0:c000::17"], {"ip": "2a02:6ea0:c000::17"}),
        (["bedrock.amazonaws.com", "AWS Internal"], None),
        ([], None),
    ],
)
def test_src_endpoint_ip_is_always_an_ip_address(source_ips: list[str], expected: dict[str, str] | None) -> None:
    finding = detection(evidence={"source_ips": source_ips, "source": "aws_cloudtrail"})
    (proof,) = finding_to_ocsf(finding)["evidences"]
    assert proof.get("src_endpoint") == expected


def test_cloud_profile_for_aws_findings() -> None:
    record = finding_to_ocsf(detection())
    assert record["cloud"] == {"provider": "AWS", "region": "us-east-1"}
    assert record["metadata"]["profiles"] == ["cloud"]


def test_no_cloud_object_for_findings_outside_a_cloud() -> None:
    record = finding_to_ocsf(detection(evidence={"regions": ["lab-1"], "source": "test"}))
    assert "cloud" not in record
    assert "profiles" not in record["metadata"]
    jsonschema.validate(record, DETECTION_FINDING_SCHEMA)


def test_unmapped_keeps_the_aggregated_evidence_key_and_cost() -> None:
    cost = CostFigures(812.4, 270.8, 6499.2, CostBasis.TOKENS, False)
    record = finding_to_ocsf(detection(key="anthropic.claude-3-5-sonnet-20240620-v1:0", cost=cost))
    unmapped = record["unmapped"]
    assert unmapped["regions"] == ["us-east-1", "us-west-2"]
    assert unmapped["asns"] == ["AS9009 M247 Europe SRL"]
    assert unmapped["key"] == "anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert unmapped["cost"] == cost.as_dict()
    assert "output" not in unmapped
    assert record["message"] == "Bedrock probe by ci-deployer: InvokeModel failed with ValidationException"


def test_message_falls_back_to_the_title() -> None:
    record = finding_to_ocsf(detection(evidence={}))
    assert record["message"] == record["finding_info"]["desc"] == "Bedrock invocation probe"
    assert record["finding_info"]["data_sources"] == []
    jsonschema.validate(record, DETECTION_FINDING_SCHEMA)


def test_render_writes_a_json_array_of_records() -> None:
    findings = [detection(), detection(rule_id="aws.bedrock.region_fanout", severity=Severity.MEDIUM)]
    out = io.BytesIO()
    render(OutputFormat.OCSF, findings, {"events_read": 10}, out)
    records = json.loads(out.getvalue())
    assert [r["finding_info"]["analytic"]["uid"] for r in records] == [
        "aws.bedrock.invoke_probe",
        "aws.bedrock.region_fanout",
    ]
    assert [r["severity_id"] for r in records] == [4, 3]
    for record in records:
        jsonschema.validate(record, DETECTION_FINDING_SCHEMA)


def test_render_with_no_findings_writes_an_empty_array() -> None:
    out = io.BytesIO()
    render(OutputFormat.OCSF, [], {}, out)
    assert json.loads(out.getvalue()) == []
