"""Dates read from the workbook and shown: lenient reading, the app's forms of a date, and
each shown form read back by the parser."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondop_tui.core.dates import (
    editable_date,
    editable_datetime,
    iso_date,
    iso_datetime,
    parse_date,
    parse_datetime,
    short_date,
    short_datetime,
    show_date,
    stored_date,
    stored_datetime,
)

TODAY = date(2026, 11, 20)  # the frozen clock's today
# Years the parser reads (four digits).
days = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))
minutes = st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)
                       ).map(lambda when: when.replace(second=0, microsecond=0))


@pytest.mark.parametrize(("value", "day"), [
    ("2026-12-03", date(2026, 12, 3)),
    (" 2026-12-03\n", date(2026, 12, 3)),  # a hand edit's spaces
    (date(2026, 12, 3), date(2026, 12, 3)),
    (datetime(2026, 12, 3, 14, 30), date(2026, 12, 3)),
    ("2026-02-30", None), ("3 Dec 2026", None), ("", None), (None, None), (3, None),
    (["2026-12-03"], None), ("2026-12-03T14:30", None),
])
def test_stored_date_reads_iso_and_nothing_else(value, day):
    assert stored_date(value) == day
    assert iso_date(value) == (day.isoformat() if day else "")


@pytest.mark.parametrize(("value", "when"), [
    ("2026-12-03T14:30", datetime(2026, 12, 3, 14, 30)),
    ("2026-12-03T14:30:59.5", datetime(2026, 12, 3, 14, 30)),  # the app keeps no seconds
    ("2026-12-03 09:05", datetime(2026, 12, 3, 9, 5)),
    ("2026-12-03", datetime(2026, 12, 3)),
    (datetime(2026, 12, 3, 14, 30, 7), datetime(2026, 12, 3, 14, 30)),
    ("tomorrow", None), ("", None), (None, None), (3, None),
])
def test_stored_datetime_reads_iso_to_the_minute(value, when):
    assert stored_datetime(value) == when
    assert iso_datetime(value) == (when.isoformat(timespec="minutes") if when else "")


def test_show_date_in_full_or_what_to_say_when_there_is_none():
    assert show_date("2026-12-03") == "Thu 3 Dec 2026"
    assert show_date(date(2026, 12, 3)) == "Thu 3 Dec 2026"
    assert show_date(datetime(2026, 12, 3, 14, 30)) == "Thu 3 Dec 2026"
    assert show_date("") == show_date(None) == show_date("garbage") == ""
    assert show_date("", "no date") == show_date(None, "no date") == "no date"
    assert show_date("not a date", "no date") == "no date"


def test_short_date_has_the_year_only_when_it_is_not_this_years():
    assert short_date(date(2026, 12, 3), TODAY) == "3 Dec"
    assert short_date(date(2027, 1, 4), TODAY) == "4 Jan 2027"
    assert short_date(date(2027, 1, 4), TODAY, year=False) == "4 Jan"
    assert short_date(date(2027, 1, 4)) == "4 Jan 2027"  # the clock's today by default


def test_short_datetime_adds_the_time_when_there_is_one():
    assert short_datetime(datetime(2026, 12, 3, 14, 30), TODAY) == "3 Dec 14:30"
    assert short_datetime(datetime(2026, 12, 3), TODAY) == "3 Dec"
    assert short_datetime(datetime(2025, 12, 3, 9, 5), TODAY) == "3 Dec 2025 09:05"
    assert short_datetime(datetime(2025, 12, 3, 9, 5), TODAY, year=False) == "3 Dec 09:05"


def test_editable_forms_and_text_that_is_not_a_date():
    assert editable_date("2026-12-03") == editable_date(date(2026, 12, 3)) == "3 Dec 2026"
    assert editable_date("") == editable_date(None) == ""
    assert editable_date("sometime in May") == "sometime in May"  # shown, to be corrected
    assert editable_datetime("2026-12-03T14:30") == "3 Dec 2026 14:30"
    assert editable_datetime("2026-12-03T00:00") == "3 Dec 2026"
    assert editable_datetime(None) == ""
    assert editable_datetime("soon") == "soon"


@given(day=days)
def test_every_shown_date_reads_back(day):
    assert stored_date(day.isoformat()) == day
    assert iso_date(day.isoformat()) == day.isoformat()
    assert parse_date(editable_date(day)) == day
    assert parse_date(editable_date(day.isoformat())) == day
    assert parse_date(show_date(day)) == day  # the weekday is read and ignored


@given(when=minutes)
def test_every_shown_date_and_time_reads_back(when):
    assert stored_datetime(when.isoformat(timespec="minutes")) == when
    assert stored_datetime(iso_datetime(when)) == when
    assert parse_datetime(editable_datetime(when)) == when
    assert parse_datetime(editable_datetime(iso_datetime(when))) == when
