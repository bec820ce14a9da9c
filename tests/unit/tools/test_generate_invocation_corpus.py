"""Tests for benchmarks/generate_invocation_corpus.py on a small corpus: layout, record shapes, determinism, and
that jackwatch reads every record and finds the attacks and leaks the corpus holds."""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest
from tests.scripts import load_script

from jackwatch.cli.options import load_pricing
from jackwatch.detect.service import DetectionResult, RuleSelection, build_detector, detect_inputs, detect_read
from jackwatch.normalize.asn import AsnDb
from jackwatch.sources.inputs import ReadRequest, kinds_of, read_inputs
from jackwatch.sources.stats import ReadStats

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "generate_invocation_corpus.py"
KEY = re.compile(
    r"^AWSLogs/(?P<account>\d{12})/BedrockModelInvocationLogs/(?P<region>[a-z0-9-]+)/\d{4}/\d{2}/\d{2}/\d{2}/"
    r"\d{8}T\d{9}Z_[0-9a-f]{16}\.json\.gz$"
)
REQUIRED = ("schemaType", "schemaVersion", "timestamp", "accountId", "identity", "region", "requestId", "operation")
OPERATIONS = {"InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream"}
RECORDS = 8000


@cache
def generator() -> ModuleType:
    return load_script(SCRIPT)


def plan(**changes: Any) -> Any:
    settings = {"records": RECORDS, "seed": 3, "hours": 8, "principals": 200, "accounts": 2}
    return generator().Plan(**{**settings, **changes})


def build(out: Path, workers: int = 1, **changes: Any) -> Any:
    total = generator().SlotResult()
    for result in generator().generate(plan(**changes), out, workers):
        total.add(result)
    return total


def snapshot(out: Path) -> dict[str, bytes]:
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*.json.gz"))}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("invocations")
    return out, build(out)


@pytest.fixture(scope="module")
def detected(corpus: tuple[Path, Any]) -> DetectionResult:
    detector = build_detector(RuleSelection(), AsnDb.load())
    return detect_inputs(detector, [f"bedrock:{corpus[0]}"], ReadRequest(), load_pricing([], "1000:500"))


def test_files_are_in_bedrocks_layout_and_hold_json_lines(corpus: tuple[Path, Any]) -> None:
    out, total = corpus
    files = snapshot(out)
    assert len(files) == total.files
    records = 0
    for key, data in files.items():
        found = KEY.match(key)
        assert found is not None, key
        lines = gzip.decompress(data).decode().splitlines()
        for line in lines:
            record = orjson.loads(line)
            assert all(name in record for name in REQUIRED)
            assert (record["accountId"], record["region"]) == (found["account"], found["region"])
            assert record["operation"] in OPERATIONS and record["schemaType"] == "ModelInvocationLog"
            assert ("errorCode" in record) != ("output" in record)
        times = [orjson.loads(line)["timestamp"] for line in lines]
        assert times == sorted(times)
        records += len(lines)
    assert records == total.records == RECORDS


def test_the_mix_of_models_operations_and_outcomes(corpus: tuple[Path, Any]) -> None:
    out, total = corpus
    records = [orjson.loads(line) for data in snapshot(out).values() for line in gzip.decompress(data).splitlines()]
    providers = ("anthropic.", "meta.", "amazon.", "mistral.")
    assert {provider for record in records for provider in providers if provider in record["modelId"]} == set(providers)
    assert {record["operation"] for record in records} == OPERATIONS
    errors = {record.get("errorCode") for record in records} - {None}
    assert {"ThrottlingException", "ValidationException"} <= errors
    streams = [record for record in records if record["operation"] == "InvokeModelWithResponseStream"]
    assert all(isinstance(record["output"]["outputBodyJson"], list) for record in streams if "output" in record)
    sizes = sorted(len(orjson.dumps(record.get("input", {}).get("inputBodyJson", ""))) for record in records)
    assert sizes[len(sizes) // 10] > 200 and sizes[len(sizes) * 9 // 10] > 2000
    assert total.by_kind["attack:probe"] == 24 and total.by_kind["attack:jailbreak"] == 30
    assert {kind for kind in total.by_kind if kind.startswith("leak:")} == {
        "leak:aws_key_pair",
        "leak:openai_key",
        "leak:private_key",
        "leak:anthropic_key",
    }


def test_the_same_seed_writes_the_same_bytes_with_any_number_of_workers(tmp_path: Path) -> None:
    build(tmp_path / "one", workers=1, records=3000, hours=8, principals=50)
    build(tmp_path / "two", workers=2, records=3000, hours=8, principals=50)
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
    build(tmp_path / "other", workers=1, records=3000, hours=8, principals=50, seed=4)
    assert snapshot(tmp_path / "other") != snapshot(tmp_path / "one")


def test_jackwatch_reads_every_record_and_finds_the_attacks(detected: DetectionResult) -> None:
    assert detected.read.events_read == RECORDS and detected.read.events_skipped == 0
    stolen = {finding.subject for finding, _ in detected.findings if finding.rule_id != "aws.bedrock.secrets_in_prompt"}
    population = generator().Population.build(plan())
    expected = {s.principal.arn for s in population.stolen} | {population.jailbreaker.arn}
    rolled_up = {arn.replace(":sts::", ":iam::").replace(":assumed-role/", ":role/").rstrip("/") for arn in expected}
    assert stolen == rolled_up
    rules = {finding.rule_id for finding, _ in detected.findings}
    assert rules == {
        "aws.bedrock.validation_errors_burst",
        "aws.bedrock.guardrail_blocks_burst",
        "aws.bedrock.token_spike",
        "aws.bedrock.secrets_in_prompt",
    }
    assert all(finding.cost is not None for finding, _ in detected.findings if finding.rule_id.endswith("spike"))


def test_each_leak_is_found_once(detected: DetectionResult) -> None:
    leaks = [finding for finding, _ in detected.findings if finding.rule_id == "aws.bedrock.secrets_in_prompt"]
    evidence = " ".join(str(finding.evidence) for finding in leaks)
    secrets = " ".join(str(secret) for finding in leaks for secret in finding.evidence["secrets"])
    assert len(leaks) == 4
    for kind in ("aws_access_key", "openai_api_key", "private_key", "anthropic_api_key"):
        assert secrets.count(kind) == 1, kind
    assert "EXAMPLE" not in evidence  # the documentation's sample key pair is not a leak


def test_too_few_records_for_the_attacks_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        generator().main(["--records", "100", "--out", str(tmp_path)])
    assert "--records must be at least" in capsys.readouterr().err


def test_detection_over_events_read_beforehand_finds_and_prices_the_same(
    corpus: tuple[Path, Any], detected: DetectionResult
) -> None:
    """What the throughput benchmark times after reading (events read into a list first) is the run's own work."""
    inputs = [f"bedrock:{corpus[0]}"]
    read = ReadStats()
    events = list(read_inputs(inputs, read, ReadRequest()))
    detector = build_detector(RuleSelection(), AsnDb.load())
    again = detect_read(detector, events, read, kinds_of(inputs), load_pricing([], "1000:500"))
    assert again.findings == detected.findings and any(finding.cost for finding, _ in again.findings)
    assert again.matches == detected.matches and again.read.as_dict() == detected.read.as_dict()
    assert [incident.id for incident in again.incidents] == [incident.id for incident in detected.incidents]
