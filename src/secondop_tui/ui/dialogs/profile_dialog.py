"""The patient's own summary: the diagnosis so far, its date, medications, allergies.

The visit pack and the timeline read it. Same keys as the opinion form: tab moves,
ctrl+s or F2 saves, escape cancels (asking first when something was changed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from secondop_tui.core.profile import PROFILE_FIELDS, get_profile, save_profile
from secondop_tui.ui.dialogs.opinion_dialog import AREA, DATE, FieldFormDialog, FormField


def profile_fields() -> list[FormField]:
    """The profile's fields in the core's order; the date is typed, the rest is free text."""
    return [FormField(key, label, DATE if key == "diagnosis_date" else AREA, help)
            for key, label, help in PROFILE_FIELDS]


class ProfileDialog(FieldFormDialog):
    """Edit the profile; saves it itself and dismisses with it (None when cancelled)."""

    form_title = "Profile: diagnosis and medications"
    what = "your profile"
    form_hint = ("What a new doctor should know first: the visit pack starts with it, the "
                 "timeline with the date of diagnosis. Every field is optional. Tab moves "
                 "on, ctrl+s or F2 saves, escape cancels.")

    def __init__(self, store) -> None:
        self.store = store
        self.profile = get_profile(store)
        fields = profile_fields()
        super().__init__(fields, {f.key: getattr(self.profile, f.key) for f in fields})

    def save_values(self, values: dict[str, Any]):
        updated = dataclasses.replace(self.profile, **values)
        save_profile(self.store, updated)
        return updated


def edit_profile(app, then: Callable[[Any], object] | None = None) -> None:
    """Open the profile form (diagnosis so far, its date, medications, allergies)."""
    def saved(profile) -> None:
        if profile is not None:
            app.notify("Your profile is saved.", timeout=3)
        if then is not None:
            then(profile)

    app.push_screen(ProfileDialog(app.store), saved)
