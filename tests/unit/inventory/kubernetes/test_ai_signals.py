"""AI signals from the variables a container gets from ConfigMaps and Secrets: ``envFrom`` (the keys of the source,
after its ``prefix``) and ``env`` ``valueFrom`` (the variable's own name)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from tests.scanroots import openai_key

from jackwatch.checks.kubernetes import run_checks
from jackwatch.inventory.kubernetes import K8sInventory, build_inventory, read_manifest_text
from jackwatch.inventory.kubernetes.ai import ai_signals
from jackwatch.inventory.kubernetes.assets import inventory_assets
from jackwatch.sources.stats import ReadStats

NOW = datetime(2026, 11, 20, tzinfo=UTC)
ENDPOINT = "{OPENAI_BASE_URL: 'https://llm.internal/v1', MODEL: gpt-4o}"
PLAIN = "{DATABASE_URL: 'postgres://db:5432/shop', LOG_LEVEL: info}"
TOKEN = "s3cr3t-value-never-kept"


def manifests(env: str, *, data: str = ENDPOINT, namespace: str = "shop", secret_key: str = "OPENAI_API_KEY") -> str:
    """A ConfigMap llm-config (``data``, in ``namespace``), a Secret llm-keys (one key, ``secret_key``) and a
    Deployment in shop whose container has ``env`` (its ``env`` or ``envFrom`` field)."""
    encoded = base64.b64encode(TOKEN.encode()).decode()
    return f"""\
apiVersion: v1
kind: ConfigMap
metadata: {{name: llm-config, namespace: {namespace}}}
data: {data}
---
apiVersion: v1
kind: Secret
metadata: {{name: llm-keys, namespace: shop}}
type: Opaque
data: {{{secret_key}: {encoded}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: support-bot, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: support-bot}}}}
  template:
    metadata: {{labels: {{app: support-bot}}}}
    spec:
      containers:
        - name: bot
          image: registry.example.com/shop/support-bot:1.4
          {env}
"""


def built(text: str) -> K8sInventory:
    stats = ReadStats()
    inventory = build_inventory(read_manifest_text(text, "bot.yaml", stats), "c1", stats)
    assert not stats.problems, stats.problems
    return inventory


def signals(text: str) -> list[str]:
    inventory = built(text)
    [workload] = inventory.workloads
    return ai_signals(inventory, workload)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ("envFrom: [{configMapRef: {name: llm-config}}]", ["env OPENAI_BASE_URL"]),
        ("envFrom: [{secretRef: {name: llm-keys}}]", ["env OPENAI_API_KEY"]),
        (
            "envFrom: [{configMapRef: {name: llm-config}}, {secretRef: {name: llm-keys}}]",
            ["env OPENAI_API_KEY", "env OPENAI_BASE_URL"],
        ),
        (
            "env: [{name: OPENAI_API_BASE, valueFrom: {configMapKeyRef: {name: llm-config, key: OPENAI_BASE_URL}}}]",
            ["env OPENAI_API_BASE"],
        ),
    ],
)
def test_variables_from_configmaps_and_secrets_say_ai(env: str, expected: list[str]) -> None:
    assert signals(manifests(env)) == expected


def test_the_prefix_names_the_provider_of_plain_keys() -> None:
    text = manifests("envFrom: [{prefix: ANTHROPIC_, configMapRef: {name: llm-config}}]", data="{BASE_URL: x}")
    assert signals(text) == ["env ANTHROPIC_BASE_URL"]
    assert signals(text.replace("prefix: ANTHROPIC_", "prefix: APP_")) == []


@pytest.mark.parametrize(
    ("env", "options"),
    [
        ("envFrom: [{configMapRef: {name: llm-config}}]", {"data": PLAIN}),  # keys that say nothing
        ("envFrom: [{secretRef: {name: llm-keys}}]", {"secret_key": "DB_PASSWORD"}),
        ("envFrom: [{configMapRef: {name: llm-config}}]", {"namespace": "billing"}),  # not the workload's
        ("envFrom: [{configMapRef: {name: missing-config, optional: true}}]", {}),  # not in the inventory
        ("envFrom: [{secretRef: {name: llm-config}}]", {}),  # a Secret of that name there is not
        ("env: [{name: LOG_LEVEL, value: info}]", {}),  # the ConfigMap is not read
    ],
)
def test_variables_that_do_not_say_ai(env: str, options: dict[str, str]) -> None:
    assert signals(manifests(env, **options)) == []


def test_the_workload_asset_and_the_egress_check_see_the_env_from_signal() -> None:
    inventory = built(manifests("envFrom: [{secretRef: {name: llm-keys}}]"))
    [asset] = [asset for asset in inventory_assets(inventory) if asset.kind == "k8s_workload"]
    assert asset.attrs["ai"] is True and asset.attrs["ai_signals"] == ["env OPENAI_API_KEY"]
    [hit] = [f for f in run_checks(inventory, NOW).findings if f.rule_id == "k8s.workload.ai_egress_unrestricted"]
    assert hit.evidence["ai"] == ["env OPENAI_API_KEY"]
    assert TOKEN not in str(asset.attrs)


def test_an_llm_key_in_a_configmap_read_through_env_from_says_ai_whatever_its_name() -> None:
    key = openai_key(7)
    text = manifests("envFrom: [{configMapRef: {name: llm-config}}]", data=f"{{SUPPORT_TOKEN: {key}}}")
    assert signals(text) == ["openai_api_key in ConfigMap llm-config"]
    assert key not in " ".join(signals(text))
    assert signals(text.replace("envFrom: [{configMapRef: {name: llm-config}}]", "env: []")) == []
