"""The generated field reference: its rendering (tests/content/test_docs_current.py checks the committed pages)."""

from __future__ import annotations

from jackwatch.model import Event
from jackwatch.normalize import AsnDb
from jackwatch.rules.fields import ArgMode, Field, SourceFields
from jackwatch.rules.fields.cloudtrail import cloudtrail_fields
from jackwatch.rules.fields.docs import render_field_docs


def _none(event: Event, arg: str | None) -> object:
    return None


def test_render_groups_by_prefix_and_escapes_pipes() -> None:
    fields = SourceFields(
        source="demo",
        fields={
            "b.two": Field("b.two", _none, "Second, with a | pipe\nand ``code``."),
            "a.one": Field("a.one", _none, "First.", ArgMode.REQUIRED),
            "b.opt": Field("b.opt", _none, "Optional.", ArgMode.OPTIONAL),
        },
        name_field="a.one",
        principal=lambda event: event.name,
        evidence=lambda event: {},
    )
    page = render_field_docs(fields)
    assert page.startswith("# Fields of the `demo` source\n")
    assert page.index("## `a.*`") < page.index("| `a.one[<arg>]` | First. |") < page.index("## `b.*`")
    assert "| `b.opt[<arg>]` (argument optional) | Optional. |" in page
    assert "| `b.two` | Second, with a \\| pipe and `code`. |" in page
    assert page.endswith("\n")


def test_the_cloudtrail_field_docs_name_every_field() -> None:
    fields = cloudtrail_fields(AsnDb.load())
    page = render_field_docs(fields)
    for name in fields.fields:
        assert f"`{name}" in page
