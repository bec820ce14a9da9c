"""The AWSLogs layout: which folders and files a walk enters or reads for a time window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jackwatch.sources.cloudtrail.records import LAYOUT
from jackwatch.sources.reading.context import TimeWindow
from jackwatch.sources.reading.layout import Folder, Verdict, delivery_order, folder

file_verdict = LAYOUT.file_verdict
folder_verdict = LAYOUT.folder_verdict

BASE = "logs/AWSLogs/111122223333/CloudTrail/us-east-1/"
WINDOW = TimeWindow.of(datetime(2024, 3, 1, 6), datetime(2024, 3, 2, 6))
KEY = "111122223333_CloudTrail_us-east-1_20240301T1205Z_Xy12Ab34Cd56Ef78.json.gz"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("AWSLogs/", Folder(None)),
        ("x/AWSLogs/o-a1b2c3d4e5/", Folder(None)),
        ("AWSLogs/111122223333/", Folder(None)),
        ("AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/", Folder("CloudTrail")),
        (BASE, Folder("CloudTrail")),
        (BASE + "2024/", Folder("CloudTrail", datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))),
        (BASE + "2024/12/", Folder("CloudTrail", datetime(2024, 12, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))),
        (
            BASE + "2024/02/29/",
            Folder("CloudTrail", datetime(2024, 2, 29, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC), True),
        ),
        (BASE + "2024/13/", Folder("CloudTrail")),
        (BASE + "2024/02/29/extra/", None),
        ("logs/2024/", None),
        ("", None),
    ],
)
def test_folder_positions(path: str, expected: Folder | None) -> None:
    assert folder(path) == expected


@pytest.mark.parametrize(
    ("path", "verdict"),
    [
        (BASE + "2024/03/", Verdict.READ),
        (BASE + "2024/02/", Verdict.OUT_OF_RANGE),
        (BASE + "2024/03/01/", Verdict.READ),
        (BASE + "2024/02/29/", Verdict.OUT_OF_RANGE),
        (BASE + "2024/03/02/", Verdict.READ),
        (BASE + "2024/03/03/", Verdict.READ),
        (BASE + "2024/03/04/", Verdict.OUT_OF_RANGE),
        ("AWSLogs/111122223333/CloudTrail-Digest/", Verdict.DIGEST),
        ("AWSLogs/111122223333/CloudTrail-Insight/", Verdict.READ),
        ("AWSLogs/111122223333/Config/", Verdict.OTHER_SERVICE),
    ],
)
def test_folder_verdicts(path: str, verdict: Verdict) -> None:
    place = folder(path)
    assert place is not None
    assert folder_verdict(place, WINDOW) is verdict


@pytest.mark.parametrize(
    ("path", "verdict"),
    [
        (BASE + "2024/03/01/" + KEY, Verdict.READ),
        (BASE + "2024/01/01/" + KEY, Verdict.OUT_OF_RANGE),
        ("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/03/01/x_CloudTrail-Digest_y.json.gz", Verdict.DIGEST),
        ("elsewhere/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240301T1205Z.json.gz", Verdict.DIGEST),
        ("AWSLogs/111122223333/Config/us-east-1/2024/03/01/ConfigHistory/x.json.gz", Verdict.OTHER_SERVICE),
        ("exports/2019/trail.JSON", Verdict.READ),
        ("exports/trail.ndjson", Verdict.READ),
        ("exports/trail.log", Verdict.READ),
        ("exports/trail.jsonl.gz", Verdict.READ),
        ("exports/README.md", Verdict.NOT_LOG),
        ("exports/trail.parquet", Verdict.NOT_LOG),
    ],
)
def test_file_verdicts(path: str, verdict: Verdict) -> None:
    assert file_verdict(path, WINDOW) is verdict


def test_an_open_window_prunes_nothing_dated() -> None:
    place = folder(BASE + "1999/01/01/")
    assert place is not None
    assert folder_verdict(place, TimeWindow()) is Verdict.READ


@given(
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31)),
    event_offset=st.integers(min_value=-86_399, max_value=86_399),
    since_back=st.integers(min_value=0, max_value=5 * 86_400),
    length=st.integers(min_value=1, max_value=5 * 86_400),
)
def test_a_day_folder_holding_an_event_of_the_window_is_never_pruned(
    day: date, event_offset: int, since_back: int, length: int
) -> None:
    """Files delivered on day D hold events from D minus one day up to the end of D."""
    place = folder(BASE + day.strftime("%Y/%m/%d/"))
    assert place is not None and place.start is not None
    event = place.start + timedelta(seconds=event_offset)
    window = TimeWindow(event - timedelta(seconds=since_back), event + timedelta(seconds=length))
    assert window.contains(event)
    assert folder_verdict(place, window) is Verdict.READ


def test_delivery_order_interleaves_regions_and_accounts_by_file_time() -> None:
    root = "AWSLogs/123456789012/CloudTrail"
    names = [
        f"{root}/eu-west-1/2026/06/10/123456789012_CloudTrail_eu-west-1_20260610T1400Z_b.json.gz",
        f"{root}/eu-west-1/2026/06/10/123456789012_CloudTrail_eu-west-1_20260610T1205Z_a.json.gz",
        f"{root}/us-east-1/2026/06/10/123456789012_CloudTrail_us-east-1_20260610T1300Z_c.json.gz",
        "AWSLogs/210987654321/CloudTrail/us-east-1/2026/06/10/210987654321_CloudTrail_us-east-1_20260610T1200Z_d.json.gz",
        "extra/notes.json",
    ]
    ordered = delivery_order(names)
    assert [name.rsplit("_", 1)[-1] for name in ordered] == [
        "extra/notes.json",
        "d.json.gz",
        "a.json.gz",
        "c.json.gz",
        "b.json.gz",
    ]
