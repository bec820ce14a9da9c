"""What the field tests of the organisation audit logs share: the values an event has, arbitrary JSON members,
and the check that every field gives text, a list of text or nothing."""

from __future__ import annotations

from hypothesis import strategies as st

from jackwatch.model import Event
from jackwatch.rules.fields import SourceFields


def present(catalog: SourceFields, event: Event) -> dict[str, object]:
    """The value of every field ``event`` has, by name."""
    found = {name: field.extract(event, None) for name, field in catalog.fields.items()}
    return {name: value for name, value in found.items() if value is not None}


def json_values(keys: st.SearchStrategy[str]) -> st.SearchStrategy[object]:
    """Any JSON value a parser gives (integers within 64 bits), objects keyed by ``keys``."""
    return st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=12,
    )


def assert_text_lists_or_nothing(catalog: SourceFields, event: Event) -> None:
    """Every field of ``event`` is text (a tuple of text for a list field) or missing; the principal is text,
    and so is every value of the evidence."""
    for name, field in catalog.fields.items():
        value = field.extract(event, None)
        if field.is_list:
            assert value is None or (isinstance(value, tuple) and all(isinstance(item, str) for item in value)), name
        else:
            assert value is None or isinstance(value, str), name
    assert isinstance(catalog.principal(event), str)
    assert all(isinstance(value, str) for value in catalog.evidence(event).values())
