"""The Bedrock invocation log and secrets pages match the code: their YAML examples work, and every field,
rule and kind of secret they name exists."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.fields.bedrock_invocation import bedrock_invocation_fields
from jackwatch.rules.loader import builtin_rule_files, load_texts
from jackwatch.rules.settings import apply_settings, parse_settings
from jackwatch.rules.sources import default_registry
from jackwatch.secrets import DETECTORS_BY_KIND

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = (DOCS / "bedrock-invocation-logs.md").read_text(encoding="utf-8")
SECRETS = (DOCS / "secrets.md").read_text(encoding="utf-8")
YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def builtin() -> list[tuple[str, str]]:
    return [(str(path), path.read_text(encoding="utf-8")) for path in builtin_rule_files()]


def test_the_settings_and_list_examples_apply_to_the_built_in_pack() -> None:
    settings, rules = YAML_BLOCK.findall(PAGE)
    registry = default_registry(AsnDb.load())
    loaded = load_texts([*builtin(), ("docs/bedrock-invocation-logs.md", rules)], registry)
    assert not loaded.errors and not loaded.warnings
    assert {"github_token", "slack_token"} <= set(loaded.ruleset.lists["bedrock_log_secret_kinds"].items)
    tuned = apply_settings(
        loaded.ruleset, parse_settings(yaml.safe_load(settings)["rules"], loaded.ruleset.rules[0].location)
    )
    spike = next(rule for rule in tuned.rules if rule.id == "aws.bedrock.token_spike").stateful
    assert spike is not None and getattr(spike, "floor", None) == 2_000_000


def test_every_field_is_on_the_page() -> None:
    for name in bedrock_invocation_fields().fields:
        assert f"`{name}`" in PAGE, name


def test_every_rule_of_the_source_is_on_the_page() -> None:
    loaded = load_texts(builtin(), default_registry(AsnDb.load()))
    ours = [rule.id for rule in loaded.ruleset.rules if rule.source == "aws_bedrock_invocation"]
    assert len(ours) == 4
    for rule_id in ours:
        assert f"`{rule_id}`" in PAGE, rule_id


def test_every_kind_of_secret_is_on_the_secrets_page_and_in_the_rule_list_or_not_on_purpose() -> None:
    for kind in DETECTORS_BY_KIND:
        assert f"| `{kind}` |" in SECRETS, kind
    loaded = load_texts(builtin(), default_registry(AsnDb.load()))
    reported = set(loaded.ruleset.lists["bedrock_log_secret_kinds"].items)
    assert set(DETECTORS_BY_KIND) - reported == {"github_token", "slack_token"}
