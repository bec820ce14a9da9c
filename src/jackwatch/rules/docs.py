"""Generate the Markdown reference of a rule set: one section per rule, from the rule's own metadata."""

from __future__ import annotations

from jackwatch.rules.spec import NewValue, Periodic, RuleSet, RuleSpec, Sequence, StatefulSpec, Threshold
from jackwatch.rules.stateful import format_duration


def render_rule_docs(ruleset: RuleSet) -> str:
    """The reference of every rule, in load order: metadata, explanation, stateful parameters, condition."""
    lines = ["# Rule reference", "", f"{len(ruleset.rules)} rule(s).", ""]
    lines += [f"- [{rule.name}](#{_anchor(rule.id)}) — `{rule.id}`" for rule in ruleset.rules]
    sections = ["\n".join(_section(rule)).strip() for rule in ruleset.rules]
    return "\n\n".join(["\n".join(lines).strip(), *sections]) + "\n"


def _anchor(rule_id: str) -> str:
    return "".join(c for c in rule_id.lower() if c.isalnum() or c in "-_")


def _section(rule: RuleSpec) -> list[str]:
    lines = [f'<a id="{_anchor(rule.id)}"></a>', "", f"## {rule.name}", ""]
    facts = [
        ("id", f"`{rule.id}`"),
        ("severity", rule.severity.value),
        ("source", f"`{rule.source}`"),
        ("enabled", "yes" if rule.enabled else "no (enable it in the settings)"),
        ("MITRE ATT&CK", ", ".join(rule.mitre) or "—"),
        ("tags", ", ".join(f"`{tag}`" for tag in rule.tags) or "—"),
    ]
    if rule.unsupported:
        facts.append(("evaluated", f"no — {rule.unsupported}"))
    lines += ["| | |", "|---|---|", *(f"| {name} | {value} |" for name, value in facts), ""]
    lines += _paragraph("What it detects", rule.desc)
    lines += _paragraph("Why it matters", rule.docs.why)
    lines += _paragraph("False positives", rule.docs.false_positives)
    lines += _paragraph("Response", rule.docs.response)
    if rule.stateful is not None:
        lines += ["### Parameters", "", *_parameters(rule.stateful), ""]
    if rule.condition:
        lines += ["### Condition", "", "```", rule.condition.strip(), "```", ""]
    if isinstance(rule.stateful, Sequence):
        for number, step in enumerate(rule.stateful.steps, 1):
            title = f"Step {number}" + (f": {step.name}" if step.name else "")
            lines += [f"### {title}", "", "```", step.condition.strip(), "```", ""]
    for exception in rule.exceptions:
        lines.append(f"- exception `{exception.name}` on {', '.join(f'`{f}`' for f in exception.fields)}")
    return lines


def _paragraph(title: str, text: str) -> list[str]:
    return [f"### {title}", "", text, ""] if text else []


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
