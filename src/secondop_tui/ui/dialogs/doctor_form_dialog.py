"""The add/edit form for a doctor: every field, credential checks and records sent.

It is a full-screen modal that scrolls; tab and shift+tab move between fields, ctrl+s
(or F2, for terminals that take ctrl+s) saves, escape cancels and asks first when
something was changed. Only the name is required.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from collections.abc import Iterable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Static, TextArea

from secondop_tui.core import clock
from secondop_tui.core.dates import (DATE_FORMS, DateError, editable_date, editable_datetime,
                                     parse_date, parse_datetime)
from secondop_tui.core.doctors import (
    CREDENTIAL_STATUSES,
    CREDENTIALS,
    HOW_FOUND,
    NCI_LEVELS,
    RECORD_KINDS,
    RECORD_STATES,
    RECORD_SYMBOLS,
    ROLES,
    SELF_REPORTED,
    STATUSES,
    CredentialCheck,
    Doctor,
    add_doctor,
    check_doctor,
    update_doctor,
)
from secondop_tui.ui.dialogs.choice_dialog import ask_before_discarding
from secondop_tui.ui.widgets.doctor_choice import DoctorChoice
from secondop_tui.ui.widgets.mount_later import MountLater
from secondop_tui.ui.dialogs.base import DismissOnce
from secondop_tui.ui.workbook_app import workbook_app

YES_NO = (("yes", "yes"), ("no", "no"))


@dataclass(frozen=True)
class Field:
    """One doctor field in the form: kind is text, choice, date, datetime or area."""

    name: str
    label: str
    kind: str = "text"
    options: tuple[tuple[str, str], ...] = ()
    blank: str | None = "not known"  # the blank choice, or None for none
    placeholder: str = ""


def _opts(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((v, v) for v in values)


# (section title, fields, credential key checked in that section or None)
SECTIONS: list[tuple[str, list[Field], str | None]] = [
    ("Identity", [
        Field("name", "Name *", placeholder="required, e.g. Dr Ana Ruiz"),
        Field("degree", "Degree", placeholder="MD, DO…"),
        Field("role", "Role", "choice", _opts(ROLES)),
        Field("disease_focus", "Disease focus", placeholder="e.g. HER2+ breast cancer"),
    ], None),
    ("Board certification", [
        Field("board", "Board", placeholder="e.g. American Board of Internal Medicine"),
        Field("specialty", "Specialty"),
        Field("board_status", "Status", placeholder="e.g. certified, meets MOC"),
    ], "board"),
    ("Training", [
        Field("medical_school", "Medical school"),
        Field("residency", "Residency"),
        Field("fellowship", "Fellowship"),
    ], "training"),
    ("License", [
        Field("license_state", "State"),
        Field("license_status", "Status", placeholder="e.g. active, no actions"),
    ], "license"),
    ("Experience", [
        Field("years_in_practice", "Years in practice"),
        Field("patients_per_year", "Patients a year", placeholder="with this cancer type"),
    ], "experience"),
    ("Affiliation", [
        Field("affiliation", "Hospital or center"),
        Field("academic_appointment", "Academic post"),
        Field("nci_designation", "NCI designation", "choice", _opts(NCI_LEVELS)),
        Field("nccn_member", "NCCN member", "choice", YES_NO),
        Field("clinical_trials", "Clinical trials", placeholder="which trials, if any"),
        Field("tumor_board", "Tumor board", "choice", YES_NO),
    ], "affiliation"),
    ("Insurance", [
        Field("in_network", "In network", "choice", YES_NO),
        Field("referral_needed", "Referral needed", "choice", YES_NO),
        Field("insurance_call", "Confirmed by call", placeholder="who, when, reference no."),
    ], None),
    ("Logistics", [
        Field("telehealth", "Telehealth", "choice", YES_NO),
        Field("languages", "Languages"),
        Field("location", "Location"),
        Field("first_available", "First available", "date", placeholder=DATE_FORMS),
        Field("phone", "Phone", placeholder="kept exactly as typed"),
        Field("fax", "Fax"),
        Field("portal", "Patient portal"),
        Field("send_records_to", "Send records to", placeholder="address for records, slides"),
    ], None),
    ("Status and visit", [
        Field("how_found", "How found", "choice", _opts(HOW_FOUND)),
        Field("status", "Status", "choice", _opts(STATUSES), blank=None),
        Field("appointment", "Appointment", "datetime",
              placeholder="3 Dec 2026 14:30, 12/3/2026 2:30 pm"),
    ], None),
]
FIELDS = {f.name: f for _, fields, _ in SECTIONS for f in fields}
EAGER_SECTIONS = 2  # about a screenful at 80x24: mounted before the first frame


class DoctorFormDialog(DismissOnce["Doctor | None"], ModalScreen["Doctor | None"]):
    """Add or edit a doctor. Dismisses with the edited Doctor, or None when cancelled."""

    DEFAULT_CSS = """
    DoctorFormDialog {
        align: center middle;
    }
    DoctorFormDialog > Vertical {
        width: 100%;
        max-width: 100;
        height: 1fr;
        border: thick $primary;
        background: $surface;
    }
    DoctorFormDialog #doctor-form-title {
        text-style: bold;
        padding: 0 1;
        background: $primary-muted;
        color: $text;
    }
    DoctorFormDialog #doctor-form-error {
        display: none;
        padding: 0 1;
        background: $error-muted;
        color: $text;
        text-style: bold;
    }
    DoctorFormDialog #doctor-form-error.-visible {
        display: block;
    }
    DoctorFormDialog #doctor-form {
        height: 1fr;
        padding: 0 1;
    }
    DoctorFormDialog .form-grid {
        grid-size: 2;
        grid-columns: 20 1fr;
        grid-rows: auto;
        height: auto;
    }
    DoctorFormDialog .records-grid {
        grid-size: 3;
        grid-columns: 30 23 1fr;
        grid-gutter: 0 1;
        grid-rows: auto;
        height: auto;
    }
    DoctorFormDialog .form-section {
        column-span: 2;
        text-style: bold underline;
        padding-top: 1;
    }
    DoctorFormDialog .form-hint {
        color: $text-muted;
    }
    DoctorFormDialog .record-row > Input { width: 1fr; }
    DoctorFormDialog #doctor-form-rest {
        height: auto;
    }
    DoctorFormDialog #f-notes {
        height: 8;
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="doctor-form.save"),
        Binding("f2", "save", "Save", show=False, priority=True, id="doctor-form.save.f2"),
        Binding("escape", "cancel", "Cancel", id="doctor-form.cancel"),
    ]

    def __init__(self, doctor: Doctor) -> None:
        super().__init__()
        self.doctor = doctor
        self._initial: dict[str, Any] = {}
        self._record_states: dict[str, str] = {
            key: doctor.record(key).state for key, _ in RECORD_KINDS}

    # Building -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        d = self.doctor
        title = "Add a doctor" if d.doc_id is None else f"Edit {d.display_name}"
        with Vertical():
            yield Static(f"{title} · ctrl+s or F2 saves · escape cancels",
                         id="doctor-form-title", markup=False)
            yield Static("", id="doctor-form-error", markup=False)
            with VerticalScroll(id="doctor-form"):
                yield Static("Only the name is required. Tab and shift+tab move between "
                             f"fields; left and right change a choice. Dates: {DATE_FORMS}.",
                             classes="form-hint", markup=False)
                # Labels and fields sit straight in a grid (a row container per field
                # would double the widget count), and everything below the first screenful
                # is mounted just after the first frame, so the form opens quickly.
                yield Grid(*self._section_widgets(SECTIONS[:EAGER_SECTIONS]),
                           classes="form-grid")
                yield MountLater(Vertical(
                    Grid(*self._section_widgets(SECTIONS[EAGER_SECTIONS:]),
                         classes="form-grid"),
                    Label("Records sent to this doctor", classes="form-section"),
                    Static("State of each record, and the date it reached that state "
                           "(today is filled in when you pick a state; a record not "
                           "tracked has no date).",
                           classes="form-hint", markup=False),
                    Grid(*self._record_widgets(), classes="records-grid"),
                    Label("Notes", classes="form-section"),
                    TextArea(d.notes, id="f-notes", compact=True),
                    id="doctor-form-rest"))
        yield Footer()

    def _section_widgets(self, sections) -> list[Widget]:
        widgets: list[Widget] = []
        for section, fields, check in sections:
            widgets.append(Label(section, classes="form-section"))
            for f in fields:
                widgets += [Label(f.label, markup=False), self._field_widget(f)]
            if check:
                widgets += list(self._check_rows(check))
        return widgets

    def _record_widgets(self) -> list[Widget]:
        widgets: list[Widget] = []
        for key, label in RECORD_KINDS:
            record = self.doctor.record(key)
            widgets += [
                Label(label, markup=False),
                DoctorChoice([(f"{RECORD_SYMBOLS[s]} {s}", s) for s in RECORD_STATES],
                             record.state, blank=f"{RECORD_SYMBOLS['']} not tracked",
                             id=f"r-{key}-state"),
                # A record not tracked has no date: its box opens when a state is picked
                # (text typed in it could only be thrown away on save).
                Input(editable_date(record.dates.get(record.state, "")), placeholder="date",
                      compact=True, id=f"r-{key}-date", select_on_focus=False,
                      disabled=not record.state),
            ]
        return widgets

    def _field_widget(self, f: Field) -> Widget:
        value = getattr(self.doctor, f.name)
        if f.kind == "choice":
            return DoctorChoice([(label, v) for v, label in f.options], value,
                                blank=f.blank, id=f"f-{f.name}")
        if f.kind == "date":
            value = editable_date(value)
        elif f.kind == "datetime":
            value = editable_datetime(value)
        return Input(value, placeholder=f.placeholder, compact=True, id=f"f-{f.name}",
                     select_on_focus=False)

    def _check_rows(self, key: str) -> Iterable[Widget]:
        check = self.doctor.credential(key)
        yield Label("  Checked", markup=False)
        yield DoctorChoice([("✓ verified" if s != SELF_REPORTED else "self-reported", s)
                            for s in CREDENTIAL_STATUSES], check.status,
                           id=f"c-{key}-status")
        yield Label("  Source", markup=False)
        yield Input(check.source, placeholder="e.g. ABMS Certification Matters",
                    compact=True, id=f"c-{key}-source", select_on_focus=False)
        yield Label("  Date checked", markup=False)
        yield Input(editable_date(check.checked), placeholder=DATE_FORMS, compact=True,
                    id=f"c-{key}-checked", select_on_focus=False)

    def on_mount(self) -> None:
        self._initial = self.values()
        self.query_one("#f-name", Input).focus()
        self.call_after_refresh(self._when_complete, self._note_initial_rest)

    @property
    def complete(self) -> bool:
        """Whether the lazily mounted part of the form is there yet."""
        return bool(self.query("#f-notes"))

    def _when_complete(self, callback) -> None:
        if self.complete:
            callback()
        else:
            self.set_timer(0.02, lambda: self._when_complete(callback))

    def _note_initial_rest(self) -> None:
        for key, value in self.values().items():
            self._initial.setdefault(key, value)

    # Reading the form -----------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """Every widget's value by id (to tell whether anything changed)."""
        out: dict[str, Any] = {}
        for widget in self.query("Input, DoctorChoice, TextArea"):
            if widget.id is None:
                continue
            if isinstance(widget, TextArea):
                out[widget.id] = widget.text
            elif isinstance(widget, (Input, DoctorChoice)):
                out[widget.id] = widget.value
        return out

    @property
    def unsaved(self) -> bool:
        return self.values() != self._initial

    def _input(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def _select(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", DoctorChoice).value

    def build_doctor(self) -> Doctor:
        """The doctor as the form says; raises ValueError (with the field's id in args[1])."""
        doctor = copy.deepcopy(self.doctor)
        for f in FIELDS.values():
            widget_id = f"f-{f.name}"
            if f.kind == "choice":
                value = self._select(widget_id)
            else:
                value = self._input(widget_id)
            if f.kind == "date":
                value = self._parse_date(value, widget_id, f.label)
            elif f.kind == "datetime":
                if value.strip():
                    try:
                        value = parse_datetime(value).isoformat(timespec="minutes")
                    except DateError as error:
                        raise ValueError(f"{f.label}: {error}", widget_id) from None
                else:
                    value = ""
            elif f.name == "name":
                value = value.strip()
            setattr(doctor, f.name, value)
        doctor.notes = self.query_one("#f-notes", TextArea).text
        doctor.status = doctor.status or "candidate"
        for key, label in CREDENTIALS:
            doctor.credentials[key] = CredentialCheck(
                status=self._select(f"c-{key}-status") or SELF_REPORTED,
                source=self._input(f"c-{key}-source").strip(),
                checked=self._parse_date(self._input(f"c-{key}-checked"),
                                         f"c-{key}-checked", f"{label}, date checked"))
        for key, label in RECORD_KINDS:
            state = self._select(f"r-{key}-state")
            record = copy.deepcopy(doctor.record(key))
            record.state = state
            if state:
                when = self._parse_date(self._input(f"r-{key}-date"), f"r-{key}-date", label)
                if when:
                    record.dates[state] = when
                else:
                    record.dates.pop(state, None)
                doctor.records[key] = record
            else:
                doctor.records.pop(key, None)
        try:
            check_doctor(doctor)
        except ValueError as error:
            raise ValueError(str(error), "f-name") from None
        return doctor

    @staticmethod
    def _parse_date(text: str, widget_id: str, label: str) -> str:
        if not text.strip():
            return ""
        try:
            return parse_date(text).isoformat()
        except DateError as error:
            raise ValueError(f"{label}: {error}", widget_id) from None

    # Reacting ---------------------------------------------------------------------------
    @on(DoctorChoice.Changed)
    def record_state_changed(self, event: DoctorChoice.Changed) -> None:
        widget_id = event.choice.id or ""
        if not (widget_id.startswith("r-") and widget_id.endswith("-state")):
            return
        key = widget_id[2:-6]
        state = event.value
        if state == self._record_states.get(key):
            return
        self._record_states[key] = state
        stored = self.doctor.record(key).dates.get(state, "")
        date_input = self.query_one(f"#r-{key}-date", Input)
        date_input.value = editable_date(stored or (clock.today() if state else None))
        date_input.cursor_position = len(date_input.value)  # to change it from the end
        date_input.disabled = not state

    def show_error(self, message: str) -> None:
        error = self.query_one("#doctor-form-error", Static)
        error.update(f"⚠ {message}" if message else "")
        error.set_class(bool(message), "-visible")

    # Actions ----------------------------------------------------------------------------
    def action_save(self) -> None:
        self.save_form()

    def save_form(self) -> None:
        if not self.complete:
            self._when_complete(self.save_form)
            return
        try:
            doctor = self.build_doctor()
        except ValueError as error:
            message = str(error.args[0])
            self.show_error(message)
            if len(error.args) > 1:
                widget = self.query_one(f"#{error.args[1]}")
                self.set_focus(widget, scroll_visible=False)
                # The error bar appearing above the form pushes it down, but only once it
                # is laid out, at the next refresh: scrolled now, the field would end up
                # below the view.
                self.call_after_refresh(widget.scroll_visible, animate=False)
            return
        self.show_error("")
        self.dismiss(doctor)

    def save_on_hangup(self) -> None:
        """The connection dropped with the form open: keep what it holds, if it is valid."""
        if not self.unsaved or not self.complete:
            return
        try:
            doctor = self.build_doctor()
        except ValueError:
            return  # no name yet, or a date that cannot be read: nothing safe to keep
        store = workbook_app(self).store
        if doctor.doc_id is None:
            add_doctor(store, doctor)
        else:
            update_doctor(store, doctor)

    def action_cancel(self) -> None:
        ask_before_discarding(self, self.unsaved, "to this doctor's details", self.action_save)
