"""Starting a consultation: its title and the doctor it is with (or none)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from secondop_tui.core.doctors import Doctor

NO_DOCTOR = "none"


class NotesNewDialog(ModalScreen[tuple[str, int | None] | None]):
    """Ask for a title and a doctor. Dismisses with (title, doctor id or None)."""

    DEFAULT_CSS = """
    NotesNewDialog {
        align: center middle;
    }
    NotesNewDialog > Vertical {
        width: 70;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    NotesNewDialog .dialog-title {
        text-style: bold;
    }
    NotesNewDialog OptionList {
        height: auto;
        max-height: 10;
    }
    NotesNewDialog .hint {
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="notes-new.cancel"),
        Binding("ctrl+s", "create", "Create", id="notes-new.create"),
        Binding("f2", "create", "Create", show=False, id="notes-new.create.alt"),
    ]

    def __init__(self, doctors: list[Doctor]) -> None:
        super().__init__()
        self.doctors = doctors

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("New consultation", classes="dialog-title")
            yield Input(placeholder="Title, e.g. Second opinion at the cancer center",
                        id="notes-new-title", max_length=200)
            yield Static("With (tab to the list, up/down to choose):", classes="hint")
            options = [Option("No doctor named", id=NO_DOCTOR)]
            options += [Option(Text(d.display_name), id=str(d.doc_id)) for d in self.doctors]
            yield OptionList(*options, id="notes-new-doctor")
            yield Static("enter or ctrl+s: create · escape: cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0
        self.query_one(Input).focus()

    @on(Input.Submitted)
    @on(OptionList.OptionSelected)
    def _submit(self, event) -> None:
        self.action_create()

    def action_create(self) -> None:
        title = self.query_one(Input).value
        options = self.query_one(OptionList)
        doctor_id = None
        if options.highlighted is not None:
            chosen = options.get_option_at_index(options.highlighted).id
            doctor_id = None if chosen in (None, NO_DOCTOR) else int(chosen)
        self.dismiss((title, doctor_id))

    def action_cancel(self) -> None:
        self.dismiss(None)
