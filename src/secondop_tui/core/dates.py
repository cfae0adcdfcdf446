"""Reading dates and times as people type them, with a clear message when we cannot."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import lru_cache

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
