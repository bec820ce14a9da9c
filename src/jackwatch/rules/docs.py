"""Generate the Markdown reference of a rule set: one section per rule, from the rule's own metadata.

Each section gives the rule's id, severity, source, MITRE ATT&CK ids (linked), tags, what it detects,
why it matters, false positives, response, stateful parameters (with the settings that tune them),
condition (laid out over lines), the lists and macros it uses, its output and its inline tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from jackwatch.errors import ConditionError
from jackwatch.rules.condition import And, Compare, MacroRef, Node, Not, Or, ValueList, parse, render
from jackwatch.rules.spec import NewValue, Periodic, RuleSet, RuleSpec, Sequence, Spike, StatefulSpec, Threshold
from jackwatch.rules.stateful import format_duration

WIDTH = 100
"""Longest condition line before a condition is broken over several lines."""

_TECHNIQUE = re.compile(r"T(\d{4})(?:\.(\d{3}))?")
_TACTIC = re.compile(r"TA\d{4}")
_ATLAS = re.compile(r"AML\.T\d{4}(?:\.\d{3})?")


def render_rule_docs(ruleset: RuleSet, source: str | None = None) -> str:
    """The reference of every rule (of ``source``, when given), in load order: a summary table, then one section
    per rule."""
    rules = [rule for rule in ruleset.rules if source is None or rule.source == source]
    count = len(rules)
    lines = [
        "# Rule reference" + (f": `{source}`" if source else ""),
        "",
        "Generated from the rule files by `jackwatch rules docs`; do not edit by hand.",
        "",
        f"{count} rule{'' if count == 1 else 's'}.",
    ]
    if rules:
        lines += ["", "| Rule | id | Severity | MITRE ATT&CK |", "|---|---|---|---|"]
        lines += [
            f"| [{_cell(rule.name)}](#{anchor(rule.id)}) | `{rule.id}` | {rule.severity.value} "
            f"| {mitre_links(rule.mitre)} |"
            for rule in rules
        ]
    sections = ["\n".join(_section(rule, ruleset)).strip() for rule in rules]
    return "\n\n".join(["\n".join(lines), *sections]) + "\n"


def anchor(rule_id: str) -> str:
    """The HTML anchor of a rule's section."""
    return "".join(c for c in rule_id.lower() if c.isalnum() or c in "-_")


def mitre_link(mitre_id: str) -> str:
    """A MITRE id as a Markdown link to its ATT&CK (or ATLAS) page; other text is returned as is."""
    technique = _TECHNIQUE.fullmatch(mitre_id)
    if technique is not None:
        number, sub = technique.groups()
        path = f"T{number}/{sub}" if sub else f"T{number}"
        return f"[{mitre_id}](https://attack.mitre.org/techniques/{path}/)"
    if _TACTIC.fullmatch(mitre_id):
        return f"[{mitre_id}](https://attack.mitre.org/tactics/{mitre_id}/)"
    if _ATLAS.fullmatch(mitre_id):
        return f"[{mitre_id}](https://atlas.mitre.org/techniques/{mitre_id})"
    return mitre_id


def mitre_links(mitre_ids: tuple[str, ...]) -> str:
    """Linked MITRE ids separated by commas, or ``—`` when there are none."""
    return ", ".join(map(mitre_link, mitre_ids)) or "—"


def layout_condition(text: str, width: int = WIDTH) -> str:
    """A condition laid out over lines: each ``and``/``or`` operand of a long group starts a line.

    Text that does not parse is returned stripped, as written.
    """
    try:
        node = parse(text)
    except ConditionError:
        return text.strip()
    return "\n".join(_lines(node, width))


# ------------------------------------------------------------------------------------------- sections


def _section(rule: RuleSpec, ruleset: RuleSet) -> list[str]:
    lines = [f'<a id="{anchor(rule.id)}"></a>', "", f"## {rule.name}", ""]
    facts = [
        ("id", f"`{rule.id}`"),
        ("severity", rule.severity.value),
        ("source", f"`{rule.source}`"),
        ("enabled", "yes" if rule.enabled else "no (enable it in the settings)"),
        ("MITRE ATT&CK", mitre_links(rule.mitre)),
        ("tags", ", ".join(f"`{tag}`" for tag in rule.tags) or "—"),
    ]
    if rule.unsupported:
        facts.append(("evaluated", f"no — {rule.unsupported}"))
    lines += ["| | |", "|---|---|", *(f"| {name} | {_cell(value)} |" for name, value in facts), ""]
    lines += _paragraph("What it detects", rule.desc)
    lines += _paragraph("Why it matters", rule.docs.why)
    lines += _paragraph("False positives", rule.docs.false_positives)
    lines += _paragraph("Response", rule.docs.response)
    if rule.stateful is not None:
        lines += ["### Parameters", "", *_parameters(rule.stateful), ""]
        lines += ["Tune them in the settings file (`jackwatch detect --config FILE`):", ""]
        lines += ["```yaml", "rules:", f"  {rule.id}:", f"    {_tuning(rule.stateful)}", "```", ""]
    if rule.condition:
        lines += ["### Condition", "", "```", layout_condition(rule.condition), "```", ""]
    if isinstance(rule.stateful, Sequence):
        for number, step in enumerate(rule.stateful.steps, 1):
            title = f"Step {number}" + (f": {step.name}" if step.name else "")
            lines += [f"### {title}", "", "```", layout_condition(step.condition), "```", ""]
    for exception in rule.exceptions:
        lines.append(f"- exception `{exception.name}` on {', '.join(f'`{f}`' for f in exception.fields)}")
    if rule.exceptions:
        lines.append("")
    lines += _used(rule, ruleset)
    lines += ["### Output", "", "```", rule.output, "```", ""]
    if rule.tests:
        lines += ["### Inline tests", ""]
        lines += [f"- {test.name} — expects {test.expect}" for test in rule.tests]
    return lines


def _paragraph(title: str, text: str) -> list[str]:
    return [f"### {title}", "", text, ""] if text else []


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def _parameters(spec: StatefulSpec) -> list[str]:
    by = ", ".join(f"`{name}`" for name in spec.by) or "(all events together)"
    match spec:
        case Threshold():
            counted = f"distinct values of `{spec.distinct}`" if spec.distinct else "matching events"
            amount = str(spec.count) if isinstance(spec.count, int) else f"{float(spec.count * 100):g}%"
            if spec.universe_name:
                amount += f" of the list `{spec.universe_name}` ({spec.required} of {len(spec.universe)})"
            return [
                f"- threshold: at least {amount} {counted} per key within {format_duration(spec.window)}",
                f"- key: {by}",
            ]
        case Sequence():
            return [f"- sequence of {len(spec.steps)} steps within {format_duration(spec.within)}", f"- key: {by}"]
        case NewValue():
            return [
                f"- new value of `{spec.field}` per key after a learning period of {format_duration(spec.learning)}",
                f"- key: {by}",
            ]
        case Periodic():
            return [
                f"- periodic: the last {spec.min_count} occurrences within {format_duration(spec.window)}, "
                f"{format_duration(spec.min_interval)} to {format_duration(spec.max_interval)} apart, "
                f"jitter at most {spec.max_jitter:g}",
                f"- key: {by}",
            ]
        case Spike():
            total = f"the total of `{spec.value}`" if spec.value else "the number of matching events"
            season = f" of the same phase of {format_duration(spec.season)}" if spec.season else ""
            return [
                f"- spike: {total} per key in a bucket of {format_duration(spec.bucket)} reaches "
                f"max(floor {spec.floor:g}, {spec.factor:g} × baseline, baseline + {spec.deviations:g} MADs), "
                f"the baseline being the median of the key's previous {spec.history} buckets{season}",
                f"- key: {by}",
            ]


def _tuning(spec: StatefulSpec) -> str:
    """The settings entry that sets every tunable value of ``spec`` to its current value."""
    match spec:
        case Threshold():
            count = str(spec.count) if isinstance(spec.count, int) else f"{float(spec.count * 100):g}%"
            return f"threshold: {{count: {count}, window: {format_duration(spec.window)}}}"
        case Sequence():
            return f"sequence: {{within: {format_duration(spec.within)}}}"
        case NewValue():
            return f"new_value: {{learning: {format_duration(spec.learning)}}}"
        case Periodic():
            return (
                f"periodic: {{min_count: {spec.min_count}, window: {format_duration(spec.window)}, "
                f"min_interval: {format_duration(spec.min_interval)}, "
                f"max_interval: {format_duration(spec.max_interval)}, max_jitter: {spec.max_jitter:g}}}"
            )
        case Spike():
            season = f", season: {format_duration(spec.season)}" if spec.season else ""
            return (
                f"spike: {{bucket: {format_duration(spec.bucket)}, floor: {spec.floor:g}, history: {spec.history}, "
                f"factor: {spec.factor:g}, deviations: {spec.deviations:g}{season}}}"
            )


# --------------------------------------------------------------------------------- lists and macros


def _used(rule: RuleSpec, ruleset: RuleSet) -> list[str]:
    """The lists and macros the rule's conditions name (macros followed), with their content."""
    texts = [rule.condition] if rule.condition else []
    if isinstance(rule.stateful, Sequence):
        texts += [step.condition for step in rule.stateful.steps]
    macros: dict[str, None] = {}
    lists: dict[str, None] = {}
    pending = [node for node in map(_parsed, texts) if node is not None]
    while pending:
        for name, is_macro in _names(pending.pop(0)):
            if is_macro and name in ruleset.macros and name not in macros:
                macros[name] = None
                pending.append(ruleset.macros[name].node)
            elif not is_macro and name in ruleset.lists:
                lists[name] = None
    universe = rule.stateful.universe_name if isinstance(rule.stateful, Threshold) else None
    if universe is not None and universe in ruleset.lists:
        lists[universe] = None
    if not macros and not lists:
        return []
    lines = ["### Macros and lists", ""]
    lines += [f"- macro `{name}`: `{render(ruleset.macros[name].node)}`" for name in macros]
    for name in lists:
        items = ruleset.lists[name].items
        lines.append(f"- list `{name}`: " + (", ".join(f"`{item}`" for item in items) if items else "(empty)"))
    return [*lines, ""]


def _parsed(text: str) -> Node | None:
    try:
        return parse(text)
    except ConditionError:
        return None


def _names(node: Node) -> Iterator[tuple[str, bool]]:
    """``(name, is_macro)`` of every macro reference and bare list-item name in ``node``, in order."""
    match node:
        case And(operands) | Or(operands):
            for operand in operands:
                yield from _names(operand)
        case Not(operand):
            yield from _names(operand)
        case MacroRef(name):
            yield name, True
        case Compare(right=ValueList(items)):
            yield from ((item.text, False) for item in items if item.bare)


# ----------------------------------------------------------------------------------------- layout


def _lines(node: Node, width: int) -> list[str]:
    """``node`` as lines at most ``width`` long where it can be broken (one operand of a group a line)."""
    text = render(node)
    if len(text) <= width:
        return [text]
    match node:
        case And(operands) | Or(operands):
            word = "and " if isinstance(node, And) else "or "
            out: list[str] = []
            for index, operand in enumerate(operands):
                prefix = word if index else ""
                inner = _operand(operand, width - len(prefix))
                out.append(prefix + inner[0])
                out += [" " * len(prefix) + line for line in inner[1:]]
            return out
        case Not(operand):
            inner = _operand(operand, width - 4)
            return ["not " + inner[0], *("    " + line for line in inner[1:])]
        case _:
            return [text]


def _operand(node: Node, width: int) -> list[str]:
    """The lines of an operand, in parentheses when it is itself a group."""
    if not isinstance(node, And | Or):
        return _lines(node, width)
    inner = _lines(node, width - 1)
    if len(inner) == 1:
        return [f"({inner[0]})"]
    return ["(" + inner[0], *(" " + line for line in inner[1:-1]), " " + inner[-1] + ")"]
