"""The Doctors pane: the candidate doctors in a sortable, filterable table."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from secondop_tui.core.doctors import (
    STATUSES,
    Doctor,
    add_doctor,
    appointment_note,
    delete_doctor,
    list_doctors,
    next_appointment,
    update_doctor,
)
from secondop_tui.core import tables
from secondop_tui.core.conflicts import affected
from secondop_tui.core.dates import short_datetime
from secondop_tui.core.text import one_line
from secondop_tui.ui.dialogs.choice_dialog import Choice, ChoiceDialog
from secondop_tui.ui.panes.base import EmptyState, Pane
from secondop_tui.ui.widgets.reading import follow_reader, reader_on

READ_ONLY_MESSAGE = "This workbook is open read-only: doctors cannot be added or changed."

ROLE_SHORT = {
    "medical oncologist": "med onc", "surgical oncologist": "surg onc",
    "radiation oncologist": "rad onc", "hematologist": "hematol",
    "gynecologic oncologist": "gyn onc", "pediatric oncologist": "ped onc",
    "pathologist": "patholog", "radiologist": "radiolog", "other": "other",
}
STATUS_SHORT = {"records sent": "records", "appointment booked": "booked"}
ANSWER_SHORT = {"yes": "yes", "no": "no", "": "?"}
_LATE = datetime.max


def _clip(text: str, width: int) -> str:
    text = one_line(text).strip()
    return text if len(text) <= width else text[: width - 1] + "…"


def _appointment_cell(doctor: Doctor) -> str:
    # No year: the column is narrow (the detail view has the full date).
    when = doctor.appointment_at
    return "" if when is None else short_datetime(when, year=False)


# (column key, header, width, sort key)
COLUMNS: list[tuple[str, str, int, Callable[[Doctor], object]]] = [
    ("name", "Name", 15, lambda d: d.name.casefold()),
    ("role", "Role", 8, lambda d: (not d.role, d.role)),
    ("affiliation", "Affiliation", 9, lambda d: (not d.affiliation, d.affiliation.casefold())),
    ("status", "Status", 9, lambda d: STATUSES.index(d.status)),
    ("appointment", "Appointment", 12, lambda d: d.appointment_at or _LATE),
    ("network", "Net", 3, lambda d: ("yes", "no", "").index(d.in_network)),
    ("verified", "Verified", 8, lambda d: -d.verified_count()[0]),
]


def doctor_row(doctor: Doctor) -> list[str]:
    """The table cells of one doctor (plain, safe text)."""
    verified, total = doctor.verified_count()
    return [
        _clip(doctor.name or "(no name)", 15),
        ROLE_SHORT.get(doctor.role, ""),
        _clip(doctor.affiliation, 9),
        STATUS_SHORT.get(doctor.status, doctor.status),
        _appointment_cell(doctor),
        ANSWER_SHORT[doctor.in_network],
        f"{verified}/{total}" + (" ✓" if verified == total else ""),
    ]


def haystack(doctor: Doctor) -> str:
    """What the filter searches: the fields a person would type to find a doctor."""
    return " ".join((doctor.name, doctor.degree, doctor.role, doctor.disease_focus,
                     doctor.affiliation, doctor.status, doctor.location, doctor.how_found,
                     doctor.specialty, doctor.languages)).casefold()


class DoctorTable(DataTable):
    """The doctors table; enter (which opens a doctor) is named for the Footer and help."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Details", id="doctors.view"),
    ]


class DoctorsPane(Pane):
    """The candidate doctors: add, edit, check credentials and track records."""


    pane_id = "doctors"
    title = "Doctors"

    class NewConsultation(Message):
        """Start a consultation with this doctor in the Notes pane."""

        def __init__(self, doctor_id: int | None) -> None:
            super().__init__()
            self.doctor_id = doctor_id

    BINDINGS = [
        Binding("a", "add_doctor", "Add", id="doctors.add"),
        Binding("v", "view_doctor", "Details", show=False, id="doctors.view.alt"),
        Binding("e", "edit_doctor", "Edit", show=False, id="doctors.edit"),
        Binding("n", "new_consultation", "New consultation with this doctor", show=False,
                id="doctors.consultation"),
        Binding("c", "new_consultation", "New consultation with this doctor", show=False,
                id="doctors.consultation.alt"),
        Binding("d", "delete_doctor", "Delete", show=False, id="doctors.delete"),
        Binding("delete", "delete_doctor", "Delete", show=False, id="doctors.delete.alt"),
        Binding("s", "sort_next", "Sort", show=False, id="doctors.sort"),
        Binding("r", "sort_reverse", "Reverse sort", show=False, id="doctors.sort.reverse"),
        Binding("slash", "filter", "Filter", id="doctors.filter"),
        Binding("f", "filter", "Filter", show=False, id="doctors.filter.alt"),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.doctors: list[Doctor] = []
        self._haystacks: dict[int, str] = {}
        self._cells: dict[int, list[Text]] = {}
        self.sort_column = 0
        self.sort_reverse = False
        self.filter_text = ""
        self._loaded = False  # the table is filled just after the first frame
        self._summary = ""

    # Building -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="doctors-bar"):
            yield Input(placeholder="Filter (/): name, role, place…", compact=True,
                        id="doctors-filter", select_on_focus=False)
            yield Static("", id="doctors-summary", markup=False)
        yield EmptyState(
            "[b]No doctors yet.[/b] Press [b]a[/b] to add the first doctor you are "
            "considering: only the name is needed, the rest can follow as you find out.",
            id="doctors-empty")
        yield DoctorTable(id="doctors-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        # The Header note is wanted at once; the table (hidden behind the first tab at
        # start-up) is filled just after the first frame, so it never delays it.
        self.update_header_note()
        self.call_after_refresh(self.reload)
        follow_reader(self, lambda _: self.refresh_table())

    def on_workbook_reloaded(self) -> None:
        self.reload()

    @property
    def store(self):
        return self.workbook_app.store

    @property
    def table(self) -> DataTable:
        return self.query_one("#doctors-table", DataTable)

    @property
    def ready(self) -> bool:
        """The table holds the workbook's doctors."""
        return self._loaded

    def on_show(self) -> None:
        self._ensure_loaded()

    def _ensure_loaded(self) -> None:
        # A key pressed before the deferred first fill (the pane key, then v, in one
        # burst at start-up) acts on the doctors, never on an empty table.
        if not self._loaded:
            self.reload()

    def reload(self, select: int | None = None) -> None:
        """Re-read the doctors from the store and redraw (keeping the cursor's doctor)."""
        self._loaded = True
        store = self.store
        self.doctors = list_doctors(store) if store is not None else []
        # Cells and search text are made once per reload: sorting and filtering then only
        # reorder them, which keeps both quick with hundreds of doctors.
        self._haystacks = {d.doc_id: haystack(d) for d in self.doctors}  # type: ignore[misc]
        self._cells = {d.doc_id: [Text(cell, no_wrap=True) for cell in doctor_row(d)]
                       for d in self.doctors}
        # A doctor with an open sync conflict says so (palette "Conflicts").
        marked = affected(store).get(tables.DOCTORS, set()) if store is not None else set()
        for doc_id in marked & set(self._cells):
            self._cells[doc_id][0] = Text("⚠ " + self._cells[doc_id][0].plain, no_wrap=True)
        self.set_class(not self.doctors, "-empty")
        self.refresh_table(select=select)
        self.update_header_note()

    def visible_doctors(self) -> list[Doctor]:
        """The doctors that pass the filter, in the chosen order."""
        words = self.filter_text.casefold().split()
        shown = [d for d in self.doctors
                 if all(w in self._haystacks[d.doc_id] for w in words)]  # type: ignore[index]
        _, _, _, key = COLUMNS[self.sort_column]
        # Name breaks ties so the order never jumps between redraws.
        shown.sort(key=lambda d: d.name.casefold())
        shown.sort(key=key, reverse=self.sort_reverse)
        return shown

    def refresh_table(self, select: int | None = None) -> None:
        table = self.table
        if select is None:
            select = self.current_id()
        table.clear(columns=True)
        reader = reader_on(self)
        # With the screen reader setting the order is said in words, in the summary.
        arrow = "" if reader else self.sort_arrow
        for i, (key, header, width, _) in enumerate(COLUMNS):
            label = f"{header}{arrow}" if i == self.sort_column else header
            table.add_column(label, width=max(width, len(label)), key=key)
        shown = self.visible_doctors()
        table.add_rows(self._cells[d.doc_id] for d in shown)  # type: ignore[index]
        # add_rows gives generated keys; keep our own map from row index to doctor.
        self._shown_ids = [d.doc_id for d in shown]
        if select in self._shown_ids:
            table.move_cursor(row=self._shown_ids.index(select), animate=False)
        summary = f"{len(shown)} of {len(self.doctors)}" if self.filter_text.strip() \
            else f"{len(self.doctors)} doctor{'s' if len(self.doctors) != 1 else ''}"
        header = COLUMNS[self.sort_column][1].lower()
        order = "last to first" if self.sort_reverse else "first to last"
        self._summary = (f"{summary}{' shown' if self.filter_text.strip() else ''}, by "
                         f"{header}, {order}.")
        self.query_one("#doctors-summary", Static).update(
            "s sort, r reverse" if reader else
            f"{summary} · by {header} {self.sort_arrow} · s sort, r reverse")
        self.post_message(self.SummaryChanged())

    def summary(self) -> str:
        return self._summary

    @property
    def sort_arrow(self) -> str:
        return "▼" if self.sort_reverse else "▲"

    def current_id(self) -> int | None:
        self._ensure_loaded()
        ids = getattr(self, "_shown_ids", [])
        row = self.table.cursor_row
        return ids[row] if 0 <= row < len(ids) else None

    def current_doctor(self) -> Doctor | None:
        doc_id = self.current_id()
        return next((d for d in self.doctors if d.doc_id == doc_id), None)

    def update_header_note(self) -> None:
        app = self.workbook_app
        store = self.store
        note = appointment_note(next_appointment(store)) if store is not None else ""
        app.header_notes["appointment"] = (note,) if note else ()
        app.refresh_status()

    # Pane hooks ---------------------------------------------------------------------
    def focus_default(self) -> None:
        self.table.focus()

    def palette_commands(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        if self.store is not None and not self.store.read_only:
            yield ("Add doctor", "Doctors: add a doctor you are considering (a)",
                   self.action_add_doctor)
        yield ("Doctors: filter", "Filter the doctors by typing (/)", self.action_filter)
        yield ("Doctors: sort by next column", "Change the order of the table (s)",
               self.action_sort_next)
        if self.current_doctor() is not None:
            yield ("Doctors: show details", "Every field of the selected doctor (enter)",
                   self.action_view_doctor)
            yield ("Doctors: new consultation with this doctor",
                   "Start its note in the Notes pane (n or c)", self.action_new_consultation)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("add_doctor", "edit_doctor", "delete_doctor"):
            store = self.store
            return store is not None and not store.read_only
        return True

    # Filter and sort ----------------------------------------------------------------
    def action_filter(self) -> None:
        self.query_one("#doctors-filter", Input).focus()

    @on(Input.Changed, "#doctors-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.refresh_table()
        if self.table.row_count:
            self.table.move_cursor(row=0, animate=False)

    @on(Input.Submitted, "#doctors-filter")
    def filter_done(self, event: Input.Submitted) -> None:
        self.table.focus()

    def on_key(self, event) -> None:
        # Down arrow or escape leave the filter for the table; escape there clears it.
        filter_input = self.query_one("#doctors-filter", Input)
        if filter_input.has_focus and event.key in ("down", "escape"):
            event.stop()
            event.prevent_default()
            self.table.focus()
        elif self.table.has_focus and event.key == "escape" and self.filter_text:
            event.stop()
            filter_input.value = ""

    def action_sort_next(self) -> None:
        self.sort_column = (self.sort_column + 1) % len(COLUMNS)
        self.sort_reverse = False
        self.refresh_table()

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.refresh_table()

    @on(DataTable.HeaderSelected)
    def header_selected(self, event: DataTable.HeaderSelected) -> None:
        if event.column_index == self.sort_column:
            self.action_sort_reverse()
        else:
            self.sort_column, self.sort_reverse = event.column_index, False
            self.refresh_table()

    # Viewing and editing ------------------------------------------------------------
    @on(DataTable.RowSelected, "#doctors-table")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_view_doctor()

    def action_view_doctor(self) -> None:
        # deferred: start-up speed (the pane is imported at start-up, the form when opened)
        from secondop_tui.ui.dialogs.doctor_detail_dialog import DoctorDetailDialog

        doctor = self.current_doctor()
        if doctor is None:
            self.app.bell()
            return
        editable = self.store is not None and not self.store.read_only
        self.app.push_screen(DoctorDetailDialog(doctor, editable=editable),
                             self._detail_closed)

    def _detail_closed(self, answer: str | None) -> None:
        if answer == "edit":
            self.action_edit_doctor()
        elif answer == "delete":
            self.action_delete_doctor()

    def action_add_doctor(self) -> None:
        # deferred: start-up speed (the pane is imported at start-up, the form when opened)
        from secondop_tui.ui.dialogs.doctor_form_dialog import DoctorFormDialog

        if not self.check_action("add_doctor", ()):
            self.notify(READ_ONLY_MESSAGE, severity="warning")
            return
        self.app.push_screen(DoctorFormDialog(Doctor()), self._form_closed)

    def action_edit_doctor(self) -> None:
        # deferred: start-up speed (the pane is imported at start-up, the form when opened)
        from secondop_tui.ui.dialogs.doctor_form_dialog import DoctorFormDialog

        if not self.check_action("edit_doctor", ()):
            self.notify(READ_ONLY_MESSAGE, severity="warning")
            return
        doctor = self.current_doctor()
        if doctor is None:
            self.notify("No doctor is selected. Press a to add one.")
            return
        self.app.push_screen(DoctorFormDialog(doctor), self._form_closed)

    def _form_closed(self, doctor: Doctor | None) -> None:
        if doctor is None or self.store is None:
            self.focus_default()
            return
        if doctor.doc_id is None:
            add_doctor(self.store, doctor)
            self.notify(f"Added {doctor.display_name}.", timeout=3)
        else:
            update_doctor(self.store, doctor)
            self.notify(f"Saved {doctor.display_name}.", timeout=3)
        self.reload(select=doctor.doc_id)
        if doctor.doc_id not in self._shown_ids:
            # A filter would hide the doctor just saved: clear it so they can be seen.
            self.query_one("#doctors-filter", Input).value = ""
            self.filter_text = ""
            self.refresh_table(select=doctor.doc_id)
        self.focus_default()

    def action_new_consultation(self) -> None:
        """Start a consultation in the Notes pane, already tied to the chosen doctor."""
        doctor = self.current_doctor()
        if doctor is None:
            self.app.bell()
            return
        self.post_message(self.NewConsultation(doctor.doc_id))  # the workbook screen starts it

    def action_delete_doctor(self) -> None:
        if not self.check_action("delete_doctor", ()):
            self.notify(READ_ONLY_MESSAGE, severity="warning")
            return
        doctor = self.current_doctor()
        if doctor is None:
            self.app.bell()
            return
        dialog = ChoiceDialog(
            f"Delete {doctor.display_name}?",
            "Everything kept about this doctor goes: credentials, records sent, notes. "
            "Consultations with them stay, with no doctor named. "
            "The app keeps dated backups of the workbook, but this cannot be undone here."
            "\n\ny deletes, n or escape keeps the doctor.",
            [Choice("y", "Delete", "delete", "error"), Choice("n", "Keep", "keep")],
            cancel="keep")
        doc_id = doctor.doc_id

        def answered(answer: str | None) -> None:
            if answer == "delete" and self.store is not None and doc_id is not None:
                row = self.table.cursor_row
                delete_doctor(self.store, doc_id)
                self.reload()
                if self.table.row_count:
                    self.table.move_cursor(row=min(row, self.table.row_count - 1),
                                           animate=False)
                self.notify(f"Deleted {doctor.display_name}.", timeout=3)
            self.focus_default()

        self.app.push_screen(dialog, answered)
