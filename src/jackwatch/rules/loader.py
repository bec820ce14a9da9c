"""Load Falco-compatible rule files, in order, into a :class:`~jackwatch.rules.spec.RuleSet`.

Falco semantics: items are read file after file; a ``list``/``macro``/``rule`` defined again replaces
the earlier one, ``append: true`` and ``override: {key: append|replace}`` change it. Lists and macros are
resolved once every file is read, so a later file can replace an allowlist the rules use. Loading never
stops at the first problem: every error is collected with its ``file:line`` (and column when known),
and a bad item is left out while the others load.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path

from jackwatch.errors import ConditionError, Location, RuleLoadError, YamlError
from jackwatch.model import Severity
from jackwatch.rules import items as read
from jackwatch.rules.condition import (
    And,
    ConditionSyntaxError,
    Node,
    Not,
    check_fields,
    compile_condition,
    expand,
    fields_used,
    parse,
)
from jackwatch.rules.engine import unknown_output_fields
from jackwatch.rules.exceptions import exception_node, parse_exceptions
from jackwatch.rules.fields import SourceFields
from jackwatch.rules.items import ItemError
from jackwatch.rules.sources import SourceRegistry, not_read
from jackwatch.rules.spec import (
    ExceptionSpec,
    InlineTest,
    ListItem,
    MacroItem,
    NewValue,
    RuleDocs,
    RuleSet,
    RuleSpec,
    Sequence,
    SequenceStep,
    Spike,
    StatefulSpec,
    Threshold,
    field_reader,
    split_field,
)
from jackwatch.rules.stateful import (
    SpecError,
    parse_new_value,
    parse_periodic,
    parse_sequence,
    parse_spike,
    parse_threshold,
)
from jackwatch.yamlsource import Scalar, YamlMap, read_yaml

_KINDS = ("rule", "macro", "list", "required_engine_version", "required_plugin_versions")
_STATEFUL_KEYS = ("threshold", "sequence", "new_value", "periodic", "spike")
_LIST_KEYS = frozenset({"list", "items", "append", "override"})
_MACRO_KEYS = frozenset({"macro", "condition", "append", "override"})
_FALCO_RULE_KEYS = frozenset(
    {
        "rule",
        "condition",
        "output",
        "desc",
        "priority",
        "source",
        "tags",
        "enabled",
        "exceptions",
        "append",
        "override",
        "warn_evttypes",
        "skip-if-unknown-filter",
        "capture",
        "capture_duration",
    }
)
_RULE_KEYS = _FALCO_RULE_KEYS | {"id", "severity", "mitre", "docs", "tests", *_STATEFUL_KEYS}
_RULE_APPENDABLE = frozenset({"condition", "output", "desc", "tags", "exceptions", "mitre"})
_RULE_REPLACEABLE = _RULE_KEYS - {"rule", "append", "override", "id", "source", "tests"}
_OVERRIDABLE = {
    "rule": (_RULE_APPENDABLE, _RULE_REPLACEABLE),
    "macro": (frozenset({"condition"}), frozenset({"condition"})),
    "list": (frozenset({"items"}), frozenset({"items"})),
}


@dataclass(frozen=True, slots=True)
class LoadWarning:
    """Something loaded, but not as written (an unknown key, a rule jackwatch cannot evaluate…)."""

    message: str
    location: Location | None = None

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


@dataclass(frozen=True, slots=True)
class LoadResult:
    """The merged rule set, every error (with its location) and every warning."""

    ruleset: RuleSet
    errors: list[RuleLoadError]
    warnings: list[LoadWarning]

    @property
    def ok(self) -> bool:
        """True when no error was found."""
        return not self.errors


def builtin_rule_files() -> list[Path]:
    """The default rule pack shipped as package data (``jackwatch/content/rules/**/*.yaml``), sorted."""
    root = Path(str(files("jackwatch") / "content" / "rules"))
    return sorted(root.rglob("*.yaml")) if root.is_dir() else []


def load_rules(paths: Iterable[str | Path], registry: SourceRegistry) -> LoadResult:
    """Load rule files in order (Falco semantics); an unreadable file is an error, the others load."""
    loader = _Loader(registry)
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            loader.fail(str(path), f"cannot read rule file: {exc}")
            continue
        loader.read(str(path), text)
    return loader.finish()


def load_texts(documents: Iterable[tuple[str, str]], registry: SourceRegistry) -> LoadResult:
    """Load ``(path, text)`` rule documents in order; ``path`` only names them in locations."""
    loader = _Loader(registry)
    for path, text in documents:
        loader.read(path, text)
    return loader.finish()


# ------------------------------------------------------------------------------------ drafts (mutable)


@dataclass(slots=True)
class _ListDraft:
    items: list[str]
    location: Location


@dataclass(slots=True)
class _MacroDraft:
    condition: list[Scalar]
    location: Location


@dataclass(slots=True)
class _RuleDraft:
    name: str
    location: Location
    condition: list[Scalar]
    output: str
    desc: str
    priority: str
    severity: Severity | None
    source: str
    id: str | None = None
    tags: list[str] = field(default_factory=list)
    enabled: bool = True
    exceptions: dict[str, ExceptionSpec] = field(default_factory=dict)
    mitre: list[str] = field(default_factory=list)
    docs: RuleDocs = field(default_factory=RuleDocs)
    stateful: StatefulSpec | None = None
    stateful_location: Location | None = None
    tests: list[InlineTest] = field(default_factory=list)
    skip_unknown: bool = False


# ----------------------------------------------------------------------------------------- the loader


class _Loader:
    """Reads items in order into drafts, then resolves lists and macros and checks every rule."""

    def __init__(self, registry: SourceRegistry) -> None:
        self.registry = registry
        self.errors: list[RuleLoadError] = []
        self.warnings: list[LoadWarning] = []
        self.lists: dict[str, _ListDraft] = {}
        self.macros: dict[str, _MacroDraft] = {}
        self.rules: dict[str, _RuleDraft] = {}
        self.engine_versions: dict[str, str] = {}
        self.order: dict[str, int] = {}
        self.unavailable: dict[str, list[tuple[RuleSpec, list[str]]]] = {}

    def fail(self, path: str, message: str) -> None:
        """Record a file that could not be read."""
        self.order.setdefault(path, len(self.order))
        self.errors.append(RuleLoadError(message, Location(path)))

    def read(self, path: str, text: str) -> None:
        """Read the items of one file into the drafts."""
        self.order.setdefault(path, len(self.order))
        try:
            documents = read_yaml(text, path)
        except YamlError as exc:
            self.errors.append(RuleLoadError(exc.message, exc.location))
            return
        for duplicate in documents.duplicate_keys:
            self.warnings.append(LoadWarning(f"duplicate key {duplicate.key!r}: the last one wins", duplicate.location))
        for document in documents.values:
            if document is None:
                continue
            if not isinstance(document, list):
                self.errors.append(RuleLoadError("a rule file must be a list of items", Location(path, 1)))
                continue
            for item in document:
                self._item(item, path)

    def _item(self, item: object, path: str) -> None:
        if not isinstance(item, YamlMap):
            self.errors.append(RuleLoadError(f"an item must be a mapping, not {item!r}", Location(path)))
            return
        kinds = [key for key in _KINDS if key in item]
        try:
            if len(kinds) > 1:
                raise ItemError(f"an item has one of the keys {', '.join(kinds)}, not several", item.location())
            if not kinds:
                keys = ", ".join(sorted(map(str, item)))
                self.warnings.append(LoadWarning(f"unknown item ignored (keys: {keys})", item.location()))
                return
            kind = kinds[0]
            if kind == "required_engine_version":
                self.engine_versions[path] = str(item[kind])
            elif kind == "required_plugin_versions":
                if not isinstance(item[kind], list):
                    raise ItemError("required_plugin_versions must be a list", item.location(kind))
            elif kind == "list":
                self._list(item)
            elif kind == "macro":
                self._macro(item)
            else:
                self._rule(item)
        except ItemError as exc:
            self.errors.append(exc.error)

    # ----------------------------------------------------------------------------------- lists/macros

    def _list(self, item: YamlMap) -> None:
        name = read.name_of(item, "list")
        self._warn_unknown(item, _LIST_KEYS)
        values = item.get("items")
        if not isinstance(values, list) or not all(isinstance(v, str | int | float) for v in values):
            raise ItemError(f"list {name!r}: items must be a list of values", item.location("items"))
        items = [str(v) for v in values]
        mode = _mode(item, "list", "items")
        if mode == "define":
            self.lists[name] = _ListDraft(items, item.location())
            return
        previous = self.lists.get(name)
        if previous is None:
            raise ItemError(f"list {name!r} is appended to or overridden but not defined before", item.location())
        previous.items = previous.items + items if mode == "append" else items

    def _macro(self, item: YamlMap) -> None:
        name = read.name_of(item, "macro")
        self._warn_unknown(item, _MACRO_KEYS)
        condition = read.condition(item, f"macro {name!r}")
        mode = _mode(item, "macro", "condition")
        if mode == "define":
            self.macros[name] = _MacroDraft([condition], item.location())
            return
        previous = self.macros.get(name)
        if previous is None:
            raise ItemError(f"macro {name!r} is appended to or overridden but not defined before", item.location())
        previous.condition = [*previous.condition, condition] if mode == "append" else [condition]

    # ------------------------------------------------------------------------------------------ rules

    def _rule(self, item: YamlMap) -> None:
        name = read.name_of(item, "rule")
        self._warn_unknown(item, _RULE_KEYS)
        previous = self.rules.get(name)
        overrides = _overrides(item, "rule")
        append = read.boolean(item, "append", False)
        if overrides is None and not append and set(item) == {"rule", "enabled"}:
            if previous is None:
                raise ItemError(f"rule {name!r} is enabled/disabled but not defined before", item.location())
            previous.enabled = read.boolean(item, "enabled", previous.enabled)
            return
        if overrides is None and not append:
            self.rules[name] = self._new_rule(name, item)
            return
        if previous is None:
            raise ItemError(f"rule {name!r} is appended to or overridden but not defined before", item.location())
        if overrides is None:
            overrides = {key: "append" for key in item if key not in {"rule", "append"}}
            unexpected = set(overrides) - {"condition", "exceptions"}
            if unexpected:
                raise ItemError(
                    f"rule {name!r}: append: true only appends condition and exceptions "
                    f"(use override: for {', '.join(sorted(map(str, unexpected)))})",
                    item.location(),
                )
        for key, how in overrides.items():
            self._override_rule(previous, item, key, how)

    def _new_rule(self, name: str, item: YamlMap) -> _RuleDraft:
        where = f"rule {name!r}"
        missing = [key for key in ("output", "desc") if key not in item]
        if "priority" not in item and "severity" not in item:
            missing.append("priority")
        if "condition" not in item and "sequence" not in item:
            missing.insert(0, "condition")
        if missing:
            raise ItemError(f"{where}: missing {', '.join(missing)}", item.location())
        priority = read.priority(item, where) if "priority" in item else ""
        draft = _RuleDraft(
            name=name,
            location=item.location(),
            condition=[read.condition(item, where)] if "condition" in item else [],
            output=read.string(item, "output", where),
            desc=read.string(item, "desc", where),
            priority=priority,
            severity=read.severity(item, where) if "severity" in item else None,
            source=read.string(item, "source", where) if "source" in item else "syscall",
            id=read.rule_id(item, where) if "id" in item else None,
            tags=read.strings(item, "tags", where),
            enabled=read.boolean(item, "enabled", True),
            exceptions={e.name: e for e in parse_exceptions(item, where, {})},
            mitre=read.mitre(item, where),
            docs=read.docs(item, where),
            tests=read.tests(item, where),
            skip_unknown=read.boolean(item, "skip-if-unknown-filter", False),
        )
        self._set_stateful(draft, item, where)
        return draft

    def _override_rule(self, draft: _RuleDraft, item: YamlMap, key: str, how: str) -> None:
        where = f"rule {draft.name!r}"
        append = how == "append"
        if key == "condition":
            condition = read.condition(item, where)
            draft.condition = [*draft.condition, condition] if append else [condition]
        elif key in {"output", "desc"}:
            text = read.string(item, key, where)
            old = getattr(draft, key)
            setattr(draft, key, f"{old} {text}" if append and old else text)
        elif key in {"tags", "mitre"}:
            values = read.strings(item, key, where) if key == "tags" else read.mitre(item, where)
            old_values: list[str] = getattr(draft, key)
            setattr(draft, key, old_values + [v for v in values if v not in old_values] if append else values)
        elif key == "exceptions":
            kept = draft.exceptions if append else {}
            draft.exceptions = kept | {e.name: e for e in parse_exceptions(item, where, kept)}
        elif key == "priority":
            draft.priority = read.priority(item, where)
            draft.severity = None if "severity" not in item else draft.severity
        elif key == "severity":
            draft.severity = read.severity(item, where)
        elif key == "enabled":
            draft.enabled = read.boolean(item, "enabled", draft.enabled)
        elif key == "docs":
            draft.docs = read.docs(item, where)
        elif key in _STATEFUL_KEYS:
            self._set_stateful(draft, item, where)
        elif key == "skip-if-unknown-filter":
            draft.skip_unknown = read.boolean(item, key, draft.skip_unknown)

    def _set_stateful(self, draft: _RuleDraft, item: YamlMap, where: str) -> None:
        present = [key for key in _STATEFUL_KEYS if key in item]
        if not present:
            return
        if len(present) > 1:
            raise ItemError(f"{where}: use one of {', '.join(present)}, not several", item.location(present[1]))
        kind = present[0]
        block = item[kind]
        if not isinstance(block, YamlMap):
            raise ItemError(f"{where}: {kind} must be a mapping", item.location(kind))
        try:
            if kind == "threshold":
                spec: StatefulSpec = parse_threshold(block)
            elif kind == "sequence":
                spec = parse_sequence(block, _steps(block, where))
            elif kind == "new_value":
                spec = parse_new_value(block)
            elif kind == "spike":
                spec = parse_spike(block)
            else:
                spec = parse_periodic(block)
        except SpecError as exc:
            raise ItemError(f"{where}: {kind}.{exc}", block.location(exc.key)) from None
        draft.stateful, draft.stateful_location = spec, block.location()

    def _warn_unknown(self, item: YamlMap, allowed: frozenset[str]) -> None:
        for key in item:
            if key not in allowed:
                self.warnings.append(LoadWarning(f"unknown key {key!r} ignored", item.location(str(key))))

    # --------------------------------------------------------------------------------------- resolve

    def finish(self) -> LoadResult:
        """Resolve lists and macros, check every rule, and return the result (problems in file order)."""
        lists = self._resolve_lists()
        list_values = {name: item.items for name, item in lists.items()}
        macros = self._resolve_macros()
        macro_nodes = {name: macro.node for name, macro in macros.items()}
        rules: list[RuleSpec] = []
        for draft in self.rules.values():
            try:
                rules.append(self._finish_rule(draft, macro_nodes, list_values))
            except ItemError as exc:
                self.errors.append(exc.error)
        self._check_ids(rules)
        self._report_unsupported(rules)
        ruleset = RuleSet(lists, macros, tuple(rules), dict(self.engine_versions))
        errors = sorted(self.errors, key=lambda error: self._place(error.location))
        return LoadResult(ruleset, errors, sorted(self.warnings, key=lambda warning: self._place(warning.location)))

    def _place(self, location: Location | None) -> tuple[int, int]:
        """Sort key: files in load order, then lines."""
        if location is None:
            return (len(self.order), 0)
        return (self.order.get(location.path, len(self.order)), location.line or 0)

    def _resolve_lists(self) -> dict[str, ListItem]:
        resolved: dict[str, ListItem] = {}

        def items_of(name: str, seen: tuple[str, ...]) -> list[str]:
            out: list[str] = []
            for value in self.lists[name].items:
                if value in self.lists and value not in seen:
                    out.extend(items_of(value, (*seen, value)))
                else:
                    out.append(value)
            return out

        for name, draft in self.lists.items():
            resolved[name] = ListItem(name, tuple(items_of(name, (name,))), draft.location)
        return resolved

    def _resolve_macros(self) -> dict[str, MacroItem]:
        macros: dict[str, MacroItem] = {}
        for name, draft in self.macros.items():
            try:
                text, node = _parse_parts(draft.condition, f"macro {name!r}")
            except ItemError as exc:
                self.errors.append(exc.error)
                continue
            macros[name] = MacroItem(name, text, node, draft.location)
        return macros

    def _finish_rule(
        self, draft: _RuleDraft, macros: Mapping[str, Node], lists: Mapping[str, tuple[str, ...]]
    ) -> RuleSpec:
        where = f"rule {draft.name!r}"
        text, node = _parse_parts(draft.condition, where) if draft.condition else ("", None)
        condition_location = draft.condition[-1].location if draft.condition else draft.location
        exceptions = tuple(draft.exceptions.values())
        parts = [node] if node is not None else []
        parts += [Not(clause) for clause in map(exception_node, exceptions) if clause is not None]
        node = None if not parts else parts[0] if len(parts) == 1 else And(tuple(parts))
        node = _expand(node, macros, lists, where, condition_location) if node is not None else None
        stateful = self._finish_stateful(draft, macros, lists, where)
        spec = RuleSpec(
            name=draft.name,
            id=draft.id or read.slug(draft.name, draft.location),
            desc=draft.desc,
            condition=text,
            node=node,
            output=draft.output,
            priority=draft.priority,
            severity=draft.severity or Severity.from_priority(draft.priority),
            source=draft.source,
            location=draft.location,
            tags=tuple(draft.tags),
            enabled=draft.enabled,
            exceptions=exceptions,
            mitre=read.all_mitre(draft.mitre, draft.tags),
            docs=draft.docs,
            stateful=stateful,
            tests=tuple(draft.tests),
        )
        source = self.registry.get(spec.source)
        if source is None:
            return replace(spec, unsupported=not_read(spec.source))
        missing = _unavailable_fields(spec, source.fields)
        if missing:
            self.unavailable.setdefault(spec.source, []).append((spec, missing))
            return replace(spec, unsupported=f"uses field(s) jackwatch does not provide: {', '.join(missing)}")
        problems = _field_problems(spec, source.fields)
        if problems and draft.skip_unknown:
            message = f"{where} skipped (skip-if-unknown-filter): {'; '.join(problems)}"
            self.warnings.append(LoadWarning(message, condition_location))
            return replace(spec, unsupported=message)
        if problems:
            raise ItemError(f"{where}: {'; '.join(problems)}", condition_location)
        unknown = unknown_output_fields(spec.output, source.fields)
        if unknown:
            message = f"{where}: output field(s) {', '.join(unknown)} unknown for source {spec.source!r}, shown as <NA>"
            self.warnings.append(LoadWarning(message, draft.location))
        return spec

    def _finish_stateful(
        self, draft: _RuleDraft, macros: Mapping[str, Node], lists: Mapping[str, tuple[str, ...]], where: str
    ) -> StatefulSpec | None:
        spec = draft.stateful
        location = draft.stateful_location or draft.location
        if isinstance(spec, Sequence):
            steps = tuple(
                replace(step, node=_expand(step.node, macros, lists, f"{where} step {i + 1}", step.location))
                for i, step in enumerate(spec.steps)
            )
            return replace(spec, steps=steps)
        if isinstance(spec, Threshold) and spec.universe_name is not None:
            values = lists.get(spec.universe_name)
            if values is None:
                raise ItemError(f"{where}: threshold.universe names no list: {spec.universe_name!r}", location)
            return replace(spec, universe=frozenset(values))
        return spec

    def _check_ids(self, rules: list[RuleSpec]) -> None:
        seen: dict[str, RuleSpec] = {}
        for rule in rules:
            first = seen.setdefault(rule.id, rule)
            if first is not rule:
                self.errors.append(
                    RuleLoadError(
                        f"duplicate rule id {rule.id!r}: rule {rule.name!r} and rule {first.name!r} ({first.location})",
                        rule.location,
                    )
                )

    def _report_unsupported(self, rules: list[RuleSpec]) -> None:
        by_source: dict[str, list[RuleSpec]] = {}
        for rule in rules:
            if rule.unsupported and self.registry.get(rule.source) is None:
                by_source.setdefault(rule.source, []).append(rule)
        for source, found in by_source.items():
            message = f"{not_read(source)}; {len(found)} rules loaded but not evaluated"
            self.warnings.append(LoadWarning(message, found[0].location))
        for source, missing in self.unavailable.items():
            names = ", ".join(sorted({name for _, names in missing for name in names}))
            message = (
                f"{len(missing)} rules of source {source!r} use fields jackwatch does not provide ({names}); "
                "loaded but not evaluated"
            )
            self.warnings.append(LoadWarning(message, missing[0][0].location))


def _steps(block: YamlMap, where: str) -> tuple[SequenceStep, ...]:
    steps = block.get("steps")
    if not isinstance(steps, list):
        raise SpecError("steps", "must be a list of {condition: …}")
    parsed: list[SequenceStep] = []
    for index, step in enumerate(steps, 1):
        if not isinstance(step, YamlMap) or set(step) - {"condition", "name"}:
            raise SpecError("steps", f"step {index} must be a mapping with condition (and name)")
        text, node = _parse_parts([read.condition(step, f"{where} step {index}")], f"{where} step {index}")
        parsed.append(SequenceStep(text, node, step.location("condition"), str(step.get("name", ""))))
    return tuple(parsed)


def _unavailable_fields(spec: RuleSpec, fields: SourceFields) -> list[str]:
    """The fields of the source that jackwatch cannot provide which the rule's conditions or state read."""
    nodes = [spec.node] if spec.node is not None else []
    if isinstance(spec.stateful, Sequence):
        nodes.extend(step.node for step in spec.stateful.steps)
    names = [ref.name for node in nodes for ref in fields_used(node)]
    names += [split_field(name)[0] for name in _stateful_fields(spec.stateful) if _is_field(name)]
    return [name for name in dict.fromkeys(names) if name in fields.fields and not fields.fields[name].available]


def _is_field(text: str) -> bool:
    try:
        split_field(text)
    except ValueError:
        return False
    return True


def _field_problems(spec: RuleSpec, fields: SourceFields) -> list[str]:
    """Unknown fields and uncompilable conditions of a rule of a source jackwatch reads."""
    problems: list[str] = []
    nodes = [spec.node] if spec.node is not None else []
    if isinstance(spec.stateful, Sequence):
        nodes.extend(step.node for step in spec.stateful.steps)
    for node in nodes:
        found = check_fields(node, fields)
        problems.extend(found)
        if not found:
            try:
                compile_condition(node, fields)
            except ConditionError as exc:
                problems.append(exc.message)
    for name in _stateful_fields(spec.stateful):
        try:
            field_reader(fields, name)
        except ValueError as exc:
            problems.append(str(exc))
    return problems


def _stateful_fields(spec: StatefulSpec | None) -> list[str]:
    if spec is None:
        return []
    names = list(spec.by)
    if isinstance(spec, Threshold) and spec.distinct:
        names.append(spec.distinct)
    if isinstance(spec, NewValue):
        names.append(spec.field)
    if isinstance(spec, Spike) and spec.value is not None:
        names.append(spec.value)
    return names


def _parse_parts(parts: list[Scalar], where: str) -> tuple[str, Node]:
    """Parse a condition written in parts (a definition and its appends, joined by spaces, as Falco does)."""
    text = " ".join(part.text for part in parts)
    try:
        return text, parse(text)
    except ConditionSyntaxError as exc:
        start = 0
        for part in parts:
            if exc.offset <= start + len(part.text):
                raise ItemError(f"{where}: {exc.message}", part.locate(exc.offset - start)) from None
            start += len(part.text) + 1
        raise ItemError(f"{where}: {exc.message}", parts[-1].location) from None
    except ConditionError as exc:
        raise ItemError(f"{where}: {exc.message}", parts[-1].location) from None


def _expand(
    node: Node, macros: Mapping[str, Node], lists: Mapping[str, tuple[str, ...]], where: str, location: Location
) -> Node:
    try:
        return expand(node, macros, lists)
    except ConditionError as exc:
        raise ItemError(f"{where}: {exc.message}", location) from None


def _mode(item: YamlMap, kind: str, main: str) -> str:
    """``define``, ``append`` or ``replace`` for a list or macro item."""
    overrides = _overrides(item, kind)
    if overrides is None:
        return "append" if read.boolean(item, "append", False) else "define"
    return overrides[main]


def _overrides(item: YamlMap, kind: str) -> dict[str, str] | None:
    """The ``override:`` mapping: each key must be in the item, and every other key overridden too."""
    if "override" not in item:
        return None
    if item.get("append") is True:
        raise ItemError("override: and append: true cannot be used together", item.location("override"))
    value = item["override"]
    if not isinstance(value, dict) or not value:
        raise ItemError("override must map keys to append or replace", item.location("override"))
    appendable, replaceable = _OVERRIDABLE[kind]
    result: dict[str, str] = {}
    for key, how in value.items():
        if not isinstance(how, str) or how not in {"append", "replace"}:
            raise ItemError(f"override: {key!r} must be append or replace, not {how!r}", item.location("override"))
        if key not in (appendable if how == "append" else replaceable):
            verb = "appended to" if how == "append" else "replaced"
            raise ItemError(f"override: {key!r} cannot be {verb}", item.location("override"))
        if key not in item:
            raise ItemError(f"override: {key!r} is given but the item has no {key!r}", item.location("override"))
        result[str(key)] = str(how)
    extra = set(item) - set(result) - {kind, "override"}
    if extra:
        raise ItemError(f"key(s) {', '.join(sorted(map(str, extra)))} have no override", item.location())
    return result
