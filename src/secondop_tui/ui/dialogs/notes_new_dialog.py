"""A consultation's details: its title, date and the doctor it is with (or none).

The same dialog starts a new consultation and changes an existing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from secondop_tui.core import clock
from secondop_tui.core.dates import DATE_FORMS, DateError, format_date, parse_date
from secondop_tui.core.doctors import Doctor
from secondop_tui.core.notes import Consultation
from secondop_tui.ui.dialogs.base import DismissOnce

NO_DOCTOR = "none"


@dataclass
class ConsultationDetails:
    """What the dialog asks for."""

    title: str
    doctor_id: int | None
    day: date


class NotesNewDialog(DismissOnce[ConsultationDetails | None],
                     ModalScreen[ConsultationDetails | None]):
    """Ask for a title, a date and a doctor; dismisses with the details, or None."""

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
    NotesNewDialog #notes-new-error {
        color: $text-error;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="notes-new.cancel"),
        Binding("ctrl+s", "create", "Create", id="notes-new.create"),
        Binding("f2", "create", "Create", show=False, id="notes-new.create.alt"),
    ]

    def __init__(self, doctors: list[Doctor], consultation: Consultation | None = None,
                 doctor_id: int | None = None) -> None:
        super().__init__()
        self.doctors = doctors
        self.consultation = consultation
        self.doctor_id = consultation.doctor_id if consultation is not None else doctor_id

    def compose(self) -> ComposeResult:
        editing = self.consultation is not None
        day = self.consultation.day if editing and self.consultation.day else clock.today()
        with Vertical():
            yield Static("Change this consultation" if editing else "New consultation",
                         classes="dialog-title")
            yield Input(self.consultation.title if editing else "",
                        placeholder="Title, e.g. Second opinion at the cancer center",
                        id="notes-new-title", max_length=200)
            yield Input(format_date(day), placeholder=f"Date, e.g. {DATE_FORMS}",
                        id="notes-new-date", max_length=40)
            yield Static("", id="notes-new-error")
            yield Static("With (tab to the list, up/down to choose):", classes="hint")
            options = [Option("No doctor named", id=NO_DOCTOR)]
            options += [Option(Text(d.display_name), id=str(d.doc_id)) for d in self.doctors]
            yield OptionList(*options, id="notes-new-doctor")
            yield Static(f"enter or ctrl+s: {'save' if editing else 'create, then write'} · "
                         "escape: cancel", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [None] + [d.doc_id for d in self.doctors]
        options.highlighted = ids.index(self.doctor_id) if self.doctor_id in ids else 0
        self.query_one("#notes-new-title", Input).focus()

    @on(Input.Submitted)
    @on(OptionList.OptionSelected)
    def _submit(self, event) -> None:
        self.action_create()

    def action_create(self) -> None:
        title = self.query_one("#notes-new-title", Input).value
        date_input = self.query_one("#notes-new-date", Input)
        try:
            day = parse_date(date_input.value)
        except DateError as error:
            # Nothing is lost: the dialog stays open with what was typed.
            self.query_one("#notes-new-error", Static).update(str(error))
            date_input.focus()
            return
        options = self.query_one(OptionList)
        doctor_id = None
        if options.highlighted is not None:
            chosen = options.get_option_at_index(options.highlighted).id
            doctor_id = None if chosen in (None, NO_DOCTOR) else int(chosen)
        self.dismiss(ConsultationDetails(title, doctor_id, day))

    def action_cancel(self) -> None:
        self.dismiss(None)
