"""The names of the workbook's tables, in one place.

A module that reads another part's table (the timeline reads the doctors and the
consultations; deleting a consultation deletes its opinion) takes the name from here
rather than from the module that owns the table, so that no two parts import each
other. Never imports Textual.
"""

from __future__ import annotations

CHECKLIST = "checklist"
# Open sync conflicts, until the user resolves them (see core.merge and core.conflicts).
CONFLICTS = "conflicts"
CONSULTATIONS = "consultations"
DOCTORS = "doctors"
OPINIONS = "opinions"
QUESTIONS = "questions"
SETTINGS = "settings"
