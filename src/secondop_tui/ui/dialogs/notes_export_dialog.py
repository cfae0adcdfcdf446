"""Exporting notes from the app: which consultations, which format, where to.

The general export dialog with one more choice: this consultation, all of them, or the
whole workbook. Like it, it never overwrites a file without asking.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.widget import Widget
from textual.widgets import Static

from secondop_tui.core import export as core_export
from secondop_tui.core import notes as core
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.dialogs.export_text_dialog import ExportTextDialog
from secondop_tui.ui.widgets.doctor_choice import DoctorChoice

SCOPES = [("This consultation", "current"), ("All consultations", "notes"),
          ("The whole workbook", "all")]


class NotesExportDialog(ExportTextDialog):
    """Dismisses with the written file, or None."""

    def __init__(self, store: WorkbookStore, consultation_id: int | None) -> None:
        super().__init__("Export notes", "secondop-notes", self.render_text)
        self.store = store
        self.consultation_id = consultation_id

    def choices(self) -> Iterable[Widget]:
        scopes = SCOPES if self.consultation_id is not None else SCOPES[1:]
        yield Static("What (left/right to change):", classes="hint")
        yield DoctorChoice(scopes, scopes[0][1], id="export-scope")

    def render_text(self, fmt: str) -> str:
        scope = self.query_one("#export-scope", DoctorChoice).value
        if scope == "current" and self.consultation_id is not None:
            if fmt == core_export.HTML:
                # deferred: start-up speed (loaded only on the path that uses it)
                from secondop_tui.core import paper

                return paper.render_sections("Consultation notes", [
                    paper.notes_section(self.store, only=[self.consultation_id])])
            return core.render(self.store, fmt, only=[self.consultation_id])
        return core_export.export(self.store, None if scope == "all" else "notes", fmt)
