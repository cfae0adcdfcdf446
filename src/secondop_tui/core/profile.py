"""The patient's own summary: the diagnosis so far, its date, medications and allergies.

Kept in the workbook's settings under the key ``profile``. The visit pack prints it for
a new doctor, and the timeline starts at the date of diagnosis. Never imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from secondop_tui.core.dates import DateError, iso_date, parse_date, show_date, stored_date
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.text import as_text

SETTING = "profile"
READ_ONLY = "This workbook is open read-only: the profile cannot be changed."

# (key, label, help) in the order a form shows them.
PROFILE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("diagnosis", "Diagnosis so far",
     "What you have been told so far, in your own words or the report's."),
    ("diagnosis_date", "Date of diagnosis", "The day the diagnosis was made or given."),
    ("medications", "Medications", "What you take now, with doses if you know them."),
    ("allergies", "Allergies", "Allergies and bad reactions to medicines."),
    ("other", "Other", "Anything else a new doctor should know."),
)


@dataclass
class Profile:
    """What a new doctor should know first. Every field may stay empty."""

    diagnosis: str = ""
    diagnosis_date: str = ""  # ISO date or ""
    medications: str = ""
    allergies: str = ""
    other: str = ""

    def to_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, raw: Any) -> "Profile":
        """Read the stored (maybe hand-edited) dict; bad values become empty."""
        raw = raw if isinstance(raw, dict) else {}
        profile = cls(**{f.name: as_text(raw.get(f.name)) for f in fields(cls)})
        profile.diagnosis_date = iso_date(profile.diagnosis_date)
        return profile

    @property
    def diagnosed(self) -> date | None:
        return stored_date(self.diagnosis_date)

    @property
    def diagnosis_date_text(self) -> str:
        """The date of diagnosis as shown (``Thu 3 Dec 2026``), or ""."""
        return show_date(self.diagnosed)

    @property
    def is_empty(self) -> bool:
        return not any(as_text(getattr(self, f.name)).strip() for f in fields(self))


def get_profile(store: WorkbookStore) -> Profile:
    """The stored profile (an empty one when none was saved)."""
    return Profile.from_dict(store.get_setting(SETTING))


def save_profile(store: WorkbookStore, profile: Profile) -> None:
    """Store the profile. The date of diagnosis may be typed in any form
    :func:`parse_date` reads and is stored as ISO (the profile is tidied in place); a
    date it cannot read raises :class:`DateError`. Refuses a read-only workbook."""
    store.ensure_writable(READ_ONLY)
    typed = as_text(profile.diagnosis_date).strip()
    if typed:
        try:
            profile.diagnosis_date = parse_date(typed).isoformat()
        except DateError as error:
            raise DateError(f"Date of diagnosis: {error}") from None
    else:
        profile.diagnosis_date = ""
    for f in fields(profile):
        setattr(profile, f.name, as_text(getattr(profile, f.name)))
    store.set_setting(SETTING, profile.to_dict())
