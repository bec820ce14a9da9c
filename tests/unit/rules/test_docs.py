from __future__ import annotations

from collections.abc import Callable

from jackwatch.rules.docs import layout_condition, mitre_link, render_rule_docs
from jackwatch.rules.loader import LoadResult

Load = Callable[..., LoadResult]

RULES = """\
- list: actions
  items: [A, B, C, D, E]
- rule: Broad use of actions
  id: test.diverse
  desc: One user calls many of the listed actions.
  condition: t.name in (actions)
  output: o
  priority: WARNING
  severity: high
  source: test
  tags: [cloud, T1496.004]
  mitre: [T1580]
  docs:
    why: Attackers try everything.
    false_positives: Administrators.
    response: Revoke the key.
  threshold: {by: [t.user], window: 24h, distinct: t.name, universe: actions, count: 40%}
  exceptions:
    - name: admins
      fields: [t.user]
      values: [[root]]
- rule: Recon then act
  id: test.chain
  desc: Recon, then action.
  output: o
  priority: INFO
  source: test
  enabled: false
  sequence:
    by: [t.user]
    within: 15m
    steps:
      - {name: recon, condition: t.name = List}
      - condition: t.name = Act
- rule: Shell
  desc: A shell.
  condition: proc.name = bash
  output: o
  priority: NOTICE
"""


def test_rule_reference(load: Load) -> None:
    result = load(RULES)
    assert not result.errors
    text = render_rule_docs(result.ruleset)
    assert text.startswith("# Rule reference\n\nGenerated from the rule files by `jackwatch rules docs`")
    assert "\n3 rules.\n" in text
    assert "| [Broad use of actions](#testdiverse) | `test.diverse` | high | [T1580](" in text
    diverse = text[text.index("## Broad use of actions") : text.index("## Recon then act")]
    for expected in (
        "| id | `test.diverse` |",
        "| severity | high |",
        "| source | `test` |",
        "| MITRE ATT&CK | [T1580](https://attack.mitre.org/techniques/T1580/), "
        "[T1496.004](https://attack.mitre.org/techniques/T1496/004/) |",
        "| tags | `cloud`, `T1496.004` |",
        "### What it detects\n\nOne user calls many of the listed actions.",
        "### Why it matters\n\nAttackers try everything.",
        "### False positives\n\nAdministrators.",
        "### Response\n\nRevoke the key.",
        "- threshold: at least 40% of the list `actions` (2 of 5) distinct values of `t.name` per key within 1d",
        "- key: `t.user`",
        "### Condition\n\n```\nt.name in (actions)\n```",
        "- exception `admins` on `t.user`",
        "rules:\n  test.diverse:\n    threshold: {count: 40%, window: 1d}\n",
        "- list `actions`: `A`, `B`, `C`, `D`, `E`",
        "### Output\n\n```\no\n```",
    ):
        assert expected in diverse
    chain = text[text.index("## Recon then act") : text.index("## Shell")]
    assert "| enabled | no (enable it in the settings) |" in chain
    assert "- sequence of 2 steps within 15m" in chain
    assert "### Step 1: recon\n\n```\nt.name = List\n```" in chain and "### Step 2\n" in chain
    assert "### Condition" not in chain and "### Why it matters" not in chain
    shell = text[text.index("## Shell") :]
    assert "| evaluated | no — source 'syscall' is not read by jackwatch yet |" in shell
    assert "| MITRE ATT&CK | — |" in shell
    assert text.endswith("```\n")


def test_mitre_links() -> None:
    assert mitre_link("T1496.004") == "[T1496.004](https://attack.mitre.org/techniques/T1496/004/)"
    assert mitre_link("T1580") == "[T1580](https://attack.mitre.org/techniques/T1580/)"
    assert mitre_link("TA0040") == "[TA0040](https://attack.mitre.org/tactics/TA0040/)"
    assert mitre_link("AML.T0040") == "[AML.T0040](https://atlas.mitre.org/techniques/AML.T0040)"
    assert mitre_link("not-an-id") == "not-an-id"


def test_long_conditions_break_at_their_operands() -> None:
    text = (
        "t.name in (ListUsers, ListRoles) and not t.user in (admins, auditors) "
        "and (t.error = AccessDenied or (t.region = us-east-1 and t.model startswith anthropic.claude))"
    )
    assert layout_condition(text, width=72) == (
        "t.name in (ListUsers, ListRoles)\n"
        "and not t.user in (admins, auditors)\n"
        "and (t.error = AccessDenied\n"
        "     or (t.region = us-east-1 and t.model startswith anthropic.claude))"
    )
    assert layout_condition("t.name = A and t.user = b") == "t.name = A and t.user = b"
    assert layout_condition("  t.name = (  ") == "t.name = ("
