"""The timeline: diagnosis, consultations, reports, appointments and "start by" dates.

A second opinion takes time, and some treatments should not wait. The timeline puts
every dated thing in the workbook in order and says in words when an appointment, or a
written report still awaited, comes after the earliest "treatment should start by" date
still ahead. Never imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from secondop_tui.core import clock
from secondop_tui.core.dates import format_date, short_date, stored_date, stored_datetime
from secondop_tui.core.opinions import list_opinions
from secondop_tui.core.profile import get_profile
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.tables import CONSULTATIONS, DOCTORS
from secondop_tui.core.text import as_text, escape_controls, one_line, wrap

DIAGNOSIS, START_BY, APPOINTMENT, REPORT, CONSULTATION = (
    "diagnosis", "start_by", "appointment", "report", "consultation")
KINDS = (DIAGNOSIS, CONSULTATION, REPORT, APPOINTMENT, START_BY)  # order within a day
# A symbol beside each kind's words, for lists where the eye scans the left edge.
SYMBOLS = {DIAGNOSIS: "◆", CONSULTATION: "•", REPORT: "✉", APPOINTMENT: "▸", START_BY: "⚑"}
WARNING = "⚠"
NAME_ROOM = 40


@dataclass
class TimelineEvent:
    """One dated thing. ``warning`` says in words why its timing is a worry ("" if not).

    ``awaited`` marks a written report not received yet (dated at its consultation).
    ``who`` is the doctor's name, when the event belongs to one.
    """

    day: date
    kind: str
    label: str
    warning: str = ""
    awaited: bool = False
    who: str = ""

    @property
    def symbol(self) -> str:
        return SYMBOLS.get(self.kind, "•")


def _short_name(name: str) -> str:
    name = one_line(name).strip() or "(no name)"
    return name if len(name) <= NAME_ROOM else name[: NAME_ROOM - 1] + "…"


@dataclass
class _Dated:
    """What the timeline needs of a doctor or a consultation."""

    doc_id: int
    name: str = ""  # a doctor's name, or a consultation's title
    day: date | None = None
    at: datetime | None = None  # a doctor's appointment
    doctor_id: int | None = None
    declined: bool = False


# Read from the stored documents directly, leniently as the models do: the full export
# builds the timeline of thousands of consultations, and the models' complete readers
# (agendas, credentials, records) cost more than the rest of the timeline together.
def _doctors(store: WorkbookStore) -> dict[int, _Dated]:
    found = {}
    for doc in store.table(DOCTORS).all():
        at = stored_datetime(doc.get("appointment"))
        found[doc.doc_id] = _Dated(doc.doc_id, _short_name(as_text(doc.get("name"))), at=at,
                                   declined=doc.get("status") == "declined")
    return found


def _consultations(store: WorkbookStore) -> dict[int, _Dated]:
    found = {}
    for doc in store.table(CONSULTATIONS).all():
        day = stored_date(doc.get("date"))
        doctor = doc.get("doctor_id")
        found[doc.doc_id] = _Dated(
            doc.doc_id, one_line(as_text(doc.get("title"))).strip() or "(untitled)", day=day,
            doctor_id=doctor if isinstance(doctor, int) and not isinstance(doctor, bool)
            else None)
    return found


def timeline(store: WorkbookStore, today: date | None = None) -> list[TimelineEvent]:
    """Every dated event in the workbook, in order (see the module's docstring).

    Declined doctors' appointments are left out. An appointment or an awaited report
    that falls after the earliest start-by date on or after ``today`` gets a warning.
    """
    today = today or clock.today()
    doctors = _doctors(store)
    consultations = _consultations(store)
    events: list[TimelineEvent] = []

    def who_saw(consultation: _Dated) -> str:
        doctor = doctors.get(consultation.doctor_id) if consultation.doctor_id else None
        return doctor.name if doctor else ""

    profile = get_profile(store)
    if profile.diagnosed:
        what = " ".join(one_line(profile.diagnosis).split())
        if len(what) > 60:
            what = what[:59].rstrip() + "…"
        events.append(TimelineEvent(profile.diagnosed, DIAGNOSIS,
                                    f"Diagnosis: {what}" if what else "Diagnosis"))

    for consultation in consultations.values():
        if consultation.day is None:
            continue
        who = who_saw(consultation)
        events.append(TimelineEvent(
            consultation.day, CONSULTATION,
            f"Consultation: {consultation.name}" + (f" ({who})" if who else ""), who=who))

    for opinion in list_opinions(store):
        consultation = consultations.get(opinion.consultation_id)
        if consultation is None:
            continue  # its consultation was deleted by hand
        who = who_saw(consultation)
        whose = f" ({who})" if who else ""
        start_by, received = stored_date(opinion.start_by), stored_date(opinion.report_received)
        if start_by:
            events.append(TimelineEvent(start_by, START_BY,
                                        f"Treatment should start by{whose}", who=who))
        if received:
            events.append(TimelineEvent(received, REPORT,
                                        f"Written report received{whose}", who=who))
        elif consultation.day is not None:
            events.append(TimelineEvent(
                consultation.day, REPORT,
                f"Written report awaited{whose}, since the consultation",
                awaited=True, who=who))

    for doctor in doctors.values():
        when = doctor.at
        if when is None or doctor.declined:
            continue
        at = f" at {when:%H:%M}" if when.time() != datetime.min.time() else ""
        events.append(TimelineEvent(when.date(), APPOINTMENT,
                                    f"Appointment with {doctor.name}{at}", who=doctor.name))

    deadlines = [e for e in events if e.kind == START_BY and e.day >= today]
    first = min(deadlines, key=lambda e: e.day, default=None)
    if first is not None:
        whose = f" ({first.who})" if first.who else ""
        for event in events:
            if (event.kind == APPOINTMENT or event.awaited) and event.day > first.day:
                event.warning = (f"after the start-by date of "
                                 f"{short_date(first.day, today)}{whose}")
    events.sort(key=lambda e: (e.day, KINDS.index(e.kind)))
    return events


def timing_warnings(store: WorkbookStore, today: date | None = None,
                    events: list[TimelineEvent] | None = None) -> list[str]:
    """Short one-liners for the Header, one per worrying event, soonest first.

    ``Appointment with Dr Brook is after a start-by date``. Pass ``events`` when the
    timeline is already built.
    """
    events = timeline(store, today) if events is None else events
    lines = []
    for event in events:
        if not event.warning:
            continue
        if event.kind == APPOINTMENT:
            who = f" with {event.who}" if event.who else ""
            lines.append(f"Appointment{who} is after a start-by date")
        else:
            who = f" from {event.who}" if event.who else ""
            lines.append(f"Report{who} still awaited, later than a start-by date")
    return lines


def event_lines(event: TimelineEvent, fmt: str = "text", *, indent: str = "",
                today: date | None = None) -> list[str]:
    """One event as text (``Thu 3 Dec 2026  ⚑ label``) or a Markdown list item, wrapped."""
    label = escape_controls(event.label)
    if fmt == "markdown":
        lines = wrap(f"**{format_date(event.day)}** {event.symbol} {label}",
                     f"{indent}- ", f"{indent}  ")
        if event.warning:
            lines += wrap(f"{WARNING} {escape_controls(event.warning)}",
                          f"{indent}  - ", f"{indent}    ")
        return lines
    lead = f"{indent}{format_date(event.day):<16} {event.symbol} "
    pad = " " * len(lead)
    lines = wrap(label, lead, pad)
    if event.warning:
        lines += wrap(f"{WARNING} {escape_controls(event.warning)}", pad, pad)
    return lines


def render_timeline(store: WorkbookStore, fmt: str = "text") -> str:
    """The timeline as text (80 columns) or Markdown, with a line marking today."""
    md = fmt == "markdown"
    today = clock.today()
    events = timeline(store, today)
    lines = ["# Timeline" if md else "TIMELINE", ""]
    if not events:
        lines.append("Nothing dated yet: add the date of diagnosis, consultations, or "
                     "appointments.")
        return "\n".join(lines) + "\n"
    warnings = timing_warnings(store, today, events)
    if warnings:
        for warning in warnings:
            lines += wrap(f"{WARNING} {escape_controls(warning)}.", "- " if md else "",
                          "  " if md else "  ")
        lines.append("")
    marker = f"- *today, {format_date(today)}*" if md else f"── today, {format_date(today)} ──"
    placed = False
    for event in events:
        if not placed and event.day > today:
            lines.append(marker)
            placed = True
        lines += event_lines(event, fmt, today=today)
    if not placed:
        lines.append(marker)
    return "\n".join(lines) + "\n"


def header_note(events: list[TimelineEvent]) -> tuple[str, ...]:
    """The timing warnings for the Header, in a long and a short form (none: empty).

    Long, ``⚠ visit after start-by: Dr Ben Brook (+1)``, names the first one; short,
    ``⚠ visit after start-by`` or ``⚠ 2 visits after start-by``, leaves room at 80
    columns for the next appointment beside it. The timeline says it all in full.
    """
    late = [e for e in events if e.warning]
    if not late:
        return ()
    first = late[0]
    what = "visit" if first.kind == APPOINTMENT else "report awaited"
    long = f"{WARNING} {what} after start-by"
    if first.who:
        long += f": {first.who}"
    if len(late) > 1:
        long += f" (+{len(late) - 1})"
    visits = sum(e.kind == APPOINTMENT for e in late)
    noun = ("visit" if visits == len(late) else "report" if not visits else "")
    if len(late) == 1:
        short = f"{WARNING} {noun} after start-by"
    else:
        short = f"{WARNING} {len(late)} {noun + 's ' if noun else ''}after start-by"
    return (long, short)
