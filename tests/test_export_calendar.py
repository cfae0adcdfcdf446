"""The calendar: appointments and start-by dates as an iCalendar file (RFC 5545).

Every file written is read back with icalendar; each event must have a UID, a DTSTAMP
and a DTSTART, its reminders must be VALARMs, and the lines must keep to the format
(CRLF, folded at 75 octets, no control character). Hostile text in every field the
calendar shows must come back as the same visible text, never as a new property or a
new event.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from secondop_tui.core import ics
from secondop_tui.core.doctors import Doctor, RecordSent, add_doctor
from secondop_tui.core.export import export
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.text import escape_controls, one_line
from tests.helpers import HOSTILE_PIECES, seed_opinions

NEW_YORK = ics.local_zone("America/New_York")
SRC = Path(__file__).resolve().parents[1] / "src"


def events(text: str) -> list:
    import icalendar

    calendar = icalendar.Calendar.from_ical(text)
    found = list(calendar.walk("VEVENT"))
    for event in found:
        for key in ("UID", "DTSTAMP", "DTSTART", "SUMMARY", "STATUS"):
            assert key in event, (key, event)
        for alarm in event.walk("VALARM"):
            assert alarm["ACTION"] == "DISPLAY" and "TRIGGER" in alarm
            assert "DESCRIPTION" in alarm
    return found


def assert_well_formed(text: str) -> None:
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    for line in text[:-2].split("\r\n"):
        assert len(line.encode("utf-8")) <= 75, line
        assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f]", line), line


def alarms(event) -> list[timedelta]:
    return sorted(a["TRIGGER"].dt for a in event.walk("VALARM"))


def run(data_dir: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    path = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "secondop_tui", "--data-dir", str(data_dir),
                           *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": path, **(env or {})})


def test_appointments_and_start_by_dates_with_their_reminders(store):
    seed_opinions(store, 2)  # Dr Brook's appointment 15 Dec 10:00; start by 10 Dec
    brook = add_doctor(store, Doctor(
        name="Dr Cleo Chen", degree="MD", role="pathologist", affiliation="MSK",
        location="1275 York Ave, New York", phone="+1 212 555 0300", referral_needed="yes",
        appointment="2026-12-20T14:30", records={
            "slides": RecordSent("sent", {"sent": "2026-11-18"}),
            "imaging": RecordSent("receipt confirmed", {"receipt confirmed": "2026-11-19"})}))
    add_doctor(store, Doctor(name="Dr Whole Day", appointment="2026-12-22T00:00"))
    text = ics.render_calendar(store, zone=NEW_YORK)
    assert_well_formed(text)
    found = {str(e["SUMMARY"]): e for e in events(text)}
    assert set(found) == {"Appointment: Dr Ben Brook", "Appointment: Dr Cleo Chen, MD",
                          "Appointment: Dr Whole Day",
                          "Treatment should start by today (Dr Ana Ames)"}
    chen = found["Appointment: Dr Cleo Chen, MD"]
    assert chen["DTSTART"].dt == datetime(2026, 12, 20, 14, 30,
                                          tzinfo=NEW_YORK.tzinfo)
    assert chen["DTSTART"].params["TZID"] == "America/New_York"
    assert chen["DTEND"].dt - chen["DTSTART"].dt == timedelta(hours=1)
    assert str(chen["LOCATION"]) == "1275 York Ave, New York"
    assert str(chen["CONTACT"]) == "Dr Cleo Chen, MD, +1 212 555 0300"
    description = str(chen["DESCRIPTION"])
    for line in ("Doctor: Dr Cleo Chen, MD", "Role: pathologist", "Hospital or center: MSK",
                 "Phone: +1 212 555 0300", "What to bring:",
                 "- the referral or pre-approval (this visit needs one)",
                 "- copies of the records not yet confirmed received: slides or blocks",
                 "--doctor 'Dr Cleo Chen')"):
        assert line in description, line
    assert "imaging" not in description  # its receipt is confirmed
    assert alarms(chen) == [timedelta(days=-1), timedelta(hours=-2)]
    assert chen["STATUS"] == "CONFIRMED"
    whole = found["Appointment: Dr Whole Day"]
    assert whole["DTSTART"].dt == date(2026, 12, 22) and whole["DTEND"].dt == date(2026, 12, 23)
    assert alarms(whole) == [timedelta(hours=-15)]  # 9:00 the day before
    start_by = found["Treatment should start by today (Dr Ana Ames)"]
    assert start_by["DTSTART"].dt == date(2026, 12, 10)
    assert alarms(start_by) == [timedelta(hours=-15)]
    assert "Opinion 1" in str(start_by["DESCRIPTION"])
    # The time zone is named, with its rules.
    import icalendar

    calendar = icalendar.Calendar.from_ical(text)
    [zone] = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "America/New_York"
    assert calendar["X-WR-TIMEZONE"] == "America/New_York"
    assert brook


def test_a_declined_doctors_appointment_goes_out_cancelled(store):
    add_doctor(store, Doctor(name="Dr Gone", appointment="2026-12-01T09:00",
                             status="declined"))
    [event] = events(ics.render_calendar(store, zone=NEW_YORK))
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1
    assert alarms(event) == []


def test_uids_stay_the_same_so_a_new_import_updates(store, data_dir: Path, tmp_path: Path):
    seed_opinions(store, 2)
    first = [str(e["UID"]) for e in events(ics.render_calendar(store, zone=NEW_YORK))]
    store.close()
    again = WorkbookStore.open(data_dir, read_only=True)
    try:
        second = [str(e["UID"]) for e in events(ics.render_calendar(again, zone=NEW_YORK))]
    finally:
        again.close()
    assert first == second and len(set(first)) == 2
    other = WorkbookStore.open(tmp_path / "other")  # another workbook: other UIDs
    try:
        seed_opinions(other, 2)
        elsewhere = [str(e["UID"]) for e in events(ics.render_calendar(other,
                                                                       zone=NEW_YORK))]
    finally:
        other.close()
    assert not set(elsewhere) & set(first)


def test_a_zone_with_no_known_name_falls_back_to_utc_with_a_note(store):
    zone = ics.local_zone("Nowhere/Atlantis")
    assert zone.name == "UTC" and "could not be found" in zone.note
    add_doctor(store, Doctor(name="Dr A", appointment="2026-12-20T14:30"))
    text = ics.render_calendar(store, zone=zone)
    [event] = events(text)
    local = datetime(2026, 12, 20, 14, 30).astimezone(timezone.utc)
    assert event["DTSTART"].dt == local and "VTIMEZONE" not in text
    assert ics.local_zone("UTC").note == ""


def test_the_command_writes_the_calendar_and_names_the_zone(data_dir: Path, tmp_path: Path):
    store = WorkbookStore.open(data_dir)
    seed_opinions(store, 2)
    store.close()
    target = tmp_path / "second-opinion.ics"
    out = run(data_dir, "export", "--only", "calendar", "-o", str(target),
              env={"TZ": "Europe/Paris"})
    assert out.returncode == 0, out.stderr
    assert (target.stat().st_mode & 0o777) == 0o600
    text = target.read_text(encoding="utf-8")
    assert "TZID:Europe/Paris" in text and "DTSTART;TZID=Europe/Paris:20261215T100000" in text
    assert len(events(text)) == 2
    unknown = run(data_dir, "export", "--only", "calendar", env={"TZ": "ABC-3"})
    assert unknown.returncode == 0
    assert "note: the name of this computer's time zone could not be found" in unknown.stderr
    assert "BEGIN:VEVENT" in unknown.stdout
    wrong = run(data_dir, "export", "--only", "calendar", "--format", "html")
    assert wrong.returncode == 2
    assert "The calendar is written as iCalendar (.ics), not as a web page" in wrong.stderr


def test_an_empty_workbook_gives_an_empty_calendar(store):
    text = export(store, "calendar", "ics")
    assert_well_formed(text)
    assert events(text) == []


hostile = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(HOSTILE_PIECES)),
                   max_size=8).map("".join)


@given(texts=st.fixed_dictionaries({name: hostile for name in
                                    ("name", "degree", "location", "phone", "affiliation",
                                     "portal")}))
def test_hostile_text_never_breaks_the_calendar(texts: dict[str, str]):
    doctor = Doctor.from_dict({**texts, "appointment": "2026-12-20T14:30"}, doc_id=7)
    event = ics._appointment(doctor, doctor.appointment_at, NEW_YORK, "stamp",
                             datetime(2026, 11, 20, tzinfo=timezone.utc))
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", ics.PRODUCT)
    calendar.add("version", "2.0")
    calendar.add_component(event)
    text = calendar.to_ical().decode("utf-8")
    assert_well_formed(text)
    [back] = events(text)
    assert len(back.walk("VALARM")) == 2 and str(back["UID"]) == "appointment-7-stamp@secondop-tui"
    def shown(text: str) -> str:  # one line, controls escaped, byte order marks left out
        return escape_controls(" ".join(one_line(text).split())).replace("\ufeff", "")

    assert str(back["SUMMARY"]) == "Appointment: " + shown(doctor.display_name)
    if doctor.location.strip():
        assert str(back["LOCATION"]) == shown(doctor.location)
