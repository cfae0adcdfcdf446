"""Writing one part of the workbook (a comparison, a visit pack, the timeline, the
calendar, the contacts) to a file.

Like the notes export: a suggested path in the home folder, a format, and never a silent
overwrite. The text is made on the UI thread (it reads the store); the file is written
on a worker thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from secondop_tui.core import clock
from secondop_tui.core import export as core_export
from secondop_tui.core.files import not_a_file_reason
from secondop_tui.ui.dialogs.base import DialogScreen
from secondop_tui.ui.dialogs.choice_dialog import Choice, ChoiceDialog
from secondop_tui.ui.widgets.doctor_choice import DoctorChoice

FORMATS = [("Plain text (.txt)", "text"), ("Markdown (.md)", "markdown"),
           ("Web page to print (.html)", "html")]
CALENDAR = [("Calendar (.ics)", "ics")]
CONTACTS = [("Contacts (.vcf)", "vcard")]
SUFFIXES = {"text": ".txt", "markdown": ".md", "html": ".html", "ics": ".ics",
            "vcard": ".vcf"}


def file_stem(*words: str) -> str:
    """``secondop-visit-pack-dr-ana-ruiz``: lowercase letters, digits and dashes only."""
    joined = "-".join(words).casefold()
    return re.sub(r"[^a-z0-9]+", "-", joined).strip("-")[:60] or "secondop"


def suggested_path(stem: str, fmt: str = "text", folder: Path | None = None) -> Path:
    """``~/<stem>-2026-11-20.txt``, numbered if that file exists."""
    folder = Path.home() if folder is None else folder
    suffix = SUFFIXES.get(fmt, ".txt")
    base = f"{stem}-{clock.today().isoformat()}"
    target, n = folder / f"{base}{suffix}", 2
    while target.exists():
        target, n = folder / f"{base}-{n}{suffix}", n + 1
    return target


class ExportTextDialog(DialogScreen[Path | None]):
    """Dismisses with the written file, or None.

    ``render(fmt)`` makes the text; a ``LookupError`` or ``ValueError`` it raises is
    shown as the problem, and nothing is written. ``hint`` says, under the title, what
    the file holds.
    """

    DEFAULT_CSS = """
    ExportTextDialog .hint {
        color: $text-muted;
    }
    ExportTextDialog #export-problem {
        color: $text-error;
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "export", "Export", priority=True, id="export-text.go"),
        Binding("f2", "export", "Export", show=False, id="export-text.go.alt"),
        Binding("enter", "export", "Export", show=False, id="export-text.go.enter"),
        Binding("escape", "cancel", "Cancel", id="export-text.cancel"),
        Binding("down", "app.focus_next", "Next field", show=False, id="export-text.next"),
        Binding("up", "app.focus_previous", "Previous field", show=False,
                id="export-text.previous"),
    ]

    def __init__(self, title: str, stem: str, render: Callable[[str], str],
                 *, formats: list[tuple[str, str]] | None = None, hint: str = "") -> None:
        super().__init__()
        self.dialog_title = title
        self.hint = hint
        self.stem = stem
        self.make_text = render
        self.formats = formats or FORMATS
        self._path_edited = False
        self._writing = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.dialog_title, classes="dialog-title", markup=False)
            if self.hint:
                yield Static(self.hint, classes="hint", markup=False)
            yield from self.choices()
            yield Static("Format (left/right to change):", classes="hint")
            yield DoctorChoice(self.formats, self.formats[0][1], id="export-format")
            yield Static("Save to:", classes="hint")
            yield Input(str(suggested_path(self.stem, self.formats[0][1])),
                        id="export-path")
            yield Static("", id="export-problem", markup=False)
            yield Static("enter or ctrl+s: export · escape: cancel", classes="hint")

    def choices(self) -> Iterable[Widget]:
        """Fields a kind of export asks for before the format (none here)."""
        return ()

    def on_mount(self) -> None:
        self.query(DoctorChoice).first().focus()

    @on(Input.Changed, "#export-path")
    def _edited(self, event: Input.Changed) -> None:
        if self.query_one("#export-path", Input).has_focus:
            self._path_edited = True

    @on(DoctorChoice.Changed, "#export-format")
    def _format_changed(self, event: DoctorChoice.Changed) -> None:
        if not self._path_edited:
            field = self.query_one("#export-path", Input)
            field.value = str(suggested_path(self.stem, event.value,
                                             Path(field.value).expanduser().parent))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export()

    def action_export(self) -> None:
        self.export_now()

    def export_now(self) -> None:
        if self._writing:
            return
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self.problem("Please type where to save the file.")
            return
        target = Path(raw).expanduser()
        if target.is_dir():
            self.problem(f"{target} is a folder: add a file name.")
            return
        not_a_file = not_a_file_reason(target)
        if not_a_file:  # a device or a pipe is never replaced, nor written to from here
            self.problem(f"Not written: {not_a_file} ({target}). Choose a file name.")
            return
        if target.exists():
            self.app.push_screen(
                ChoiceDialog("The file exists", f"{target} already exists. Replace it?",
                             [Choice("r", "Replace it", "replace", "warning"),
                              Choice("escape", "Keep it", "keep")], cancel="keep"),
                lambda answer: self.start_write(target, force=True) if answer == "replace"
                else self.problem("Not written: the existing file was kept. Change the "
                                  "name to export."))
            return
        self.start_write(target, force=False)

    def start_write(self, target: Path, *, force: bool) -> None:
        fmt = self.query_one("#export-format", DoctorChoice).value
        try:
            text = self.make_text(fmt)
        except (LookupError, ValueError) as error:
            message = error.args[0] if error.args else str(error)
            self.problem(f"Not written: {message}")
            return
        self._writing = True
        self.problem("Writing…")
        self.write(text, target, force)

    @work(thread=True, group="export-text", exit_on_error=False)
    def write(self, text: str, target: Path, force: bool) -> Path | str:
        """The file written, or why not. The answer is handled once the worker has
        finished (``on_worker_state_changed``): closing the dialog from inside the
        worker would cancel the worker it runs in."""
        try:
            return core_export.write_export(text, target, force=force)
        except FileExistsError:
            return f"{target} already exists; not written."
        except OSError as error:
            return f"Could not write {target}: {error.strerror or error}."

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "export-text":
            return
        if event.state == WorkerState.SUCCESS:
            if isinstance(worker.result, Path):
                self.written(worker.result)
            else:
                self.failed(str(worker.result))
        elif event.state == WorkerState.ERROR:
            self.failed(f"Not written: {worker.error}")

    def failed(self, message: str) -> None:
        self._writing = False
        self.problem(message)

    def written(self, path: Path) -> None:
        self._writing = False
        self.app.notify(f"Written to {path} (only you can read it).", title="Exported",
                        timeout=10, markup=False)
        self.dismiss(path)

    def problem(self, message: str) -> None:
        self.query_one("#export-problem", Static).update(message)

    def action_cancel(self) -> None:
        self.dismiss(None)
