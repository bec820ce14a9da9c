"""The built-in rule pack: it loads cleanly, its inline tests pass, and every rule is complete and documented."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import pytest
import yaml

from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.inline_tests import TestOutcome, run_inline_tests
from jackwatch.rules.loader import LoadResult, builtin_rule_files, load_rules
from jackwatch.rules.sources import SourceRegistry, default_registry
from jackwatch.rules.spec import RuleSpec

SOURCE_PREFIXES = {
    "aws_cloudtrail": ("aws",),
    "aws_bedrock_invocation": ("aws",),
    "llm_usage": ("cost", "openai", "anthropic"),
    "azure_openai": ("azure",),
    "gcp_auditlog": ("gcp",),
    "openai_audit": ("openai",),
    "anthropic_activity": ("anthropic",),
    "syscall": ("runtime",),
    "falco_alert": ("falco",),
}
"""The sources the built-in pack covers, and the first parts their rule ids may have."""

REQUIRED_IDS = (
    "aws.bedrock.invoke_probe",
    "aws.bedrock.console_api_programmatic",
    "aws.bedrock.model_access_enabled",
    "aws.bedrock.model_access_denied",
    "aws.bedrock.logging_recon",
    "aws.bedrock.logging_heartbeat",
    "aws.bedrock.logging_tampered",
    "aws.bedrock.guardrail_tampered",
    "aws.bedrock.throughput_tampered",
    "aws.bedrock.recon_then_invoke",
    "aws.bedrock.action_diversity",
    "aws.bedrock.invocation_volume",
    "aws.bedrock.region_fanout",
    "aws.bedrock.list_models_denied",
    "aws.bedrock.long_term_key_suspicious_client",
    "aws.bedrock.api_key_misuse",
    "aws.bedrock.new_source",
    "aws.iam.key_recon",
    "aws.bedrock.validation_errors_burst",
    "aws.bedrock.secrets_in_prompt",
    "aws.bedrock.guardrail_blocks_burst",
    "aws.bedrock.token_spike",
    "gcp.vertex.sa_key_new_source",
    "gcp.vertex.sa_key_new_client",
    "gcp.vertex.publisher_model_first_use",
    "gcp.vertex.region_fanout",
    "gcp.vertex.probe_errors",
    "azure.openai.keys_listed",
    "azure.openai.local_auth_enabled",
    "azure.openai.request_burst",
    "azure.openai.new_caller",
    "azure.openai.content_filter_probe",
    "openai.key_elevated_scope",
    "cost.llm_spend_spike",
    "cost.llm_spend_spike_daily",
    "openai.usage_spike",
    "openai.usage_spike_daily",
    "anthropic.usage_spike",
    "anthropic.usage_spike_daily",
)
"""Rule ids the pack must ship (the AWS LLMjacking detections)."""

MITRE_TECHNIQUE = re.compile(r"T\d{4}(?:\.\d{3})?")
ID_PART = r"[a-z][a-z0-9_]*"


@lru_cache(maxsize=1)
def registry() -> SourceRegistry:
    return default_registry(AsnDb.load())


@lru_cache(maxsize=1)
def pack() -> LoadResult:
    return load_rules(builtin_rule_files(), registry())


@lru_cache(maxsize=1)
def outcomes() -> dict[tuple[str, str], list[TestOutcome]]:
    found: dict[tuple[str, str], list[TestOutcome]] = {}
    for outcome in run_inline_tests(pack(), registry()):
        found.setdefault((outcome.rule_id, outcome.name), []).append(outcome)
    return found


def rules() -> list[RuleSpec]:
    return list(pack().ruleset.rules)


def rule_id_of(rule: RuleSpec) -> str:
    return rule.id


INLINE_TESTS = [(rule.id, test.name) for rule in rules() for test in rule.tests]


def test_the_pack_is_not_empty() -> None:
    assert builtin_rule_files(), "no rule file under jackwatch/content/rules"
    assert rules(), "the built-in pack has no rule"


def test_the_pack_loads_without_errors_or_warnings() -> None:
    loaded = pack()
    problems = [f"error {error}" for error in loaded.errors] + [f"warning {warning}" for warning in loaded.warnings]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("rule_id", "name"), INLINE_TESTS, ids=[f"{rule}::{name}" for rule, name in INLINE_TESTS])
def test_inline_test_passes(rule_id: str, name: str) -> None:
    for outcome in outcomes()[(rule_id, name)]:
        assert outcome.passed, f"{outcome.message} ({outcome.location})"


@pytest.mark.parametrize("rule", rules(), ids=rule_id_of)
def test_rule_has_positive_and_negative_tests(rule: RuleSpec) -> None:
    positive = [test.name for test in rule.tests if test.expect.match]
    negative = [test.name for test in rule.tests if not test.expect.match]
    assert positive, f"{rule.location}: rule {rule.id} has no inline test that expects a match"
    assert negative, f"{rule.location}: rule {rule.id} has no inline test that expects no match"
    repeated = [name for name, count in Counter(test.name for test in rule.tests).items() if count > 1]
    assert not repeated, f"{rule.location}: rule {rule.id} repeats test names {repeated}"


def test_rule_ids_are_unique() -> None:
    repeated = [rule_id for rule_id, count in Counter(rule.id for rule in rules()).items() if count > 1]
    assert not repeated, f"rule ids used more than once: {repeated}"


@pytest.mark.parametrize("rule", rules(), ids=rule_id_of)
def test_rule_source_and_id(rule: RuleSpec) -> None:
    assert rule.source in SOURCE_PREFIXES, f"{rule.location}: rule {rule.id} has source {rule.source!r}"
    prefixes = "|".join(re.escape(prefix) for prefix in SOURCE_PREFIXES[rule.source])
    pattern = rf"(?:{prefixes})\.{ID_PART}(?:\.{ID_PART})?"
    assert re.fullmatch(pattern, rule.id), f"{rule.location}: id {rule.id!r} is not <source-prefix>.<area>[.<pattern>]"


@pytest.mark.parametrize("rule", rules(), ids=rule_id_of)
def test_rule_is_documented(rule: RuleSpec) -> None:
    where = f"{rule.location}: rule {rule.id}"
    assert rule.desc, f"{where} has no desc"
    assert rule.docs.why, f"{where} has no docs.why"
    assert rule.docs.false_positives, f"{where} has no docs.false_positives"
    assert rule.docs.response, f"{where} has no docs.response"
    techniques = [mitre_id for mitre_id in rule.mitre if MITRE_TECHNIQUE.fullmatch(mitre_id)]
    source = registry().get(rule.source)
    restated = source is not None and source.fields.restate is not None  # another tool's alerts: theirs
    assert techniques or restated, f"{where} has no MITRE ATT&CK technique id (T1234 or T1234.001): {list(rule.mitre)}"


def test_every_rule_sets_its_severity() -> None:
    missing = []
    for path in builtin_rule_files():
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            defines_rule = isinstance(item, dict) and "rule" in item and "append" not in item and "override" not in item
            if defines_rule and "severity" not in item:
                missing.append(f"{path.name}: {item['rule']}")
    assert not missing, f"rules without severity: {missing}"


@pytest.mark.parametrize("rule_id", REQUIRED_IDS)
def test_required_rule_is_shipped(rule_id: str) -> None:
    shipped = {rule.id: rule for rule in rules()}
    assert rule_id in shipped, f"the built-in pack lacks {rule_id}"
    assert shipped[rule_id].enabled, f"{rule_id} is disabled by default"
