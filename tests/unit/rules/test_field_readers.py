"""Reading a field named in a rule: through a function of the event, or its extractor and argument directly."""

from __future__ import annotations

import pytest
from tests.unit.rules.ruleskit import FIELDS, event

from jackwatch.rules.spec import field_extractor, field_reader


def test_the_extractor_and_its_argument_read_what_the_reader_reads() -> None:
    made = event("A", 0, user="bob", args={"mode": "fast"})
    for text in ("t.user", "t.arg[mode]", "t.region"):
        extract, arg = field_extractor(FIELDS, text)
        assert extract(made, arg) == field_reader(FIELDS, text)(made)
    assert field_extractor(FIELDS, "t.arg[mode]") == (FIELDS.fields["t.arg"].extract, "mode")
    assert field_extractor(FIELDS, "t.user")[1] is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("t.nope", "has no field 't.nope'"),
        ("t.arg", "needs an argument"),
        ("t.user[x]", "takes no argument"),
    ],
)
def test_a_field_that_cannot_be_read_is_refused_alike(text: str, message: str) -> None:
    for read in (field_extractor, field_reader):
        with pytest.raises(ValueError, match=message):
            read(FIELDS, text)
