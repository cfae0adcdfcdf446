"""The Doctors pane, driven with the keyboard through Pilot; assertions on the store."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.widgets import DataTable, Input, TextArea

from secondop_tui.core.doctors import (
    CredentialCheck,
    Doctor,
    RecordSent,
    add_doctor,
    get_doctor,
    list_doctors,
)
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.app import SecondOpinionApp
from secondop_tui.ui.dialogs.choice_dialog import ChoiceDialog
from secondop_tui.ui.dialogs.doctor_detail_dialog import DoctorDetailDialog, doctor_text
from secondop_tui.ui.dialogs.doctor_form_dialog import DoctorFormDialog
from secondop_tui.ui.panes.doctors import DoctorsPane
from secondop_tui.ui.widgets.doctor_choice import DoctorChoice
from tests.helpers import (
    burst_handled,
    field_on_the_last_line,
    post_burst,
    run_from_palette,
    show_pane,
    wait_until,
)


async def open_pane(pilot) -> DoctorsPane:
    return await show_pane(pilot, "doctors")


async def add_form_with_a_name(pilot, name: str) -> DoctorFormDialog:
    """The Add form, opened by key, with ``name`` typed and all its parts built (the
    lower ones, records and appointment, come a moment after the first)."""
    await open_pane(pilot)
    await pilot.press("a")
    await pilot.pause()
    form = pilot.app.screen
    assert isinstance(form, DoctorFormDialog)
    await pilot.press(*name)
    await wait_until(pilot, lambda: form.complete, "the form's lower parts built")
    return form


def names_in_table(pane: DoctorsPane) -> list[str]:
    table = pane.table
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def detail_text(app) -> str:
    """The detail view's text, one space between words (the layout is the snapshot's)."""
    console = Console(width=200, record=True, file=io.StringIO())
    assert isinstance(app.screen, DoctorDetailDialog)
    console.print(doctor_text(app.screen.doctor))
    return " ".join(console.export_text().split())


def seed(store, *doctors: Doctor) -> None:
    for doctor in doctors:
        add_doctor(store, doctor)


async def test_add_doctor_with_keys(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        assert pane.has_class("-empty")
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DoctorFormDialog)
        await pilot.press(*"Dr Ana Ruiz", "tab", *"MD")
        # The phone, typed as people do, is kept exactly.
        form.query_one("#f-phone", Input).value = "+1 (555) 010-0199 ext 7"
        form.query_one("#f-role", DoctorChoice).value = "medical oncologist"
        form.query_one("#f-how_found", DoctorChoice).value = "ABMS search"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, DoctorFormDialog)
        [doctor] = list_doctors(store)
        assert (doctor.name, doctor.degree, doctor.role, doctor.how_found) == (
            "Dr Ana Ruiz", "MD", "medical oncologist", "ABMS search")
        assert doctor.phone == "+1 (555) 010-0199 ext 7"
        assert doctor.status == "candidate"
        assert names_in_table(pane) == ["Dr Ana Ruiz"]
        assert not pane.has_class("-empty")
        assert app.focused is pane.table


async def test_second_save_key_f2(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Dr Ben Okafor", "f2")
        await pilot.pause()
        assert [d.name for d in list_doctors(store)] == ["Dr Ben Okafor"]


async def test_palette_finds_add_doctor(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await run_from_palette(pilot, "Add doctor")
        await wait_until(pilot, lambda: isinstance(app.screen, DoctorFormDialog),
                         "the doctor form open")


async def test_edit_doctor(make_app, store):
    seed(store, Doctor(name="Dr Ana Ruiz", status="candidate"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DoctorFormDialog)
        assert form.query_one("#f-name", Input).value == "Dr Ana Ruiz"
        form.query_one("#f-status", DoctorChoice).value = "appointment booked"
        form.query_one("#f-appointment", Input).value = "12/3/2026 2:30 pm"
        form.query_one("#f-affiliation", Input).value = "Lakeside Cancer Center"
        await pilot.press("ctrl+s")
        await pilot.pause()
        [doctor] = list_doctors(store)
        assert doctor.status == "appointment booked"
        assert doctor.appointment == "2026-12-03T14:30"
        assert doctor.affiliation == "Lakeside Cancer Center"
        assert pane.table.get_row_at(0)[4].plain == "3 Dec 14:30"
        assert "Next 3 Dec 14:30 Dr Ana Ruiz" in app.sub_title


async def test_cancel_with_unsaved_changes_asks_first(make_app, store):
    seed(store, Doctor(name="Dr Ana Ruiz"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        # Nothing changed: escape leaves at once.
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, (DoctorFormDialog, ChoiceDialog))
        # Changed: escape asks; "keep editing" returns to the form with the text intact.
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("end", *" Jr")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DoctorFormDialog)
        assert app.screen.query_one("#f-name", Input).value == "Dr Ana Ruiz Jr"
        # Discard: nothing is written.
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(app.screen, (DoctorFormDialog, ChoiceDialog))
        assert [d.name for d in list_doctors(store)] == ["Dr Ana Ruiz"]
        # Save from the question.
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("end", *" MD", "escape")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert [d.name for d in list_doctors(store)] == ["Dr Ana Ruiz MD"]


async def test_delete_asks_for_confirmation(make_app, store):
    seed(store, Doctor(name="Dr Ana Ruiz"), Doctor(name="Dr Ben Okafor"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("n")
        await pilot.pause()
        assert len(list_doctors(store)) == 2
        # Enter, pressed at once out of habit, keeps the doctor: "Keep" has the focus.
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceDialog),
                         "the question open")
        assert "Keep" in str(app.focused.label)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, ChoiceDialog),
                         "the question answered")
        assert len(list_doctors(store)) == 2
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert [d.name for d in list_doctors(store)] == ["Dr Ben Okafor"]
        assert names_in_table(pane) == ["Dr Ben Okafor"]


async def test_sort_by_columns(make_app, store):
    seed(store,
         Doctor(name="Dr Cole", status="seen", appointment="2026-11-25T10:00"),
         Doctor(name="Dr Abel", status="contacted", appointment="2026-12-01T10:00"),
         Doctor(name="Dr Baker", status="candidate",
                credentials={"board": CredentialCheck("verified")}))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        assert names_in_table(pane) == ["Dr Abel", "Dr Baker", "Dr Cole"]
        await pilot.press("r")
        await pilot.pause()
        assert names_in_table(pane) == ["Dr Cole", "Dr Baker", "Dr Abel"]
        await pilot.press("s", "s", "s")  # role, affiliation, status
        await pilot.pause()
        assert "Status▲" in str(pane.table.ordered_columns[3].label)
        assert names_in_table(pane) == ["Dr Baker", "Dr Abel", "Dr Cole"]
        await pilot.press("s")  # appointment: soonest first, none last
        await pilot.pause()
        assert names_in_table(pane) == ["Dr Cole", "Dr Abel", "Dr Baker"]
        await pilot.press("s", "s")  # verified: most first
        await pilot.pause()
        assert names_in_table(pane)[0] == "Dr Baker"


async def test_filter_by_typing(make_app, store):
    seed(store, Doctor(name="Dr Ana Ruiz", role="surgical oncologist"),
         Doctor(name="Dr Ben Okafor", affiliation="Lakeside"),
         Doctor(name="Dr Chen Ana", affiliation="Memorial"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        await pilot.press("slash", *"ana")
        await pilot.pause()
        assert names_in_table(pane) == ["Dr Ana Ruiz", "Dr Chen Ana"]
        await pilot.press(*" memorial")
        await pilot.pause()
        assert names_in_table(pane) == ["Dr Chen Ana"]
        await pilot.press("escape")  # back to the table, filter kept
        await pilot.pause()
        assert app.focused is pane.table and names_in_table(pane) == ["Dr Chen Ana"]
        await pilot.press("escape")  # clears the filter
        await pilot.pause()
        assert len(names_in_table(pane)) == 3
        await pilot.press("f", *"surgical", "enter")
        await pilot.pause()
        assert names_in_table(pane) == ["Dr Ana Ruiz"]
        assert app.focused is pane.table


async def test_verification_marks(make_app, store):
    seed(store, Doctor(name="Dr Ana Ruiz"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        assert pane.table.get_row_at(0)[6].plain == "0/5"
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        form.query_one("#c-board-status", DoctorChoice).value = "verified"
        form.query_one("#c-board-source", Input).value = "ABMS Certification Matters"
        form.query_one("#c-board-checked", Input).value = "2026-11-19"
        form.query_one("#c-license-status", DoctorChoice).value = "verified"
        form.query_one("#c-license-source", Input).value = "State medical board"
        await pilot.press("ctrl+s")
        await pilot.pause()
        doctor = list_doctors(store)[0]
        assert doctor.credential("board") == CredentialCheck(
            "verified", "ABMS Certification Matters", "2026-11-19")
        assert doctor.credential("license").verified
        assert not doctor.credential("training").verified
        assert pane.table.get_row_at(0)[6].plain == "2/5"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DoctorDetailDialog)
        body = detail_text(app)
        assert "Checked ✓ verified (ABMS Certification Matters, checked Thu 19 Nov 2026)" in body
        assert "self-reported" in body


async def test_choose_with_keys_only(make_app, store):
    seed(store, Doctor(name="Dr Ana Ruiz"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("tab", "tab")  # name -> degree -> role
        await pilot.pause()
        assert app.focused.id == "f-role"
        await pilot.press("right", "right", "left", "right")  # blank, medical, surgical
        await pilot.pause()
        await pilot.press("s")  # first letter: the next choice starting with s
        await pilot.pause()
        assert app.focused.value == "surgical oncologist"
        await pilot.press("left", "right")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert list_doctors(store)[0].role == "surgical oncologist"


async def test_record_states(make_app, store):
    seed(store, Doctor(name="Dr Ana Ruiz", records={
        "imaging": RecordSent("sent", {"requested": "2026-11-01", "sent": "2026-11-05"})}))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert form.query_one("#r-imaging-date", Input).value == "5 Nov 2026"
        # Picking a state fills today's date, which can be changed.
        form.query_one("#r-slides-state", DoctorChoice).value = "sent"
        await pilot.pause()
        assert form.query_one("#r-slides-date", Input).value == "20 Nov 2026"
        form.query_one("#r-imaging-state", DoctorChoice).value = "receipt confirmed"
        await pilot.pause()
        form.query_one("#r-imaging-date", Input).value = "11/18/2026"
        form.query_one("#r-timeline-state", DoctorChoice).value = "requested"
        await pilot.pause()
        form.query_one("#r-timeline-state", DoctorChoice).value = ""
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        doctor = list_doctors(store)[0]
        assert doctor.records["slides"] == RecordSent("sent", {"sent": "2026-11-20"})
        assert doctor.records["imaging"] == RecordSent("receipt confirmed", {
            "requested": "2026-11-01", "sent": "2026-11-05",
            "receipt confirmed": "2026-11-18"})
        assert "timeline" not in doctor.records
        await pilot.press("enter")
        await pilot.pause()
        body = detail_text(app)
        assert "Slides or blocks → sent (sent Fri 20 Nov 2026)" in body
        assert "Imaging files ✓ receipt confirmed (requested Sun 1 Nov 2026;" in body
        assert "Timeline not tracked" in body


async def test_bad_input_refused_with_messages(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        # Empty name (spaces only).
        await pilot.press("space", "space", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DoctorFormDialog)
        error = str(form.query_one("#doctor-form-error").render())
        assert "name" in error
        assert app.focused.id == "f-name"
        # An impossible date names the accepted forms and focuses the field.
        await pilot.press(*"Dr Ana Ruiz")
        form.query_one("#f-appointment", Input).value = "31 Feb 2026"
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = str(form.query_one("#doctor-form-error").render())
        assert "Appointment" in error and "2026-12-03, 12/3/2026 or 3 Dec 2026" in error
        assert app.focused.id == "f-appointment"
        form.query_one("#f-appointment", Input).value = "3 Dec 2026 14:30"
        form.query_one("#c-training-checked", Input).value = "yesterday"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Training, date checked" in str(form.query_one("#doctor-form-error").render())
        form.query_one("#c-training-checked", Input).value = ""
        form.query_one("#r-slides-state", DoctorChoice).value = "sent"
        await pilot.pause()
        form.query_one("#r-slides-date", Input).value = "13/45/2026"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Slides or blocks" in str(form.query_one("#doctor-form-error").render())
        assert list_doctors(store) == []
        form.query_one("#r-slides-date", Input).value = "2026-11-19"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert list_doctors(store)[0].appointment == "2026-12-03T14:30"


async def test_huge_notes_and_control_characters(make_app, store):
    app = make_app()
    huge = ("A long note about the visit. " * 40 + "\n") * 500  # about 600 kB
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-name", Input).value = "Dr \x1b[31mRed\x07 Bell"
        form.query_one("#f-notes", TextArea).text = huge
        await pilot.press("ctrl+s")
        await pilot.pause()
        [doctor] = list_doctors(store)
        assert doctor.notes == huge and doctor.name == "Dr \x1b[31mRed\x07 Bell"
        cell = pane.table.get_row_at(0)[0].plain
        assert "\x1b" not in cell and cell.startswith("Dr \\e[31mRed")
        await pilot.press("enter")
        await pilot.pause()
        body = detail_text(app)
        assert "\x1b" not in body and "\x07" not in body and "\\x07" in body


async def test_read_only_offers_no_edits(data_dir):
    writer = WorkbookStore.open(data_dir)
    add_doctor(writer, Doctor(name="Dr Ana Ruiz"))
    writer.close()
    store = WorkbookStore.open(data_dir, read_only=True)
    app = SecondOpinionApp(store=store, watch_signals=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await open_pane(pilot)
            for key in ("a", "e", "d"):
                await pilot.press(key)
                await pilot.pause()
                assert app.screen.query(DoctorsPane), key
            assert not any(t == "Add doctor" for t, _, _ in pane.palette_commands())
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, DoctorDetailDialog)
            await pilot.press("e")
            await pilot.pause()
            assert isinstance(app.screen, DoctorDetailDialog)
    finally:
        store.close()


async def test_restart_shows_next_appointment_everywhere(data_dir):
    first_store = WorkbookStore.open(data_dir)
    app = SecondOpinionApp(store=first_store, watch_signals=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        for name in ("Dr Ana Ruiz", "Dr Ben Okafor", "Dr Chen Li"):
            await pilot.press("a")
            await pilot.pause()
            await pilot.press(*name)
            if name == "Dr Ben Okafor":
                app.screen.query_one("#f-appointment", Input).value = "12/3/2026 14:30"
            await pilot.press("ctrl+s")
            await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    first_store.close()

    store = WorkbookStore.open(data_dir)
    app = SecondOpinionApp(store=store, watch_signals=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            for key in ("1", "2", "3", "4"):
                await pilot.press(key)
                await pilot.pause()
                assert "Next 3 Dec 14:30 Dr Ben Okafor" in app.sub_title
            assert sorted(d.name for d in list_doctors(store)) == [
                "Dr Ana Ruiz", "Dr Ben Okafor", "Dr Chen Li"]
            # Deleting the only appointment clears the note.
            pane = await open_pane(pilot)
            pane.table.move_cursor(row=names_in_table(pane).index("Dr Ben Okafor"))
            await pilot.press("d", "y")
            await pilot.pause()
            assert "Next " not in app.sub_title
    finally:
        store.close()


async def test_workbook_reload_rereads_doctors(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        add_doctor(store, Doctor(name="Dr From Disk"))
        pane.on_workbook_reloaded()
        await pilot.pause()
        assert names_in_table(pane) == ["Dr From Disk"]
        assert get_doctor(store, 1).name == "Dr From Disk"
        assert isinstance(pane.table, DataTable)


async def test_help_lists_the_doctors_keys(make_app, store):
    from secondop_tui.ui.help_screen import HelpScreen

    seed(store, Doctor(name="Dr Ana Ruiz"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        described = {d: k for k, d in app.screen.rows}
        for what in ("Add", "Details", "Edit", "Delete", "Sort", "Reverse sort", "Filter"):
            assert what in described, what
        details = {k for k, d in app.screen.rows if d == "Details"}
        assert details == {"⏎", "v"}


@pytest.mark.loaded
async def test_keys_that_arrive_in_one_burst_fill_the_right_fields(make_app, store):
    """A slow SSH link delivers a fast typist's keys together: tab must still move on
    before the next letters are typed."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DoctorFormDialog)
        post_burst(app, *"Dr Zed", "tab", *"MD")  # posted at once, none waited for
        await burst_handled(pilot)
        assert form.query_one("#f-name", Input).value == "Dr Zed"
        assert form.query_one("#f-degree", Input).value == "MD"


async def test_the_date_of_a_record_not_tracked_cannot_be_typed_in(make_app, store):
    """A record not tracked has no date to keep: its date box is closed (tab passes it
    by) until a state is picked, so nothing typed there is thrown away on save."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await add_form_with_a_name(pilot, "Dr Ana Ruiz")
        state = form.query_one("#r-pathology_report-state", DoctorChoice)
        date_box = form.query_one("#r-pathology_report-date", Input)
        assert date_box.disabled
        form.set_focus(state)
        await pilot.press("tab")
        assert app.focused is form.query_one("#r-slides-state", DoctorChoice)
        # Picking a state opens the box, with today's date in it.
        await pilot.press("shift+tab", "right", "tab")
        assert state.value == "requested"
        assert not date_box.disabled and app.focused is date_box
        assert date_box.value == "20 Nov 2026"
        await pilot.press(*(["backspace"] * 4), *"2025")  # the cursor is at its end
        assert date_box.value == "20 Nov 2025"
        # Back to not tracked: the box empties and closes again.
        await pilot.press("shift+tab", "left")
        assert state.value == "" and date_box.value == "" and date_box.disabled
        await pilot.press("right", "tab", *(["backspace"] * 11), *"18 Nov 2026", "ctrl+s")
        await pilot.pause()
        [doctor] = list_doctors(store)
        assert doctor.records == {"pathology_report": RecordSent(
            "requested", {"requested": "2026-11-18"})}


async def test_the_field_with_a_date_error_stays_in_view(make_app, store):
    """The error bar that appears above the form pushes it down a line or two: the field
    it names must still be in view afterwards, even when it was the last line shown."""
    from textual.containers import VerticalScroll

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await add_form_with_a_name(pilot, "Dr Ana Ruiz")
        view = form.query_one("#doctor-form", VerticalScroll)
        field = form.query_one("#f-appointment", Input)
        await field_on_the_last_line(pilot, form, view, field)
        await pilot.press(*"31 Feb 2026", "ctrl+s")
        await pilot.pause()
        assert "Appointment" in str(form.query_one("#doctor-form-error").render())
        assert app.focused is field
        assert view.region.contains_region(field.region)


@pytest.mark.loaded
async def test_a_filter_typed_in_one_burst_goes_into_the_filter(make_app, store):
    """"/" moves the focus to the filter; the letters that arrive with it must follow it
    there, not act on the table (where a adds, d deletes, s and r sort)."""
    seed(store, Doctor(name="Dr Ana Ruiz"), Doctor(name="Dr Ben Okafor"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        post_burst(app, *"/ana")
        await burst_handled(pilot)
        assert not isinstance(app.screen, DoctorFormDialog)
        filter_input = pane.query_one("#doctors-filter", Input)
        assert filter_input.value == "ana"
        assert app.focused is filter_input
        await wait_until(pilot, lambda: names_in_table(pane) == ["Dr Ana Ruiz"],
                         "the table filtered")
        # enter goes back to the table, so the e behind it edits the doctor found.
        post_burst(app, "enter", "e")
        await burst_handled(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, DoctorFormDialog),
                         "the doctor form open")
        assert filter_input.value == "ana"
        assert app.screen.doctor.name == "Dr Ana Ruiz"


@pytest.mark.loaded
async def test_a_doctor_added_in_one_burst_keeps_every_letter(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        post_burst(app, *"aDr Zed", "tab", *"MD", "ctrl+s")
        await burst_handled(pilot)
        await wait_until(pilot, lambda: list_doctors(store), "the doctor saved")
        [doctor] = list_doctors(store)
        assert (doctor.name, doctor.degree) == ("Dr Zed", "MD")


@pytest.mark.loaded
async def test_keys_ahead_of_a_tab_in_one_burst_act_on_the_field_they_were_typed_in(
        make_app, store):
    """tab moves on at once; the key typed before it must still act where it was typed:
    right, space and left change that choice, backspace deletes in that field."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DoctorFormDialog)
        post_burst(app, *"Dr Zex", "backspace", "d", "tab", *"MD")
        await burst_handled(pilot)
        assert form.query_one("#f-name", Input).value == "Dr Zed"
        assert form.query_one("#f-degree", Input).value == "MD"
        await wait_until(pilot, lambda: form.complete, "the form's lower parts built")
        # From the training's date checked: the license's state, status, checked.
        form.set_focus(form.query_one("#c-training-checked", Input))
        post_burst(app, "tab", "tab", "tab", "right", "tab")
        await burst_handled(pilot)
        assert form.query_one("#c-license-status", DoctorChoice).value == "verified"
        assert app.focused is form.query_one("#c-license-source", Input)
        # From the license's date checked: years, patients, the experience's checked.
        form.set_focus(form.query_one("#c-license-checked", Input))
        post_burst(app, "tab", "tab", "tab", "space", "space", "left", "tab")
        await burst_handled(pilot)
        assert form.query_one("#c-experience-status", DoctorChoice).value == "verified"
        assert app.focused is form.query_one("#c-experience-source", Input)


async def test_new_consultation_from_the_doctors_pane_is_tied_to_that_doctor(make_app, store):
    from secondop_tui.core.notes import list_consultations
    from secondop_tui.ui.dialogs.notes_new_dialog import NotesNewDialog

    add_doctor(store, Doctor(name="Dr Ames"))
    chosen = add_doctor(store, Doctor(name="Dr Brook"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_pane(pilot)
        pane.table.move_cursor(row=1, animate=False)  # sorted by name: Dr Brook
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NotesNewDialog)
        await pilot.press(*"Surgeon's view", "enter")
        await pilot.pause()
        [visit] = list_consultations(store)
        assert (visit.title, visit.doctor_id) == ("Surgeon's view", chosen)
        assert app.screen.query_one("#panes").active == "notes"


async def test_a_key_before_the_table_is_first_filled_acts_on_the_doctors(
        make_app, store, monkeypatch):
    """The table is filled just after the pane's first frame; on a busy machine the pane
    key and the next key (3, then v, in one burst) can both arrive before that. The
    second key must act on the doctors, not ring the bell over an empty table."""
    add_doctor(store, Doctor(name="Dr Ana Ruiz"))
    # The first frame never comes in time: the deferred fill is left out.
    monkeypatch.setattr(DoctorsPane, "on_mount", lambda self: None)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        post_burst(app, "3", "v")
        await burst_handled(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, DoctorDetailDialog),
                         "the details of the highlighted doctor open")
        assert "Dr Ana Ruiz" in detail_text(app)



async def test_quit_as_the_doctor_form_opens(make_app, store, monkeypatch):
    """The form's lower part is mounted just after its first frame; ctrl+q (or a hangup)
    handled before that frame, as happens on a busy machine, must end the app cleanly,
    not with a MountError from a form being taken down."""
    opened = DoctorFormDialog.on_mount

    def quit_at_once(form) -> None:
        opened(form)
        form.app.exit()

    monkeypatch.setattr(DoctorFormDialog, "on_mount", quit_at_once)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await show_pane(pilot, "doctors")
        app.push_screen(DoctorFormDialog(Doctor()))
        await wait_until(pilot, lambda: not app.is_running, "the app ended")
    assert app._exception is None
