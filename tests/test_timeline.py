"""The timeline: events in order, and words when a visit or a report comes after a start-by."""

from __future__ import annotations

from datetime import date

from secondop_tui.core import export
from secondop_tui.core.doctors import Doctor, add_doctor
from secondop_tui.core.notes import TABLE as CONSULTATIONS
from secondop_tui.core.notes import new_consultation
from secondop_tui.core.opinions import Opinion, save_opinion
from secondop_tui.core.profile import Profile, save_profile
from secondop_tui.core.timeline import (
    APPOINTMENT,
    CONSULTATION,
    DIAGNOSIS,
    REPORT,
    START_BY,
    render_timeline,
    short_date,
    timeline,
    timing_warnings,
)

TODAY = date(2026, 11, 20)  # the frozen clock's today


def seed(store) -> dict[str, int]:
    """Diagnosis, two opinions (one report in, one awaited) and a third doctor booked
    after the first start-by date."""
    save_profile(store, Profile(diagnosis="Breast cancer", diagnosis_date="2026-10-28"))
    ames = add_doctor(store, Doctor(name="Dr Ames", status="seen"))
    brook = add_doctor(store, Doctor(name="Dr Brook", status="seen"))
    chen = add_doctor(store, Doctor(name="Dr Chen", status="appointment booked",
                                    appointment="2026-12-08T14:30"))
    first = new_consultation(store, title="First", doctor_id=ames, day=date(2026, 11, 2))
    second = new_consultation(store, title="Second", doctor_id=brook, day=date(2026, 11, 16))
    save_opinion(store, Opinion(first.doc_id, stage="II", start_by="2026-12-03",
                                report_received="2026-11-06"))
    save_opinion(store, Opinion(second.doc_id, stage="III", start_by="2026-12-10"))
    return {"ames": ames, "brook": brook, "chen": chen, "first": first.doc_id,
            "second": second.doc_id}


def test_empty_workbook_has_no_events(store):
    assert timeline(store) == [] and timing_warnings(store) == []
    assert "Nothing dated yet" in render_timeline(store)


def test_events_in_order_with_their_kinds(store):
    seed(store)
    events = timeline(store)
    assert [(e.day, e.kind) for e in events] == [
        (date(2026, 10, 28), DIAGNOSIS),
        (date(2026, 11, 2), CONSULTATION),
        (date(2026, 11, 6), REPORT),
        (date(2026, 11, 16), CONSULTATION),
        (date(2026, 11, 16), REPORT),
        (date(2026, 12, 3), START_BY),
        (date(2026, 12, 8), APPOINTMENT),
        (date(2026, 12, 10), START_BY),
    ]
    labels = [e.label for e in events]
    assert labels[0] == "Diagnosis: Breast cancer"
    assert labels[1] == "Consultation: First (Dr Ames)"
    assert labels[2] == "Written report received (Dr Ames)"
    assert labels[4] == "Written report awaited (Dr Brook), since the consultation"
    assert events[4].awaited and not events[2].awaited
    assert labels[5] == "Treatment should start by (Dr Ames)"
    assert labels[6] == "Appointment with Dr Chen at 14:30"


def test_appointment_after_the_first_start_by_is_warned_in_words(store):
    seed(store)
    events = timeline(store)
    warned = [e for e in events if e.warning]
    assert [(e.kind, e.warning) for e in warned] == [
        (APPOINTMENT, "after the start-by date of 3 Dec (Dr Ames)")]
    assert timing_warnings(store) == ["Appointment with Dr Chen is after a start-by date"]


def test_no_warning_when_the_appointment_comes_first(store):
    ids = seed(store)
    chen = store.table("doctors").get(doc_id=ids["chen"])
    store.table("doctors").update({**chen, "appointment": "2026-12-01T09:00"},
                                  doc_ids=[ids["chen"]])
    assert [e.warning for e in timeline(store) if e.warning] == []
    assert timing_warnings(store) == []


def test_a_passed_start_by_date_is_not_the_one_that_counts(store):
    seed(store)
    # On 5 Dec the first start-by (3 Dec) has passed; the next one is 10 Dec.
    assert timing_warnings(store, today=date(2026, 12, 5)) == []
    assert timing_warnings(store, today=date(2026, 12, 11)) == []


def test_an_awaited_report_after_a_start_by_is_warned(store):
    ids = seed(store)
    later = new_consultation(store, title="Third", doctor_id=ids["chen"],
                             day=date(2026, 12, 8))
    save_opinion(store, Opinion(later.doc_id, stage="II"))
    awaited = [e for e in timeline(store) if e.awaited]
    assert [(e.day, e.warning) for e in awaited] == [
        (date(2026, 11, 16), ""),
        (date(2026, 12, 8), "after the start-by date of 3 Dec (Dr Ames)")]
    assert "Report from Dr Chen still awaited, later than a start-by date" in \
        timing_warnings(store)


def test_declined_doctors_and_orphaned_opinions_are_left_out(store):
    ids = seed(store)
    add_doctor(store, Doctor(name="Dr Gone", status="declined",
                             appointment="2026-12-20T10:00"))
    store.table(CONSULTATIONS).remove(doc_ids=[ids["second"]])  # a hand edit
    events = timeline(store)
    assert not any("Dr Gone" in e.label for e in events)
    assert not any("Dr Brook" in e.label for e in events)


def test_short_dates_name_another_year():
    assert short_date(date(2026, 12, 3), TODAY) == "3 Dec"
    assert short_date(date(2027, 1, 4), TODAY) == "4 Jan 2027"


def test_consultation_without_doctor_and_bad_dates(store):
    new_consultation(store, title="Phone call", day=date(2026, 11, 19))
    store.table(CONSULTATIONS).insert({"date": "someday", "title": "Bad"})
    store.set_setting("profile", {"diagnosis_date": "not a date"})
    events = timeline(store)
    assert [e.label for e in events] == ["Consultation: Phone call"]


def test_render_text(store):
    seed(store)
    text = render_timeline(store)
    lines = text.splitlines()
    assert lines[0] == "TIMELINE"
    assert "⚠ Appointment with Dr Chen is after a start-by date." in lines
    assert "Tue 8 Dec 2026   ▸ Appointment with Dr Chen at 14:30" in lines
    at = lines.index("Tue 8 Dec 2026   ▸ Appointment with Dr Chen at 14:30")
    assert lines[at + 1].strip() == "⚠ after the start-by date of 3 Dec (Dr Ames)"
    today = lines.index("── today, Fri 20 Nov 2026 ──")
    assert lines[today - 1].startswith("Mon 16 Nov 2026") and \
        lines[today + 1].startswith("Thu 3 Dec 2026")
    assert all(len(line) <= 80 for line in lines)


def test_render_markdown_and_full_export(store):
    seed(store)
    text = render_timeline(store, "markdown")
    assert text.startswith("# Timeline")
    assert "- **Tue 8 Dec 2026** ▸ Appointment with Dr Chen at 14:30" in text
    assert "  - ⚠ after the start-by date of 3 Dec (Dr Ames)" in text
    assert "- *today, Fri 20 Nov 2026*" in text
    assert "TIMELINE" in export.export(store)
    assert export.export(store, "timeline") == render_timeline(store)


def test_render_escapes_and_wraps_user_text(store):
    save_profile(store, Profile(diagnosis="Bad \x1b[2J " + "long words " * 20,
                                diagnosis_date="2026-10-01"))
    doctor = add_doctor(store, Doctor(name="Dr \x1b]0;x\x07 " + "N" * 90,
                                      appointment="2026-12-01T00:00"))
    new_consultation(store, title="T\x9b" * 40, doctor_id=doctor, day=date(2026, 11, 1))
    for fmt in export.FORMATS:
        text = render_timeline(store, fmt)
        assert not any(c in text for c in "\x1b\x07\x9b")
        assert "\\e[2J" in text
        assert all(len(line) <= 80 for line in text.splitlines())
    assert "Appointment with Dr \\e]0;x\\x07 NNN" in render_timeline(store)
    assert " at 00:00" not in render_timeline(store)  # no time given
