"""The calendar: every appointment and every start-by date as an iCalendar file.

Phone and desktop calendars import the file (RFC 5545). Each event has a UID that stays
the same from one export to the next (the kind of event, the record's id and the
workbook's own stamp), so importing a newer file updates the events instead of adding
them twice; a declined doctor's appointment goes out as cancelled, which removes it from
a calendar that had it. Times are in the user's local time zone, named (with its
VTIMEZONE), so a calendar elsewhere shows them at the right hour; when the zone's name
cannot be found they are written in UTC and :func:`local_zone` says why.

The text is built with ``icalendar``, which escapes what the format needs escaped;
control characters, which a calendar file may not hold, are shown as visible escapes
first. Never imports Textual.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from secondop_tui import __version__
from secondop_tui.core import clock
from secondop_tui.core.dates import format_date, format_datetime, stored_date
from secondop_tui.core.doctors import RECORD_KINDS, Doctor, list_doctors
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.text import as_text, escape_controls, one_line

CALENDAR_NAME = "Second opinion"
PRODUCT = f"-//secondop-tui//secondop-tui {__version__}//EN"
APPOINTMENT_LENGTH = timedelta(hours=1)  # the workbook keeps a start only
# A whole-day event starts at midnight: its reminder "the day before" is at 9:00.
DAY_BEFORE_MORNING = timedelta(hours=-15)
DAY_BEFORE = timedelta(days=-1)
TWO_HOURS_BEFORE = timedelta(hours=-2)
# Records still to bring along: tracked for this doctor, and not yet confirmed received.
NOT_RECEIVED = ("", "requested", "sent")


@dataclass(frozen=True)
class LocalZone:
    """The time zone events are written in: ``name`` (an IANA name such as
    ``Europe/Paris``) and its ``tzinfo``, or UTC with ``note`` saying why."""

    name: str
    tzinfo: tzinfo
    note: str = ""


def _zone_named(name: str | None) -> tzinfo | None:
    # deferred: start-up speed (loaded only on the path that uses it)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


UNNAMED = ("the name of this computer's time zone could not be found, so the times are "
           "written in UTC (converted from its local time); a calendar shows them at the "
           "right hour all the same, but a change to or from summer time before an "
           "appointment may put it an hour out")


def _is_utc(name: str | None) -> bool:
    return bool(name) and str(name).upper() in ("UTC", "ETC/UTC", "Z", "ETC/UCT", "UCT",
                                                  "ETC/GREENWICH", "GMT", "ETC/GMT")


def _matches_clock(zone: tzinfo) -> bool:
    """Whether a zone has the offset this computer's clock has now (a $TZ of rules, not
    a name, makes the clock differ from the zone the system names)."""
    now = datetime.now().astimezone()
    return now.replace(tzinfo=zone).utcoffset() == now.utcoffset()


def local_zone(name: str | None = None) -> LocalZone:
    """The user's local time zone by its name (``$TZ``, /etc/timezone, /etc/localtime,
    as ``tzlocal`` finds it), or ``name`` when given. A zone whose name the time zone
    database does not know, or one that does not agree with this computer's clock, gives
    UTC and a note saying so."""
    found = name is None
    if found:
        try:
            # deferred: start-up speed (loaded only on the path that uses it)
            import warnings
            from tzlocal import get_localzone_name

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # an odd setup is reported below
                name = get_localzone_name()
        except Exception:  # noqa: BLE001 - any failure to find it means the same
            name = None
    if _is_utc(name):
        zone: tzinfo | None = timezone.utc
    else:
        zone = _zone_named(name)
    if zone is not None and (not found or _matches_clock(zone)):
        return LocalZone("UTC" if zone is timezone.utc else str(name), zone)
    return LocalZone("UTC", timezone.utc, UNNAMED)


def _safe(text: Any) -> str:
    """User text for a calendar: control characters shown as visible escapes (a calendar
    file may not hold them), byte order marks left out (readers drop them, or stop
    there); icalendar escapes the rest."""
    return escape_controls(as_text(text).replace("\r\n", "\n").replace("\r", "\n")
                           .replace("\ufeff", ""))


def _line(text: Any) -> str:
    return " ".join(one_line(as_text(text)).split())


def workbook_stamp(store: WorkbookStore) -> str:
    """A short token that is the same for every export of one workbook: the hash of its
    random id (a workbook made before it had one: of the moment it was created), both
    kept in its ``_meta`` record."""
    try:
        meta = store.meta
        mark = as_text(meta.get("id")) or as_text(meta.get("created"))
    except (KeyError, TypeError, AttributeError):  # a hand-edited file without them
        mark = ""
    return hashlib.sha256(f"secondop-tui:{mark}".encode()).hexdigest()[:16]


def _uid(kind: str, record_id: int, stamp: str) -> str:
    return f"{kind}-{record_id}-{stamp}@secondop-tui"


def what_to_bring(doctor: Doctor) -> list[str]:
    """What to bring to this doctor's appointment, one item a line."""
    items = ["photo ID and insurance card"]
    if doctor.referral_needed == "yes":
        items.append("the referral or pre-approval (this visit needs one)")
    missing = [label.lower() for key, label in RECORD_KINDS
               if key in doctor.records and doctor.record(key).state in NOT_RECEIVED]
    if missing:
        items.append("copies of the records not yet confirmed received: "
                     + ", ".join(missing))
    items.append("your medication list")
    # deferred: start-up speed (loaded only on the path that uses it)
    from shlex import quote

    items.append("your questions: the visit pack (secondop-tui export --only visit-pack "
                 f"--doctor {quote(_line(doctor.name))})")
    return items


def _appointment_text(doctor: Doctor) -> str:
    lines = [f"Doctor: {_line(doctor.display_name)}"]
    for label, value in (("Role", doctor.role), ("Hospital or center", doctor.affiliation),
                         ("Where", doctor.location), ("Phone", doctor.phone),
                         ("Fax", doctor.fax), ("Patient portal", doctor.portal),
                         ("Telehealth", doctor.telehealth)):
        if as_text(value).strip():
            lines.append(f"{label}: {_line(value)}")
    lines.append("")
    lines.append("What to bring:")
    lines += [f"- {item}" for item in what_to_bring(doctor)]
    if doctor.status == "declined":
        lines += ["", "Cancelled: this doctor is marked as declined in secondop-tui."]
    return _safe("\n".join(lines))


def _alarm(trigger: timedelta, text: str):
    # deferred: start-up speed (loaded only on the path that uses it)
    from icalendar import Alarm

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", _safe(text))
    alarm.add("trigger", trigger)
    return alarm


def _when(at: datetime, zone: LocalZone) -> datetime:
    """A stored local time with its zone attached (UTC: converted from the machine's
    local time)."""
    if zone.tzinfo is timezone.utc and zone.note:
        return at.astimezone(timezone.utc)
    return at.replace(tzinfo=zone.tzinfo)


def _appointment(doctor: Doctor, at: datetime, zone: LocalZone, stamp: str, now: datetime):
    # deferred: start-up speed (loaded only on the path that uses it)
    from icalendar import Event

    name = _line(doctor.display_name)
    event = Event()
    event.add("uid", _uid("appointment", doctor.doc_id or 0, stamp))
    event.add("dtstamp", now)
    event.add("summary", _safe(f"Appointment: {name}"))
    whole_day = at.time() == time(0, 0)  # no time was given
    if whole_day:
        event.add("dtstart", at.date())
        event.add("dtend", at.date() + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    else:
        start = _when(at, zone)
        event.add("dtstart", start)
        event.add("dtend", start + APPOINTMENT_LENGTH)
    if doctor.location.strip():
        event.add("location", _safe(_line(doctor.location)))
    if doctor.phone.strip():
        event.add("contact", _safe(f"{name}, {_line(doctor.phone)}"))
    event.add("description", _appointment_text(doctor))
    cancelled = doctor.status == "declined"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # A cancelled event must outrank the one a calendar already holds.
    event.add("sequence", 1 if cancelled else 0)
    if not cancelled:
        when = format_date(at.date()) if whole_day else format_datetime(at)
        event.add_component(_alarm(DAY_BEFORE_MORNING if whole_day else DAY_BEFORE,
                                   f"Tomorrow: appointment with {name} ({when})"))
        if not whole_day:
            event.add_component(_alarm(TWO_HOURS_BEFORE,
                                       f"In two hours: appointment with {name}"))
    return event


def _start_by(consultation_id: int, day: date, who: str, title: str, stamp: str,
              now: datetime):
    # deferred: start-up speed (loaded only on the path that uses it)
    from icalendar import Event

    whose = f" ({who})" if who else ""
    event = Event()
    event.add("uid", _uid("start-by", consultation_id, stamp))
    event.add("dtstamp", now)
    event.add("summary", _safe(f"Treatment should start by today{whose}"))
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("status", "CONFIRMED")
    event.add("description", _safe(
        f"The date by which treatment should start, as the doctor advised{whose} at "
        f"the consultation \"{title}\". A second opinion should not delay it: ask the "
        "care team if it may."))
    event.add_component(_alarm(DAY_BEFORE_MORNING,
                               f"Tomorrow: treatment should start by then{whose}"))
    return event


def calendar_events(store: WorkbookStore, zone: LocalZone) -> list:
    """Every appointment, then every start-by date, as icalendar events."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.notes import get_consultation
    from secondop_tui.core.opinions import list_opinions

    stamp = workbook_stamp(store)
    now = clock.now().astimezone(timezone.utc)
    events = []
    doctors = list_doctors(store)
    for doctor in doctors:
        at = doctor.appointment_at
        if at is not None and doctor.doc_id is not None:
            events.append(_appointment(doctor, at, zone, stamp, now))
    names = {d.doc_id: _line(d.display_name) for d in doctors}
    for opinion in list_opinions(store):
        day = stored_date(opinion.start_by)
        consultation = get_consultation(store, opinion.consultation_id)
        if day is None or consultation is None or consultation.doc_id is None:
            continue
        who = names.get(consultation.doctor_id, "") if consultation.doctor_id else ""
        events.append(_start_by(consultation.doc_id, day, who, consultation.display_title,
                                stamp, now))
    return events


def render_calendar(store: WorkbookStore, fmt: str = "ics", *,
                    zone: LocalZone | None = None) -> str:
    """The workbook's appointments and start-by dates as an iCalendar file (text with
    CRLF line ends). ``zone`` defaults to :func:`local_zone`."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from icalendar import Calendar

    zone = zone or local_zone()
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    if not zone.note:
        calendar.add("x-wr-timezone", zone.name)
    for event in calendar_events(store, zone):
        calendar.add_component(event)
    if not zone.note:
        calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")
