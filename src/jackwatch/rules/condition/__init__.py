"""The Falco-compatible condition language: parse → expand macros and lists → compile once → evaluate.

``parse`` reads condition text into an immutable tree (``nodes``); ``expand`` resolves macros and
lists; ``check_fields``/``compile_condition`` validate it against a source's fields;
``compile_condition`` returns a fast predicate and ``evaluate`` is the slow reference it must agree
with (semantics in ``evaluator``); ``event_names`` tells an engine which event names a condition can
match; ``render`` writes a tree back as canonical text.
"""

from jackwatch.rules.condition.checks import check_fields, fields_used
from jackwatch.rules.condition.compiler import Predicate, compile_condition
from jackwatch.rules.condition.evaluator import evaluate
from jackwatch.rules.condition.expand import UnknownMacroError, expand
from jackwatch.rules.condition.lexer import ConditionSyntaxError
from jackwatch.rules.condition.names import event_names
from jackwatch.rules.condition.nodes import (
    BINARY_OPS,
    LIST_OPS,
    NUMERIC_OPS,
    SCALAR_OPS,
    TRANSFORMERS,
    And,
    Compare,
    Exists,
    FieldExpr,
    FieldRef,
    MacroRef,
    Node,
    Not,
    Or,
    Value,
    ValueList,
    is_bare_word,
)
from jackwatch.rules.condition.parser import parse
from jackwatch.rules.condition.render import quote_value, render

__all__ = [
    "BINARY_OPS",
    "LIST_OPS",
    "NUMERIC_OPS",
    "SCALAR_OPS",
    "TRANSFORMERS",
    "And",
    "Compare",
    "ConditionSyntaxError",
    "Exists",
    "FieldExpr",
    "FieldRef",
    "MacroRef",
    "Node",
    "Not",
    "Or",
    "Predicate",
    "UnknownMacroError",
    "Value",
    "ValueList",
    "check_fields",
    "compile_condition",
    "evaluate",
    "event_names",
    "expand",
    "fields_used",
    "is_bare_word",
    "parse",
    "quote_value",
    "render",
]
