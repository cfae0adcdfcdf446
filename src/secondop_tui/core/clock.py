"""The app's idea of now and today, in one place so tests can freeze them."""

from __future__ import annotations

from datetime import date, datetime


def now() -> datetime:
    """The current local time (naive, to the second)."""
    return datetime.now().replace(microsecond=0)


def today() -> date:
    """Today's local date."""
    return now().date()
