"""Adding doctors from an address book's export (a .vcf file): pick the file, see who
would be added and who is left out, then add them.

The file is read on a worker thread; who is new is decided against the workbook on the
UI thread. The dialog adds nothing itself: it posts :class:`ContactsImportDialog.Confirmed`
with the plan, and the app adds the doctors (the store then announces the change).
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from secondop_tui.core.contacts import (ContactsError, ImportPlan, plan_import,
                                        read_contacts_file)
from secondop_tui.core.doctors import Doctor
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.dialogs.base import DialogScreen

READ_GROUP = "contacts-read"


def suggested_file(folders: list[Path] | None = None) -> str:
    """The newest .vcf file in the Downloads folder or the home folder, or the home
    folder itself (to type the rest)."""
    home = Path.home()
    folders = folders if folders is not None else [home / "Downloads", home]
    found = []
    for folder in folders:
        try:
            found += [p for p in folder.glob("*.vcf") if p.is_file()]
        except OSError:
            continue
    if not found:
        return str(home) + "/"
    return str(max(found, key=lambda p: p.stat().st_mtime))


class ContactsImportDialog(DialogScreen[None]):
    """Dismisses with None; posts :class:`Confirmed` when the doctors are to be added."""

    DEFAULT_CSS = """
    ContactsImportDialog .hint {
        color: $text-muted;
    }
    ContactsImportDialog #contacts-preview {
        height: auto;
        max-height: 12;
        border: round $panel;
        padding: 0 1;
    }
    ContactsImportDialog #contacts-problem {
        color: $text-error;
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "add", "Add them", priority=True, id="contacts-import.add"),
        Binding("f2", "add", "Add them", show=False, id="contacts-import.add.alt"),
        Binding("escape", "cancel", "Cancel", id="contacts-import.cancel"),
    ]

    class Confirmed(Message):
        """Add the plan's doctors (read from ``source``)."""

        def __init__(self, plan: ImportPlan, source: Path) -> None:
            super().__init__()
            self.plan = plan
            self.source = source

    def __init__(self, store: WorkbookStore, path: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.start_path = path
        self.plan: ImportPlan | None = None
        self.read_from: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Import doctors from contacts", classes="dialog-title")
            yield Static("A contacts file (.vcf) exported by an address book: Google "
                         "Contacts, Apple Contacts, Thunderbird and others. Doctors already "
                         "in the workbook (the same name and phone) are left out.",
                         classes="hint")
            yield Static("File:", classes="hint")
            yield Input(self.start_path or suggested_file(), id="contacts-path")
            with VerticalScroll(id="contacts-preview"):
                yield Static("Press enter to read the file and see who would be added.",
                             id="contacts-plan", markup=False)
            yield Static("", id="contacts-problem", markup=False)
            yield Static("enter: read the file · ctrl+s or F2: add them · escape: cancel",
                         classes="hint")

    def on_mount(self) -> None:
        self.query_one("#contacts-path", Input).focus()

    @on(Input.Changed, "#contacts-path")
    def _path_changed(self, event: Input.Changed) -> None:
        if self.read_from is not None and Path(event.value).expanduser() != self.read_from:
            self.plan = None  # the preview is of another file
            self.read_from = None
            self.show_plan(["Press enter to read the file and see who would be added."])

    @on(Input.Submitted, "#contacts-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.read_file()

    def read_file(self) -> None:
        raw = self.query_one("#contacts-path", Input).value.strip()
        if not raw:
            self.problem("Please type the path of the contacts file.")
            return
        self.problem("Reading…")
        self.read(Path(raw).expanduser())

    @work(thread=True, group=READ_GROUP, exit_on_error=False)
    def read(self, path: Path) -> tuple[Path, list[Doctor | str]] | str:
        """The cards in the file, or why it cannot be read (a message)."""
        try:
            return path, read_contacts_file(path)
        except ContactsError as error:
            return str(error)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != READ_GROUP:
            return
        if event.state == WorkerState.ERROR:
            self.problem(f"Cannot read the file: {worker.error}")
        elif event.state == WorkerState.SUCCESS:
            result = worker.result
            if isinstance(result, str):
                self.plan = None
                self.problem(result)
                return
            path, found = result
            self.plan = plan_import(self.store, found)
            self.read_from = path
            self.show_plan(self.plan.describe())
            count = len(self.plan.add)
            self.problem("" if count else "Nothing to add from this file.")

    def show_plan(self, lines: list[str]) -> None:
        self.query_one("#contacts-plan", Static).update("\n".join(lines))

    def action_add(self) -> None:
        if self.plan is None:
            self.read_file()  # the preview first: nothing is added unseen
            return
        if not self.plan.add:
            self.problem("Nothing to add from this file.")
            return
        assert self.read_from is not None
        # To the app, which outlives this dialog.
        self.app.post_message(self.Confirmed(self.plan, self.read_from))
        self.dismiss(None)

    def problem(self, message: str) -> None:
        self.query_one("#contacts-problem", Static).update(message)

    def action_cancel(self) -> None:
        self.dismiss(None)
