"""Events read ahead pass unchanged and in order, and no more than a batch is read before the first is handed on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jackwatch.model import Event
from jackwatch.sources.reading.readahead import read_ahead

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


def numbered(count: int) -> list[Event]:
    return [Event("test", "Call", T0 + timedelta(seconds=n % 7), f"e{n}", {}, "a.json") for n in range(count)]


@given(st.integers(min_value=0, max_value=300), st.integers(min_value=1, max_value=64))
def test_every_event_passes_once_in_the_order_read(count: int, size: int) -> None:
    events = numbered(count)
    assert list(read_ahead(events, size)) == events


def test_a_batch_is_read_before_the_first_event_goes_on_and_no_more() -> None:
    pulled: list[int] = []

    def source() -> Iterator[Event]:
        for event in numbered(10):
            pulled.append(1)
            yield event

    ahead = read_ahead(source(), 4)
    assert pulled == []  # nothing is read before the first event is asked for
    first = next(ahead)
    assert (first.id, len(pulled)) == ("e0", 4)
    assert [event.id for event in (next(ahead), next(ahead), next(ahead))] == ["e1", "e2", "e3"]
    assert len(pulled) == 4
    assert next(ahead).id == "e4" and len(pulled) == 8
    assert [event.id for event in ahead] == ["e5", "e6", "e7", "e8", "e9"]


def test_an_error_of_the_reader_reaches_the_caller() -> None:
    def failing() -> Iterator[Event]:
        yield from numbered(2)
        raise OSError("bucket gone")

    with pytest.raises(OSError, match="bucket gone"):
        list(read_ahead(failing(), 8))


@pytest.mark.parametrize("size", [0, -1])
def test_a_batch_holds_at_least_one_event(size: int) -> None:
    with pytest.raises(ValueError, match="at least one event"):
        list(read_ahead(numbered(3), size))
