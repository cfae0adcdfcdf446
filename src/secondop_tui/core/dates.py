"""Dates and times: read as people type them (with a clear message when we cannot), read
from the workbook, and shown.

The workbook keeps dates as ISO text (``2026-12-03``, ``2026-12-03T14:30``). A stored
value may have been edited by hand, so :func:`stored_date` and :func:`stored_datetime`
read anything and give None for what is not a date. The app shows a date in full
(:func:`show_date`: ``Thu 3 Dec 2026``), short where room is scarce (:func:`short_date`:
``3 Dec``) and, in a form, as the user would type it (:func:`editable_date`:
``3 Dec 2026``, which :func:`parse_date` reads back).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from secondop_tui.core import clock
from secondop_tui.core.text import as_text

DATE_FORMS = "2026-12-03, 12/3/2026 or 3 Dec 2026"
TIME_FORMS = "14:30 or 2:30 pm"

_MONTHS = {name: i for i, names in enumerate(
    [(), ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
     ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
     ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")]) for name in names}


class DateError(ValueError):
    """The text is not a date (or time) we understand; the message says which forms work."""


_WEEKDAY = re.compile(r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:[a-z]*day)?\.? (?=\S)",
                      re.IGNORECASE)


def parse_date(text: str) -> date:
    """Read ``2026-12-03``, ``12/3/2026`` (month first), ``3 Dec 2026`` or ``Dec 3, 2026``."""
    raw = " ".join(text.strip().replace(",", " ").split())
    if not raw:
        raise DateError(f"Please type a date, such as {DATE_FORMS}.")
    # A leading weekday, as the app shows dates ("Thu 3 Dec 2026"), is read and ignored.
    raw = _WEEKDAY.sub("", raw)
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", raw):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw):
            return date(int(m[3]), int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{1,2}) ([A-Za-z]+)\.? (\d{4})", raw):
            month = _MONTHS.get(m[2].lower())
            if month:
                return date(int(m[3]), month, int(m[1]))
        if m := re.fullmatch(r"([A-Za-z]+)\.? (\d{1,2}) (\d{4})", raw):
            month = _MONTHS.get(m[1].lower())
            if month:
                return date(int(m[3]), month, int(m[2]))
    except ValueError:
        raise DateError(f"{text.strip()!r} is not a real date. Use a form such as "
                        f"{DATE_FORMS}.") from None
    raise DateError(f"{text.strip()!r} is not a date I can read. Use a form such as "
                    f"{DATE_FORMS}.")


def parse_time(text: str) -> time:
    """Read ``14:30``, ``9:05``, ``2:30 pm``, ``2pm``."""
    raw = text.strip().lower().replace(".", "")
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", raw)
    if m:
        hour, minute, half = int(m[1]), int(m[2] or 0), m[3]
        if half:
            if not 1 <= hour <= 12:
                m = None
            else:
                hour = hour % 12 + (12 if half == "pm" else 0)
        elif m[2] is None:
            m = None
        if m and hour < 24 and minute < 60:
            return time(hour, minute)
    raise DateError(f"{text.strip()!r} is not a time I can read. Use a form such as "
                    f"{TIME_FORMS}.")


def parse_datetime(text: str) -> datetime:
    """A date, optionally followed by a time: ``2026-12-03 14:30``, ``3 Dec 2026 2:30 pm``."""
    raw = text.strip()
    m = re.fullmatch(r"(.*?)(?:\s+(?:at\s+)?(\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?))?", raw,
                     flags=re.IGNORECASE)
    assert m is not None
    day_text, time_text = m[1], m[2]
    try:
        day = parse_date(day_text)
    except DateError:
        if time_text is None:
            raise
        day = parse_date(raw)  # maybe "3 Dec 2026" was split wrongly
        time_text = None
    if time_text is None:
        return datetime.combine(day, time(0, 0))
    return datetime.combine(day, parse_time(time_text))


@lru_cache(maxsize=4096)  # strftime is slow, and exports show the same dates many times
def format_date(value: date) -> str:
    """The app's way of showing a date: ``Thu 3 Dec 2026``."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def format_datetime(value: datetime) -> str:
    """``Thu 3 Dec 2026 14:30`` (the time left out when it is midnight, i.e. not given)."""
    text = format_date(value.date())
    return text if value.time() == time(0, 0) else f"{text} {value:%H:%M}"


# Stored dates ---------------------------------------------------------------------------
def stored_date(value: Any) -> date | None:
    """A stored (maybe hand-edited) ISO date as a date; None when it is missing or not a
    date. Spaces around it are ignored; a datetime gives its day."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(as_text(value).strip())
    except ValueError:
        return None


def iso_date(value: Any) -> str:
    """A stored date as ISO text (``2026-12-03``), or "" when it is missing or not a date."""
    day = stored_date(value)
    return day.isoformat() if day is not None else ""


def stored_datetime(value: Any) -> datetime | None:
    """A stored ISO date and time (to the minute: the app keeps no seconds); None when it
    is missing or not a date. A date alone is its midnight."""
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(as_text(value).strip())
        except ValueError:
            return None
    return when.replace(second=0, microsecond=0)


def iso_datetime(value: Any) -> str:
    """A stored date and time as ISO text to the minute (``2026-12-03T14:30``), or ""."""
    when = stored_datetime(value)
    return when.isoformat(timespec="minutes") if when is not None else ""


# Showing dates ---------------------------------------------------------------------------
@lru_cache(maxsize=4096)  # an export shows the same stored dates many times
def _show_iso(text: str) -> str:
    day = stored_date(text)
    return format_date(day) if day is not None else ""


def show_date(value: date | str | None, missing: str = "") -> str:
    """A date, or a stored one, as the app shows it (``Thu 3 Dec 2026``); ``missing`` when
    there is none or it is not a date."""
    if isinstance(value, str):
        return _show_iso(value) or missing
    day = stored_date(value)
    return format_date(day) if day is not None else missing


def short_date(day: date, today: date | None = None, *, year: bool = True) -> str:
    """``3 Dec``, with the year when it is not this year's (``3 Dec 2027``); never with
    it when ``year`` is False (a narrow column)."""
    text = f"{day.day} {day:%b}"
    if not year or day.year == (today or clock.today()).year:
        return text
    return f"{text} {day.year}"


def short_datetime(when: datetime, today: date | None = None, *, year: bool = True) -> str:
    """:func:`short_date` and the time, when there is one: ``3 Dec 14:30``."""
    text = short_date(when.date(), today, year=year)
    return text if when.time() == time(0, 0) else f"{text} {when:%H:%M}"


def editable_date(value: date | str | None) -> str:
    """A date, or a stored one, as people type it (``3 Dec 2026``), which
    :func:`parse_date` reads back. Text that is not a date is shown as it is, to be
    corrected; None is ""."""
    day = stored_date(value)
    return f"{day.day} {day:%b %Y}" if day is not None else as_text(value)


def editable_datetime(value: datetime | str | None) -> str:
    """A date and time as people type them (``3 Dec 2026 14:30``; the time left out at
    midnight), which :func:`parse_datetime` reads back. Other text is shown as it is."""
    when = stored_datetime(value)
    if when is None:
        return as_text(value)
    text = editable_date(when.date())
    return text if when.time() == time(0, 0) else f"{text} {when:%H:%M}"
