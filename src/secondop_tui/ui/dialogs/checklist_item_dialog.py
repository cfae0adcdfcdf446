"""Add or edit a checklist item: group, title, why, due date and note in one form."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from secondop_tui.core.checklist import Checklist, ChecklistError
from secondop_tui.core.dates import DATE_FORMS, DateError, parse_date
from secondop_tui.core.text import one_line
from secondop_tui.ui.dialogs.base import DialogScreen


@dataclass(frozen=True)
class ItemForm:
    """What the dialog returns: every field, already checked."""

    group: str
    title: str
    why: str
    due: str
    note: str


class ChecklistItemDialog(DialogScreen[ItemForm | None]):
    """The form for one item. ``focus`` names the field to start in (title, due, note)."""

    DEFAULT_CSS = """
    ChecklistItemDialog Label { color: $text-muted; }
    ChecklistItemDialog .fixed-title { color: $text; }
    ChecklistItemDialog TextArea { height: 4; }
    ChecklistItemDialog #item-error { color: $text-error; text-style: bold; height: auto; }
    ChecklistItemDialog Horizontal { height: auto; margin-top: 1; }
    ChecklistItemDialog Button { margin-right: 1; min-width: 10; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save the item", show=False, priority=True,
                id="checklist.item.save"),
        Binding("escape", "cancel", "Cancel", show=False, id="checklist.item.cancel"),
    ]

    def __init__(self, heading: str, groups: list[tuple[str, str]], *, group: str,
                 title: str = "", why: str = "", due: str = "", note: str = "",
                 title_fixed: bool = False, choose_group: bool = False,
                 focus: str = "title") -> None:
        super().__init__()
        self.heading = heading
        self.groups = groups
        self.values = ItemForm(group, title, why, due, note)
        self.title_fixed = title_fixed
        self.choose_group = choose_group
        self.start_in = focus

    def compose(self) -> ComposeResult:
        v = self.values
        with VerticalScroll():
            yield Static(self.heading, classes="dialog-title", markup=False)
            if self.choose_group:
                yield Label("Group")
                yield Select([(title, gid) for gid, title in self.groups], value=v.group,
                             allow_blank=False, compact=True, id="item-group")
            yield Label("Title")
            if self.title_fixed:
                yield Static(one_line(v.title) + "  (default wording; add your own words "
                             "in the note)", classes="fixed-title", markup=False)
            else:
                yield Input(v.title, placeholder="What to do, in a few words", compact=True,
                            id="item-title")
                yield Label("Why (optional, one line)")
                yield Input(v.why, placeholder="Why it matters", compact=True, id="item-why")
            yield Label(f"Due date (optional), e.g. {DATE_FORMS}")
            yield Input(v.due, placeholder="leave empty for no date", compact=True,
                        id="item-due")
            yield Label("Note (optional; enter starts a new line)")
            yield TextArea(v.note, soft_wrap=True, show_line_numbers=False, compact=True,
                           id="item-note")
            yield Static("", id="item-error", markup=False)
            with Horizontal():
                yield Button("Save (ctrl+s)", variant="primary", id="item-save")
                yield Button("Cancel (escape)", id="item-cancel")

    def on_mount(self) -> None:
        target = {"due": "#item-due", "note": "#item-note"}.get(self.start_in, "#item-title")
        if self.title_fixed and target == "#item-title":
            target = "#item-due"
        self.query_one(target).focus()

    def show_error(self, message: str, field: str) -> None:
        self.query_one("#item-error", Static).update(message)
        self.query_one(field).focus()

    def action_save(self) -> None:
        self.save_item()

    def save_item(self) -> None:
        form = self.read_form(report=True)
        if form is not None:
            self.dismiss(form)

    def hangup_result(self) -> ItemForm | None:
        return self.read_form(report=False)

    def read_form(self, *, report: bool) -> ItemForm | None:
        """The form's values, checked; None (after showing why, if ``report``) if wrong."""
        title = self.values.title
        why = self.values.why
        if not self.title_fixed:
            try:
                title = Checklist.clean_title(self.query_one("#item-title", Input).value)
            except ChecklistError as error:
                if report:
                    self.show_error(str(error), "#item-title")
                return None
            why = self.query_one("#item-why", Input).value
        due = self.query_one("#item-due", Input).value.strip()
        if due:
            try:
                due = parse_date(due).isoformat()
            except DateError as error:
                if report:
                    self.show_error(str(error), "#item-due")
                return None
        group = self.values.group
        if self.choose_group:
            group = str(self.query_one("#item-group", Select).value)
        note = self.query_one("#item-note", TextArea).text
        return ItemForm(group, title, why, due, note)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#item-save")
    def pressed_save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#item-cancel")
    def pressed_cancel(self) -> None:
        self.dismiss(None)
