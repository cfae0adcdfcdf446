"""The app's idea of now and today, in one place so tests can freeze them.

Every wall-clock time the app uses comes from here: dates typed and shown, the time in
a note, the stamps in file names and in the lock. (Durations are timed with
``time.monotonic``, which is no date.)
"""

from __future__ import annotations

from datetime import date, datetime


def now() -> datetime:
    """The current local time (naive, to the second)."""
    return datetime.now().replace(microsecond=0)


def today() -> date:
    """Today's local date."""
    return now().date()


def now_with_offset() -> datetime:
    """The current local time with its offset from UTC (for a record read elsewhere)."""
    return now().astimezone()


def file_stamp() -> str:
    """The current local time as a file name holds it: ``20261203-143005``."""
    return now().strftime("%Y%m%d-%H%M%S")
