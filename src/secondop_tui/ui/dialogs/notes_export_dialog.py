"""Exporting notes from the app: where to, what, which format; never overwrites silently."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from secondop_tui.core import clock
from secondop_tui.core import export as core_export
from secondop_tui.core import notes as core
from secondop_tui.ui.dialogs.base import DialogScreen, after_typed_keys
from secondop_tui.ui.dialogs.choice_dialog import Choice, ChoiceDialog
from secondop_tui.ui.widgets.doctor_choice import DoctorChoice

SCOPES = [("This consultation", "current"), ("All consultations", "notes"),
          ("The whole workbook", "all")]
FORMATS = [("Plain text (.txt)", "text"), ("Markdown (.md)", "markdown")]


def suggested_path(fmt: str = "text", folder: Path | None = None) -> Path:
    """``~/secondop-notes-2026-11-20.txt``, numbered if that file exists."""
    folder = Path.home() if folder is None else folder
    suffix = ".md" if fmt == "markdown" else ".txt"
    stem = f"secondop-notes-{clock.today().isoformat()}"
    target, n = folder / f"{stem}{suffix}", 2
    while target.exists():
        target, n = folder / f"{stem}-{n}{suffix}", n + 1
    return target


class NotesExportDialog(DialogScreen[Path | None]):
    """Dismisses with the written file, or None."""

    DEFAULT_CSS = """
    NotesExportDialog .hint {
        color: $text-muted;
    }
    NotesExportDialog #export-problem {
        color: $text-error;
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "export", "Export", priority=True, id="notes-export.go"),
        Binding("f2", "export", "Export", show=False, id="notes-export.go.alt"),
        Binding("enter", "export", "Export", show=False, id="notes-export.go.enter"),
        Binding("escape", "cancel", "Cancel", id="notes-export.cancel"),
        Binding("down", "app.focus_next", "Next field", show=False, id="notes-export.next"),
        Binding("up", "app.focus_previous", "Previous field", show=False,
                id="notes-export.previous"),
    ]

    def __init__(self, store, consultation_id: int | None) -> None:
        super().__init__()
        self.store = store
        self.consultation_id = consultation_id
        self._path_edited = False

    def compose(self) -> ComposeResult:
        scopes = SCOPES if self.consultation_id is not None else SCOPES[1:]
        with Vertical():
            yield Static("Export notes", classes="dialog-title")
            yield Static("What (left/right to change):", classes="hint")
            yield DoctorChoice([(label, value) for label, value in scopes],
                               scopes[0][1], id="export-scope")
            yield Static("Format:", classes="hint")
            yield DoctorChoice(FORMATS, "text", id="export-format")
            yield Static("Save to:", classes="hint")
            yield Input(str(suggested_path()), id="export-path")
            yield Static("", id="export-problem", markup=False)
            yield Static("enter or ctrl+s: export · escape: cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#export-scope", DoctorChoice).focus()

    @on(Input.Changed, "#export-path")
    def _edited(self, event: Input.Changed) -> None:
        if self.query_one("#export-path", Input).has_focus:
            self._path_edited = True

    @on(DoctorChoice.Changed, "#export-format")
    def _format_changed(self, event: DoctorChoice.Changed) -> None:
        if not self._path_edited:
            field = self.query_one("#export-path", Input)
            field.value = str(suggested_path(event.value, Path(field.value).expanduser().parent))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.action_export()

    def render_text(self) -> str:
        scope = self.query_one("#export-scope", DoctorChoice).value
        fmt = self.query_one("#export-format", DoctorChoice).value
        if scope == "current" and self.consultation_id is not None:
            return core.render(self.store, fmt, only=[self.consultation_id])
        return core_export.export(self.store, None if scope == "all" else "notes", fmt)

    def action_export(self) -> None:
        after_typed_keys(self, self.export_now)

    def export_now(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self.problem("Please type where to save the file.")
            return
        target = Path(raw).expanduser()
        if target.is_dir():
            self.problem(f"{target} is a folder: add a file name.")
            return
        if target.exists():
            self.app.push_screen(
                ChoiceDialog("The file exists", f"{target} already exists. Replace it?",
                             [Choice("r", "Replace it", "replace", "warning"),
                              Choice("escape", "Keep it", "keep")], cancel="keep"),
                lambda answer: self.write(target, force=True) if answer == "replace"
                else self.problem("Not written: the existing file was kept. Change the "
                                  "name to export."))
            return
        self.write(target, force=False)

    def write(self, target: Path, *, force: bool) -> None:
        try:
            written = core_export.write_export(self.render_text(), target, force=force)
        except FileExistsError:
            self.problem(f"{target} already exists; not written.")
            return
        except OSError as error:
            self.problem(f"Could not write {target}: {error.strerror or error}.")
            return
        self.app.notify(f"Exported to {written} (only you can read it).", title="Exported",
                        timeout=10, markup=False)
        self.dismiss(written)

    def problem(self, message: str) -> None:
        self.query_one("#export-problem", Static).update(message)

    def action_cancel(self) -> None:
        self.dismiss(None)
