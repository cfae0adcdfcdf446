"""Log one call to the insurer, or change a logged one: date, who, reference number and
what was said."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from secondop_tui.core import clock
from secondop_tui.core.checklist import CallEntry
from secondop_tui.core.dates import DATE_FORMS, DateError, editable_date, parse_date
from secondop_tui.ui.dialogs.base import DialogScreen


@dataclass(frozen=True)
class CallForm:
    day: date
    who: str
    reference: str
    said: str


class ChecklistCallDialog(DialogScreen[CallForm | None]):
    """A short form; the date starts as today, or as the logged call being changed."""

    DEFAULT_CSS = """
    ChecklistCallDialog Label { color: $text-muted; }
    ChecklistCallDialog #call-error { color: $text-error; text-style: bold; height: auto; }
    ChecklistCallDialog Horizontal { height: auto; margin-top: 1; }
    ChecklistCallDialog Button { margin-right: 1; min-width: 10; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save the call", show=False, priority=True,
                id="checklist.call.save"),
        Binding("escape", "cancel", "Cancel", show=False, id="checklist.call.cancel"),
    ]

    def __init__(self, item_title: str, call: CallEntry | None = None) -> None:
        super().__init__()
        self.item_title = item_title
        self.call = call

    def compose(self) -> ComposeResult:
        call = self.call
        day = call.day if call else clock.today()
        heading = "Change a logged call" if call else "Log an insurance call"
        with VerticalScroll():
            yield Static(f"{heading}: {self.item_title}", classes="dialog-title",
                         markup=False)
            yield Label(f"Date of the call, e.g. {DATE_FORMS}")
            # Typing replaces the prefilled date (select_on_focus), so the first key
            # starts a new date rather than appending to today's.
            yield Input(editable_date(day), compact=True, select_on_focus=True,
                        id="call-date")
            yield Label("Who you spoke to")
            yield Input(call.who if call else "", placeholder="name, department",
                        compact=True, id="call-who")
            yield Label("Reference number")
            yield Input(call.reference if call else "",
                        placeholder="the call's reference number", compact=True,
                        id="call-reference")
            yield Label("What was said")
            yield Input(call.said if call else "",
                        placeholder="e.g. covered, no referral needed", compact=True,
                        id="call-said")
            yield Static("", id="call-error", markup=False)
            with Horizontal():
                yield Button("Save (ctrl+s)", variant="primary", id="call-save")
                yield Button("Cancel (escape)", id="call-cancel")

    def on_mount(self) -> None:
        # The first field first: tab and enter then follow the fields down the form.
        self.query_one("#call-date").focus()

    def action_save(self) -> None:
        self.save_call()

    def save_call(self) -> None:
        form = self.read_form(report=True)
        if form is not None:
            self.dismiss(form)

    def hangup_result(self) -> CallForm | None:
        return self.read_form(report=False)

    def read_form(self, *, report: bool) -> CallForm | None:
        """The call as typed, checked; None (after showing why, if ``report``) if wrong."""
        error = self.query_one("#call-error", Static)
        try:
            day = parse_date(self.query_one("#call-date", Input).value)
        except DateError as problem:
            if report:
                error.update(str(problem))
                self.query_one("#call-date").focus()
            return None
        who, reference, said = (self.query_one(f"#call-{name}", Input).value.strip()
                                for name in ("who", "reference", "said"))
        if not (who or reference or said):
            if report:
                error.update("Please fill in at least who you spoke to, the reference "
                             "number or what was said.")
                self.query_one("#call-who").focus()
            return None
        return CallForm(day, who, reference, said)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        # Enter moves on to the next field; on the last one it saves.
        if event.input.id == "call-said":
            self.action_save()
        else:
            self.focus_next()

    @on(Button.Pressed, "#call-save")
    def pressed_save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#call-cancel")
    def pressed_cancel(self) -> None:
        self.dismiss(None)
