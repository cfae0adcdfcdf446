"""The form for a doctor's opinion on one consultation, and the field form it is built on.

Like the doctor form it is a full-screen modal that scrolls: tab and shift+tab (or
enter in a one-line field) move between fields, ctrl+s or F2 saves, escape cancels and
asks first when something was changed. Every field is optional. A date that cannot be
read is named in a message above the form; nothing typed is lost.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Static, TextArea

from secondop_tui.core import opinions
from secondop_tui.core.dates import DATE_FORMS, DateError, editable_date, parse_date
from secondop_tui.core.doctors import get_doctor
from secondop_tui.core.notes import get_consultation
from secondop_tui.core.text import as_text, one_line
from secondop_tui.ui.dialogs.choice_dialog import ask_before_discarding
from secondop_tui.ui.widgets.doctor_choice import DoctorChoice
from secondop_tui.ui.dialogs.base import DismissOnce

TEXT, CHOICE, STEPS, DATE, AREA = "text", "choice", "steps", "date", "area"


@dataclass(frozen=True)
class FormField:
    """One field of a form: kind is text, choice, steps (one per line), date or area."""

    key: str
    label: str
    kind: str = TEXT
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()  # (label, value) for a choice
    blank: str = "not said"  # the label of the empty choice


class StepsArea(TextArea):
    """Ordered steps, one per line; the line numbers are the step numbers."""

    BINDINGS = [
        Binding("alt+up", "move_step(-1)", "Move the step up", show=False,
                id="form.step.up"),
        Binding("alt+k", "move_step(-1)", "Move the step up", show=False,
                id="form.step.up.alt"),
        Binding("alt+down", "move_step(1)", "Move the step down", show=False,
                id="form.step.down"),
        Binding("alt+j", "move_step(1)", "Move the step down", show=False,
                id="form.step.down.alt"),
    ]

    def action_move_step(self, step: int) -> None:
        lines = self.text.split("\n")
        row, column = self.cursor_location
        other = row + step
        if not 0 <= other < len(lines):
            return
        lines[row], lines[other] = lines[other], lines[row]
        # One edit (so a single undo puts it back) rather than load_text.
        self.replace("\n".join(lines), (0, 0), self.document.end)
        self.move_cursor((other, min(column, len(lines[other]))))


def steps_of(text: str) -> list[str]:
    """The steps typed one per line: blank lines dropped, order kept."""
    return [line.strip() for line in text.split("\n") if line.strip()]


class FieldFormDialog(DismissOnce["Any | None"], ModalScreen["Any | None"]):
    """A form over a list of :class:`FormField`. Subclasses say how to save the values.

    Dismisses with what :meth:`save_values` returned, or None when cancelled.
    """

    DEFAULT_CSS = """
    FieldFormDialog {
        align: center middle;
    }
    FieldFormDialog > Vertical {
        width: 100%;
        max-width: 100;
        height: 1fr;
        border: thick $primary;
        background: $surface;
    }
    FieldFormDialog .form-title {
        text-style: bold;
        padding: 0 1;
        background: $primary-muted;
        color: $text;
    }
    FieldFormDialog .form-error {
        display: none;
        padding: 0 1;
        background: $error-muted;
        color: $text;
        text-style: bold;
    }
    FieldFormDialog .form-error.-visible {
        display: block;
    }
    FieldFormDialog .form-body {
        height: 1fr;
        padding: 0 1;
    }
    FieldFormDialog .form-grid {
        grid-size: 2;
        grid-columns: 24 1fr;
        grid-rows: auto;
        height: auto;
        /* A margin, not padding: Textual leaves padding out when it scrolls a field of
           the grid into view, and the field would stay a line below the view. */
        margin-top: 1;
    }
    FieldFormDialog .form-field-help {
        height: auto;
        padding: 0 1;
        background: $panel;
        color: $text;
    }
    FieldFormDialog .form-hint {
        color: $text-muted;
    }
    FieldFormDialog .form-label {
        text-style: bold;
        padding-right: 1;
    }
    /* A field shows where it is even when empty (a compact field has no frame). */
    FieldFormDialog .form-grid > Input, FieldFormDialog .form-grid > TextArea {
        background: $surface-lighten-1;
    }
    FieldFormDialog .form-grid > Input:focus, FieldFormDialog .form-grid > TextArea:focus {
        background: $boost;
    }
    FieldFormDialog .form-steps {
        height: 7;
    }
    FieldFormDialog .form-area {
        height: 4;
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="form.save"),
        Binding("f2", "save", "Save", show=False, priority=True, id="form.save.f2"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    form_title = ""
    form_hint = ""
    what = "these details"  # for the discard question: "You changed <what> …"

    def __init__(self, fields: Iterable[FormField], values: dict[str, Any]) -> None:
        super().__init__()
        self.fields = list(fields)
        self.start_values = values
        self._initial: dict[str, Any] = {}

    # Building -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.form_title, classes="form-title", markup=False)
            yield Static("", id="form-error", classes="form-error", markup=False)
            with VerticalScroll(classes="form-body"):
                yield Static(self.form_hint, classes="form-hint", markup=False)
                yield Grid(*self._widgets(), classes="form-grid")
            # What the focused field is for: the placeholders are too short to say it.
            yield Static("", id="form-field-help", classes="form-field-help", markup=False)
        yield Footer()

    def _widgets(self) -> Iterable[Widget]:
        for f in self.fields:
            yield Label(f.label, classes="form-label", markup=False)
            yield self._field_widget(f)

    def _field_widget(self, f: FormField) -> Widget:
        value = self.start_values.get(f.key)
        widget_id = f"f-{f.key}"
        if f.kind == CHOICE:
            return DoctorChoice(list(f.options), value or "", blank=f.blank, id=widget_id)
        if f.kind == STEPS:
            steps = value if isinstance(value, list) else []
            area = StepsArea("\n".join(as_text(s) for s in steps), soft_wrap=True,
                             show_line_numbers=True, tab_behavior="focus", compact=True,
                             placeholder="one step per line, in order",
                             classes="form-steps", id=widget_id)
            return area
        if f.kind == AREA:
            return TextArea(as_text(value), soft_wrap=True, tab_behavior="focus",
                            compact=True, classes="form-area",
                            id=widget_id)
        text = editable_date(as_text(value)) if f.kind == DATE else as_text(value)
        placeholder = DATE_FORMS if f.kind == DATE else ""
        return Input(text, placeholder=placeholder, compact=True, id=widget_id,
                     select_on_focus=False)

    def on_mount(self) -> None:
        self._initial = self.raw_values()
        first = self.query_one(f"#f-{self.fields[0].key}") if self.fields else None
        if first is not None:
            first.focus()

    # Reading the form -----------------------------------------------------------------
    def raw_values(self) -> dict[str, str]:
        """Every field's text as shown (to tell whether anything changed)."""
        out: dict[str, str] = {}
        for f in self.fields:
            widget = self.query_one(f"#f-{f.key}")
            if isinstance(widget, TextArea):
                out[f.key] = widget.text
            elif isinstance(widget, (Input, DoctorChoice)):
                out[f.key] = widget.value
        return out

    @property
    def unsaved(self) -> bool:
        return self.raw_values() != self._initial

    def values(self) -> dict[str, Any]:
        """The values to store; raises ValueError(message, widget id) for a bad date."""
        raw = self.raw_values()
        out: dict[str, Any] = {}
        for f in self.fields:
            text = raw[f.key]
            if f.kind == STEPS:
                out[f.key] = steps_of(text)
            elif f.kind == DATE:
                if not text.strip():
                    out[f.key] = ""
                    continue
                try:
                    out[f.key] = parse_date(text).isoformat()
                except DateError as error:
                    raise ValueError(f"{f.label}: {error}", f"f-{f.key}") from None
            elif f.kind in (TEXT, CHOICE):
                out[f.key] = text.strip()
            else:
                out[f.key] = text.strip("\n")
        return out

    def save_values(self, values: dict[str, Any]) -> Any:
        """Store the values; return what the dialog dismisses with. Subclasses say how."""
        raise NotImplementedError

    # Reacting ---------------------------------------------------------------------------
    def on_descendant_focus(self, event) -> None:
        widget_id = getattr(event.widget, "id", None) or ""
        f = next((f for f in self.fields if f"f-{f.key}" == widget_id), None)
        if f is not None:
            extra = {STEPS: " Enter starts the next step; alt+up and alt+down move one.",
                     CHOICE: " Left and right change it."}.get(f.kind, "")
            self.query_one("#form-field-help", Static).update(
                f"{f.label}: {f.help}{extra}" if f.help else f"{f.label}.{extra}")

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def show_error(self, message: str) -> None:
        error = self.query_one("#form-error", Static)
        error.update(f"⚠ {message}" if message else "")
        error.set_class(bool(message), "-visible")

    # Actions ----------------------------------------------------------------------------
    def action_save(self) -> None:
        self.save_form()

    def save_form(self) -> None:
        try:
            values = self.values()
        except ValueError as error:
            self.show_error(str(error.args[0]))
            if len(error.args) > 1:
                widget = self.query_one(f"#{error.args[1]}")
                self.set_focus(widget, scroll_visible=False)
                # The error bar appearing above the form pushes it down, but only once it
                # is laid out, at the next refresh: scrolled now, the field would end up
                # below the view.
                self.call_after_refresh(widget.scroll_visible, animate=False)
            return
        try:
            result = self.save_values(values)
        except PermissionError as error:
            self.show_error(str(error) or "This workbook is open read-only: nothing is "
                            "saved.")
            return
        except (ValueError, LookupError) as error:
            # DateError included: the core checks again and has the last word.
            self.show_error(str(error))
            return
        self.show_error("")
        self.dismiss(result)

    def save_on_hangup(self) -> None:
        """The connection dropped with the form open: keep what it holds, if it is valid."""
        if self.unsaved:
            try:
                self.save_values(self.values())
            except (ValueError, LookupError, PermissionError):
                pass  # a date that cannot be read: the store keeps the last saved form

    def action_cancel(self) -> None:
        ask_before_discarding(self, self.unsaved, f"to {self.what}", self.action_save)


def consultation_heading(store, consultation_id: int) -> str:
    """``3 Dec 2026, Dr Ana Ruiz: Second opinion`` (safe to show)."""
    consultation = get_consultation(store, consultation_id)
    if consultation is None:
        return "(consultation removed)"
    parts = [editable_date(consultation.date) or "no date"]
    if consultation.doctor_id is not None:
        doctor = get_doctor(store, consultation.doctor_id)
        parts.append(one_line(doctor.display_name) if doctor else "(doctor removed)")
    return f"{', '.join(parts)}: {consultation.display_title}"


def opinion_fields() -> list[FormField]:
    """The form's fields, in the order of ``opinions.FIELDS``."""
    return [FormField(f.key, f.label, f.kind, f.help,
                      options=tuple((choice, choice) for choice in f.choices))
            for f in opinions.FIELDS]


class OpinionDialog(FieldFormDialog):
    """Enter or change the opinion given at one consultation.

    Saves it itself (so a problem is shown in the form, with nothing lost) and dismisses
    with the saved Opinion, or None when cancelled.
    """

    what = "this opinion"
    form_hint = ("What the doctor concluded, in their words. Every field is optional. "
                 "Tab moves on, ctrl+s or F2 saves, escape cancels.")

    def __init__(self, store, consultation_id: int) -> None:
        self.store = store
        self.consultation_id = consultation_id
        self.opinion = opinions.get_opinion(store, consultation_id)
        self.form_title = f"Opinion · {consultation_heading(store, consultation_id)}"
        values = {f.key: getattr(self.opinion, f.key) for f in opinions.FIELDS}
        super().__init__(opinion_fields(), values)

    def save_values(self, values: dict[str, Any]):
        opinion = dataclasses.replace(self.opinion, **values)
        opinions.save_opinion(self.store, opinion)
        return opinion


def edit_opinion(app, consultation_id: int,
                 then: Callable[[Any], object] | None = None) -> None:
    """Open the opinion form for a consultation."""
    def saved(opinion) -> None:
        if opinion is not None:
            app.notify("The opinion is saved.", timeout=3)
        if then is not None:
            then(opinion)

    app.push_screen(OpinionDialog(app.store, consultation_id), saved)
