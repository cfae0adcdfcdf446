"""The doctor record, its store functions, the header note and the export (no Textual)."""

from __future__ import annotations

from datetime import datetime

import pytest

from secondop_tui.core import doctors as core
from secondop_tui.core.doctors import (
    CredentialCheck,
    Doctor,
    RecordSent,
    add_doctor,
    appointment_note,
    delete_doctor,
    get_doctor,
    list_doctors,
    next_appointment,
    update_doctor,
)
from secondop_tui.core.export import export
from secondop_tui.core.store import WorkbookStore


def test_add_update_delete_round_trip(store):
    doctor = Doctor(name="Dr Ana Ruiz", phone="+1 (555) 010-0199 ext. 7",
                    credentials={"board": CredentialCheck("verified", "ABMS", "2026-11-19")},
                    records={"slides": RecordSent("sent", {"sent": "2026-11-18"})})
    doc_id = add_doctor(store, doctor)
    again = get_doctor(store, doc_id)
    assert again == doctor
    assert again.phone == "+1 (555) 010-0199 ext. 7"  # kept exactly as typed
    again.status = "contacted"
    update_doctor(store, again)
    assert get_doctor(store, doc_id).status == "contacted"
    delete_doctor(store, doc_id)
    assert list_doctors(store) == []


def test_a_deleted_doctors_consultations_never_name_the_next_doctor(data_dir):
    """TinyDB gives a new record the next id after the largest kept: after a restart a
    deleted doctor's id goes to the next doctor added."""
    from secondop_tui.core import notes
    from secondop_tui.core.store import WorkbookStore

    store = WorkbookStore.open(data_dir)
    old = add_doctor(store, Doctor(name="Dr Old"))
    notes.new_consultation(store, title="Visit with Dr Old", doctor_id=old)
    delete_doctor(store, old)
    store.close()
    store = WorkbookStore.open(data_dir)
    new = add_doctor(store, Doctor(name="Dr New"))
    [visit] = notes.list_consultations(store)
    assert visit.title == "Visit with Dr Old" and visit.doctor_id != new
    assert visit.doctor_id is None
    store.close()


def test_name_is_required(store):
    with pytest.raises(ValueError, match="name"):
        add_doctor(store, Doctor(name="   "))
    assert list_doctors(store) == []


def test_hand_edited_records_are_read_leniently(store):
    store.table("doctors").insert({
        "name": "Dr Odd", "role": "wizard", "status": "???", "appointment": "tomorrow",
        "nccn_member": True, "years_in_practice": 12, "unknown_key": [1, 2],
        "credentials": {"board": {"status": "verified", "checked": "not a date"},
                        "bogus": {}, "license": "text"},
        "records": {"slides": {"state": "sent", "dates": {"sent": "2026-11-02",
                                                           "lost": "x"}}, "x": 3},
    })
    store.table("doctors").insert({})
    odd, empty = list_doctors(store)
    assert odd.role == "other" and odd.status == "candidate" and odd.appointment == ""
    assert odd.nccn_member == "" and odd.years_in_practice == "12"
    assert odd.credential("board").verified and odd.credential("board").checked == ""
    assert odd.credential("license").status == "self-reported"
    assert odd.records["slides"] == RecordSent("sent", {"sent": "2026-11-02"})
    assert empty.name == ""
    # Updating keeps keys this version does not know about.
    update_doctor(store, odd)
    assert store.table("doctors").get(doc_id=odd.doc_id)["unknown_key"] == [1, 2]


def test_verified_count():
    doctor = Doctor(name="x", credentials={
        "board": CredentialCheck("verified"), "license": CredentialCheck("verified"),
        "training": CredentialCheck("self-reported")})
    assert doctor.verified_count() == (2, len(core.CREDENTIALS))


def test_next_appointment_skips_past_and_declined(store):
    now = datetime(2026, 11, 20, 9, 30)
    add_doctor(store, Doctor(name="Past", appointment="2026-11-19T10:00"))
    add_doctor(store, Doctor(name="Declined", appointment="2026-11-21T10:00",
                             status="declined"))
    add_doctor(store, Doctor(name="Later", appointment="2026-12-10T10:00"))
    add_doctor(store, Doctor(name="Soon", appointment="2026-12-03T14:30"))
    add_doctor(store, Doctor(name="No date"))
    soon = next_appointment(store, now)
    assert soon is not None and soon.name == "Soon"
    assert appointment_note(soon) == "Next 3 Dec 14:30 Soon"
    assert appointment_note(None) == ""


def test_appointment_note_is_short():
    doctor = Doctor(name="Dr Bartholomew Featherstonehaugh-Smythe",
                    appointment="2026-12-03T14:30")
    note = appointment_note(doctor)
    assert len(note) <= 40 and note.startswith("Next 3 Dec 14:30 Dr B") and "…" in note


def test_export_prints_every_field_escaped_and_wrapped(store):
    add_doctor(store, Doctor(
        name="Dr Evil\x1b[31m Red", phone="555 0100", notes="word " * 100,
        in_network="yes", appointment="2026-12-03T14:30",
        credentials={"license": CredentialCheck("verified", "State board", "2026-11-19")},
        records={"pathology_report": RecordSent("receipt confirmed", {
            "sent": "2026-11-10", "receipt confirmed": "2026-11-12"})}))
    text = export(store, only="doctors")
    assert "\x1b" not in text and "Dr Evil\\e[31m Red" in text
    assert all(len(line) <= 80 for line in text.splitlines())
    for label in ("Degree:", "Disease focus:", "Medical school:", "Patients/yr, this cancer:",
                  "NCI designation:", "Confirmed by call:", "Send records/slides to:",
                  "How found:", "Fax:", "Patient portal:", "Timeline: not tracked"):
        assert label in text
    assert "Checked: ✓ verified (State board, checked Thu 19 Nov 2026)" in text
    assert "Pathology report: ✓ receipt confirmed (sent Tue 10 Nov 2026; receipt" in text
    assert "Appointment: Thu 3 Dec 2026 14:30" in text
    markdown = export(store, only="doctors", fmt="markdown")
    assert markdown.startswith("# Doctors") and "- **Phone:** 555 0100" in markdown


def test_export_command_prints_doctors(store, data_dir, capsys):
    from secondop_tui import cli

    add_doctor(store, Doctor(name="Dr Ana Ruiz"))
    store.close()
    assert cli.main(["export", "--only", "doctors", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "Dr Ana Ruiz" in out and "Board certification:" in out


def test_restart_keeps_doctors(data_dir):
    first = WorkbookStore.open(data_dir)
    add_doctor(first, Doctor(name="Dr Kept", appointment="2026-12-03T14:30"))
    first.close()
    second = WorkbookStore.open(data_dir)
    try:
        assert [d.name for d in list_doctors(second)] == ["Dr Kept"]
    finally:
        second.close()
