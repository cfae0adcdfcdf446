"""Entering opinions and the profile with the keyboard; the timeline and its warning in the
Header. Assertions on the store and the widgets."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import Input, OptionList, TextArea

from secondop_tui.core import notes
from secondop_tui.core.doctors import Doctor, add_doctor
from secondop_tui.core.opinions import FIELDS, Opinion, get_opinion, save_opinion
from secondop_tui.core.profile import get_profile
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.app import SecondOpinionApp
from secondop_tui.ui.dialogs.choice_dialog import ChoiceDialog
from secondop_tui.ui.dialogs.opinion_dialog import OpinionDialog
from secondop_tui.ui.dialogs.profile_dialog import ProfileDialog
from secondop_tui.ui.panes.notes import NotesPane
from secondop_tui.ui.screens.timeline_screen import TimelineScreen
from tests.helpers import (
    field_on_the_last_line,
    open_notes_pane,
    plain,
    run_from_palette,
    screen_text,
    seed_opinions,
    settled,
    wait_until,
)


async def open_opinion(pilot, key: str = "alt+o") -> OpinionDialog:
    await open_notes_pane(pilot)
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, OpinionDialog),
                     "the opinion form open")
    return pilot.app.screen


async def test_enter_an_opinion_with_the_keyboard(make_app, store):
    doctor = add_doctor(store, Doctor(name="Dr Ana Ames"))
    visit = notes.new_consultation(store, title="First opinion", doctor_id=doctor)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_opinion(pilot)
        # Every field of the core's list, in its order.
        assert [w.id for w in dialog.query("Input, DoctorChoice, StepsArea")] == [
            f"f-{f.key}" for f in FIELDS]
        assert "Dr Ana Ames" in str(dialog.query_one(".form-title").content)
        await pilot.press(*"breast", "enter")  # enter moves to the next field
        await pilot.press(*"invasive ductal", "tab", "2", "tab", *"II", "tab")
        await pilot.press(*"HER2-", "tab", "right", "tab")  # goal: the first choice
        await pilot.press(*"radiation", "enter", *"surgery")
        await pilot.press("alt+up")  # surgery first
        await pilot.press("tab", "tab", "tab", *"3 Dec 2026", "ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, OpinionDialog)
        opinion = get_opinion(store, visit.doc_id)
        assert (opinion.cancer_type, opinion.histology, opinion.grade, opinion.stage,
                opinion.biomarkers, opinion.goal) == (
            "breast", "invasive ductal", "2", "II", "HER2-", "cure")
        assert opinion.plan == ["surgery", "radiation"]
        assert opinion.start_by == "2026-12-03"
        await app.workers.wait_for_complete()
        assert not store.dirty  # saved to disk
        # Opening it again shows what was saved, dates as typed forms.
        await pilot.press("f6")
        await pilot.pause()
        dialog = app.screen
        assert dialog.query_one("#f-start_by", Input).value == "3 Dec 2026"
        assert dialog.query_one("#f-plan", TextArea).text == "surgery\nradiation"


async def test_a_bad_date_is_named_and_nothing_is_lost(make_app, store):
    visit = notes.new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_opinion(pilot)
        dialog.query_one("#f-stage", Input).value = "IIIA"
        dialog.query_one("#f-report_received", Input).value = "31/31/2026"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        error = str(dialog.query_one("#form-error").content)
        assert "Written report received" in error and "31/31/2026" in error
        assert app.focused is dialog.query_one("#f-report_received", Input)
        assert dialog.query_one("#f-stage", Input).value == "IIIA"
        assert get_opinion(store, visit.doc_id).is_empty
        await pilot.press("ctrl+u", *"2026-11-19", "f2")
        await pilot.pause()
        assert not isinstance(app.screen, OpinionDialog)
        opinion = get_opinion(store, visit.doc_id)
        assert (opinion.stage, opinion.report_received) == ("IIIA", "2026-11-19")


async def test_the_field_with_a_date_error_stays_in_view(make_app, store):
    """The error bar appears above the form and pushes it down: the field it names must
    still be in view afterwards, even when it was the last line shown."""
    from textual.containers import VerticalScroll

    notes.new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_opinion(pilot)
        view = dialog.query_one(".form-body", VerticalScroll)
        field = dialog.query_one("#f-report_received", Input)
        await field_on_the_last_line(pilot, dialog, view, field)
        await pilot.press(*"31/31/2026", "ctrl+s")
        await wait_until(pilot, lambda: "Written report received"
                         in str(dialog.query_one("#form-error").content), "the date's error")
        assert app.focused is field
        # The error bar pushes the form down; the form then scrolls the field back.
        await wait_until(pilot, lambda: view.region.contains_region(field.region),
                         "the field in view", state=lambda: f"{view.region} {field.region}")


async def test_escape_asks_before_dropping_changes(make_app, store):
    visit = notes.new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_opinion(pilot)
        await pilot.press("escape")  # nothing changed: just closes
        await pilot.pause()
        assert not isinstance(app.screen, OpinionDialog)
        dialog = await open_opinion(pilot, "f6")
        await pilot.press(*"lung", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("k")  # keep editing
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("escape", "s")  # save from the question
        await pilot.pause()
        assert get_opinion(store, visit.doc_id).cancer_type == "lung"


async def test_opinion_key_works_while_writing_the_note(make_app, store):
    notes.new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_notes_pane(pilot)
        await pilot.press("enter", *"typed", "alt+o")
        await pilot.pause()
        assert isinstance(app.screen, OpinionDialog)
        assert pane.editor.text == "typed"


async def test_read_only_workbook_says_so_in_the_form(data_dir):
    seeded = WorkbookStore.open(data_dir)
    notes.new_consultation(seeded, title="Visit")
    seeded.close()
    store = WorkbookStore.open(data_dir, read_only=True)
    app = SecondOpinionApp(store=store, watch_signals=False)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_opinion(pilot)
        await pilot.press(*"breast", "ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        assert "read-only" in str(dialog.query_one("#form-error").content)
    store.close()


async def test_profile_from_the_palette(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await run_from_palette(pilot, "Profile: diagnosis")
        await wait_until(pilot, lambda: isinstance(app.screen, ProfileDialog),
                         "the profile form open")
        await pilot.press(*"breast cancer, stage II", "tab", *"1 Oct 2026", "tab")
        await pilot.press(*"letrozole", "ctrl+s")
        await pilot.pause()
        profile = get_profile(store)
        assert (profile.diagnosis, profile.diagnosis_date, profile.medications) == (
            "breast cancer, stage II", "2026-10-01", "letrozole")


def count_calls(obj, name: str) -> list[None]:
    """Record each call of ``obj``'s method ``name`` (one item a call), still calling it."""
    calls: list[None] = []
    method = getattr(obj, name)

    def counted(*args, **kwargs):
        calls.append(None)
        return method(*args, **kwargs)

    setattr(obj, name, counted)
    return calls


async def test_timing_warning_in_the_header_follows_the_workbook(make_app, store):
    ids = seed_opinions(store, 2)
    save_opinion(store, Opinion(ids[0], stage="II"))  # no start-by date: no warning yet
    app = make_app()
    worked_out = count_calls(app, "refresh_timing_note")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: worked_out, "the timing warning worked out at start")
        assert app.header_notes["timing"] == ()
        assert "⚠" not in app.sub_title
        dialog = await open_opinion(pilot)
        assert dialog.consultation_id in ids
        await pilot.press("escape")
        # Enter the start-by date through the form of the first consultation.
        pane = app.screen.query_one(NotesPane)
        pane.reload(select=ids[0])
        await pilot.press("alt+o")
        await pilot.pause()
        app.screen.query_one("#f-start_by", Input).value = "10 Dec 2026"
        await pilot.press("ctrl+s")
        await pilot.pause()
        # At 80 columns the short form, beside the next appointment (see below).
        assert "⚠ visit after start-by · Next 15 Dec" in app.sub_title
        assert app.sub_title.startswith("saved") or app.sub_title.startswith("saving")
        # And it goes when the date is taken away again.
        await pilot.press("alt+o")
        await pilot.pause()
        app.screen.query_one("#f-start_by", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "⚠" not in app.sub_title


def header_line(app: SecondOpinionApp) -> str:
    return screen_text(app).splitlines()[0]


@pytest.mark.parametrize("read_only", [False, True])
async def test_header_fits_the_warning_and_the_next_appointment_at_80_columns(
        store, data_dir, read_only: bool):
    """Both must be seen from every pane: the timing warning and the next appointment."""
    add_doctor(store, Doctor(name="Dr Ana Ruiz", status="appointment booked",
                             appointment="2026-12-03T14:30"))
    late = add_doctor(store, Doctor(name="Dr Benjamin Brookfield-Hart",
                                    status="appointment booked",
                                    appointment="2026-12-15T10:00"))
    visit = notes.new_consultation(store, title="First opinion", doctor_id=late,
                                   day=date(2026, 11, 2))
    save_opinion(store, Opinion(visit.doc_id, stage="II", start_by="2026-12-10"))
    store.flush()
    if read_only:
        store.close()
        store = WorkbookStore.open(data_dir, read_only=True)
    app = SecondOpinionApp(store=store, watch_signals=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.header_notes["timing"],
                             "the timing warning worked out at start")
            state = "READ-ONLY" if read_only else "saved"
            for key in "1234":
                await pilot.press(key)
                await pilot.pause()
                line = header_line(app)
                assert (f"{state} · ⚠ visit after start-by · Next 3 Dec 14:30 Dr Ana Ruiz"
                        in line), line
                assert "secondop-tui" not in line and "…" not in line
            await pilot.resize_terminal(130, 24)  # room enough for the long forms
            await pilot.pause()
            line = header_line(app)
            assert "⚠ visit after start-by: Dr Benjamin Brookfield-Hart" in line, line
            assert "Next 3 Dec 14:30 Dr Ana Ruiz" in line
            if read_only:
                assert "READ-ONLY: changes are not saved" in line
    finally:
        if read_only:
            store.close()


async def test_header_keeps_its_name_without_notes(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for key in "1234":
            await pilot.press(key)
            await pilot.pause()
            assert "secondop-tui — saved" in header_line(app)


def test_short_timing_note_counts_the_warnings():
    from secondop_tui.core.timeline import APPOINTMENT, REPORT, TimelineEvent, header_note

    def event(kind: str, who: str) -> TimelineEvent:
        return TimelineEvent(date(2026, 12, 15), kind, "", who=who, warning="after")

    visit, report = event(APPOINTMENT, "Dr A"), event(REPORT, "Dr B")
    assert header_note([visit]) == ("⚠ visit after start-by: Dr A", "⚠ visit after start-by")
    assert header_note([visit, visit]) == ("⚠ visit after start-by: Dr A (+1)",
                                           "⚠ 2 visits after start-by")
    assert header_note([report])[1] == "⚠ report after start-by"
    assert header_note([report, visit]) == ("⚠ report awaited after start-by: Dr B (+1)",
                                            "⚠ 2 after start-by")


async def test_timing_warning_at_start_and_on_the_timeline(make_app, store):
    seed_opinions(store, 2)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.header_notes["timing"],
                         "the timing warning worked out at start")
        assert app.header_notes["timing"] == ("⚠ visit after start-by: Dr Ben Brook",
                                           "⚠ visit after start-by")
        await open_notes_pane(pilot)
        await pilot.press("alt+l")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        warnings = str(screen.query_one("#timeline-warnings").content)
        assert "⚠ Appointment with Dr Ben Brook is after a start-by date" in warnings
        options = screen.query_one("#timeline-events", OptionList)
        lines = [plain(options.get_option_at_index(i).prompt)
                 for i in range(options.option_count)]
        appointment = next(line for line in lines if "appointment" in line)
        assert "Tue 15 Dec 2026" in appointment
        assert "⚠ after the start-by date of 10 Dec (Dr Ana Ames)" in appointment
        assert any("start by" in line and "Thu 10 Dec 2026" in line for line in lines)
        assert any(line.startswith("── today, Fri 20 Nov 2026") for line in lines)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TimelineScreen)
        await pilot.press("ctrl+l")  # the second key
        await pilot.pause()
        assert isinstance(app.screen, TimelineScreen)


def test_opinion_form_snapshot(snap_compare, store):
    doctor = add_doctor(store, Doctor(name="Dr Ana Ames", degree="MD"))
    visit = notes.new_consultation(store, title="First opinion", doctor_id=doctor,
                                   day=date(2026, 11, 2))
    save_opinion(store, Opinion(visit.doc_id, cancer_type="breast",
                                histology="invasive ductal carcinoma", grade="2", stage="II",
                                goal="cure", plan=["surgery", "radiation", "hormone therapy"],
                                start_by="2026-12-10"))
    app = SecondOpinionApp(store=store, watch_signals=False)
    assert snap_compare(app, run_before=settled("4", "alt+o"), terminal_size=(80, 24))
