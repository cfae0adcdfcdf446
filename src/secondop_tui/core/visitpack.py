"""The visit pack: one page to bring to a new doctor.

It gathers what that doctor needs first: the diagnosis so far, the opinions already
given, the timeline, which records were sent to them and in what state, the
medications (when filled in), and the top questions for the visit. It fits about one
printed page (some 60 lines at 80 columns); each part that would not fit is shortened and
says what was cut and where the full text is. Never imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from secondop_tui.core import clock
from secondop_tui.core.content import NOT_ADVICE
from secondop_tui.core.dates import format_date, format_datetime, show_date
from secondop_tui.core.doctors import RECORD_KINDS, RECORD_STATES, RECORD_SYMBOLS, Doctor
from secondop_tui.core.doctors import list_doctors
from secondop_tui.core.notes import AgendaItem, Consultation, list_consultations
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.text import escape_controls, one_line, wrap

CHOICES_SHOWN = 12
# Lines each part may take (its title and the blank line after it not counted).
BUDGETS = {"diagnosis": 6, "opinions": 11, "timeline": 11, "records": 7, "medications": 5,
           "questions": 5}

Item = tuple[int, str]  # (level, one safe line of text, wrapped when rendered)


def _name(doctor: Doctor) -> str:
    return one_line(doctor.name).strip() or "(no name)"


def find_doctor(store: WorkbookStore, query: str) -> Doctor:
    """The one doctor whose name holds ``query`` (ignoring case).

    A name equal to the query wins over names that merely contain it. No match, or
    several, raises ``LookupError`` with a message that lists the doctors to choose from.
    """
    doctors = list_doctors(store)
    wanted = " ".join(query.split()).casefold()
    if not doctors:
        raise LookupError("There are no doctors in the workbook yet: add the doctor "
                          "first (Doctors pane, key a).")

    def listing(found: list[Doctor]) -> str:
        names = sorted((_name(d) for d in found), key=str.casefold)
        more = len(names) - CHOICES_SHOWN
        shown = ", ".join(names[:CHOICES_SHOWN])
        return shown + (f" and {more} more" if more > 0 else "")

    if not wanted:
        raise LookupError(f"Name the doctor the visit pack is for. The doctors are: "
                          f"{listing(doctors)}.")
    found = [d for d in doctors if wanted in " ".join(d.name.split()).casefold()]
    exact = [d for d in found if " ".join(d.name.split()).casefold() == wanted]
    if len(exact) == 1:
        return exact[0]
    if len(found) == 1:
        return found[0]
    shown = escape_controls(one_line(query.strip()))
    if not found:
        raise LookupError(f"No doctor's name contains {shown!r}. The doctors are: "
                          f"{listing(doctors)}.")
    raise LookupError(f"{len(found)} doctors' names contain {shown!r}: {listing(found)}. "
                      "Type more of the name.")


def visit_consultation(store: WorkbookStore, doctor: Doctor,
                       today: date | None = None) -> Consultation | None:
    """The consultation the visit pack is for: the doctor's next one (today or later),
    else their latest."""
    today = today or clock.today()
    theirs = [c for c in list_consultations(store)
              if c.doctor_id == doctor.doc_id and c.doc_id is not None]
    upcoming = [c for c in theirs if c.day is not None and c.day >= today]
    if upcoming:
        return min(upcoming, key=Consultation.sort_key)
    return theirs[0] if theirs else None  # newest first


# The parts -----------------------------------------------------------------------------------
def _diagnosis(store: WorkbookStore) -> list[Item]:
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.profile import get_profile

    profile = get_profile(store)
    items: list[Item] = []
    # The date first: a long diagnosis text is what gets shortened, never the date.
    if profile.diagnosed:
        items.append((0, f"Diagnosed: {format_date(profile.diagnosed)}"))
    if profile.diagnosis.strip():
        items.append((0, " ".join(one_line(profile.diagnosis).split())))
    if profile.other.strip():
        items.append((0, "Also: " + " ".join(one_line(profile.other).split())))
    return items or [(0, "(not filled in yet)")]


def _opinions(store: WorkbookStore) -> list[Item]:
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core import opinions as op

    ids = op._consultations_with_opinions(store)
    if not ids:
        return [(0, "No opinions recorded yet.")]
    comparison = op._comparison(store, ids)
    short = {"cancer_type": "", "histology": "subtype", "grade": "grade", "stage": "stage",
             "biomarkers": "biomarkers", "goal": "goal"}
    items: list[Item] = []
    for index, column in enumerate(comparison.columns):
        opinion = op.get_opinion(store, column.consultation_id)
        parts = []
        for key, word in short.items():
            value = op.field_text(opinion, key)
            if value:
                parts.append(f"{word} {value}" if word and not value.casefold().startswith(
                    word) else value)
        who = column.doctor.split(",")[0] if column.doctor else "No doctor"
        when = f" ({column.when})" if column.when else ""
        items.append((0, f"{who}{when}: " + ("; ".join(parts) or "no diagnosis given")))
        plan = op.field_text(opinion, "plan")
        if plan:
            items.append((1, f"Plan: {plan}"))
    differing = [row.label for row in comparison.differing()]
    if differing:
        items.append((0, f"{op.DIFFERS}: the opinions differ on " + ", ".join(
            label.lower() for label in differing) + "."))
    return items


TIMELINE_WHERE = "see 'secondop-tui export --only timeline'"


def _timeline_items(store: WorkbookStore, today: date,
                    md: bool) -> tuple[list[Item], list[Item]]:
    """The timeline without the consultations, as (a note of what was left out, the
    events) within its budget of lines: the oldest past events are left out first."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.timeline import CONSULTATION, DIAGNOSIS, WARNING, timeline

    events = [e for e in timeline(store, today) if e.kind != CONSULTATION]
    if not events:
        return [], [(0, "Nothing dated yet.")]

    def items_of(chosen) -> list[Item]:
        out: list[Item] = []
        for e in chosen:
            out.append((0, f"{format_date(e.day):<15}  {e.symbol} {e.label}"))
            if e.warning:
                out.append((1, f"{WARNING} {e.warning}"))
        return out

    def height(chosen) -> int:
        return sum(len(w) for w in _lines(items_of(chosen), md))

    budget = BUDGETS["timeline"]
    dropped = 0
    while height(events) > budget - (1 if dropped else 0):
        past = [e for e in events if e.day < today and e.kind != DIAGNOSIS]
        if not past:
            break
        events.remove(past[0])
        dropped += 1
    lead: list[Item] = []
    if dropped:
        lead = [(0, f"({dropped} earlier event{'s' if dropped != 1 else ''} left "
                    f"out: {TIMELINE_WHERE}.)")]
    return lead, items_of(events)


def _timeline(store: WorkbookStore, today: date, md: bool) -> list[str]:
    """The timeline's lines within its budget (see :func:`_timeline_items`)."""
    lead, items = _timeline_items(store, today, md)
    lines = _lines(lead, md)[0] if lead else []
    return lines + _clip(items, BUDGETS["timeline"] - len(lines), md, TIMELINE_WHERE)


def _records(doctor: Doctor) -> list[Item]:
    items: list[Item] = []
    untracked = []
    for key, label in RECORD_KINDS:
        record = doctor.record(key)
        if not record.state:
            untracked.append(label.lower())
            continue
        latest = [s for s in RECORD_STATES if record.dates.get(s)]
        when = f" {show_date(record.dates[latest[-1]])}" if latest else ""
        items.append((0, f"{RECORD_SYMBOLS[record.state]} {label}: {record.state}{when}"))
    if not items:
        return [(0, "No records tracked for this doctor yet.")]
    if untracked:
        items.append((0, "Not tracked: " + ", ".join(untracked) + "."))
    return items


def _medications(store: WorkbookStore) -> list[Item]:
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.profile import get_profile

    profile = get_profile(store)
    items: list[Item] = []
    for label, value in (("Medications", profile.medications),
                         ("Allergies", profile.allergies)):
        if value.strip():
            items.append((0, f"{label}: " + " ".join(one_line(value).split())))
    return items


def _questions(consultation: Consultation | None, doctor: Doctor) -> list[Item]:
    if consultation is None:
        return [(0, f"No consultation with {_name(doctor)} yet: add one in Notes and mark "
                    "its top three questions.")]
    top: list[AgendaItem] = [q for q in consultation.questions if q.top]
    lead: list[Item] = []
    if not top:
        top = [q for q in consultation.questions if q.state != "answered"][:3]
        if not top:
            return [(0, "No questions on this visit's agenda yet.")]
        lead = [(0, "(None marked as top three: the first on the agenda.)")]
    return lead + [(0, f"{i}. {' '.join(one_line(q.text).split())}")
                   for i, q in enumerate(top, 1)]


# Rendering -----------------------------------------------------------------------------------
def _lines(items: list[Item], md: bool) -> list[list[str]]:
    """Each item as its wrapped lines."""
    out = []
    for level, text in items:
        if md:
            lead = "  " * level + "- "
            out.append(wrap(text, lead, " " * len(lead)))
        else:
            lead = "  " * (level + 1)
            out.append(wrap(text, lead, lead + "  "))
    return out


def _kept(items: list[Item], budget: int, md: bool) -> tuple[list[list[str]], int]:
    """Of each item, the wrapped lines kept within ``budget`` (an item left out keeps
    none), and how many lines were cut; nothing is cut when all fit."""
    wrapped = _lines(items, md)
    total = sum(len(w) for w in wrapped)
    if total <= budget:
        return wrapped, 0
    room = budget - 1
    kept: list[list[str]] = []
    used = 0
    for w in wrapped:
        if used + len(w) <= room:
            kept.append(w)
            used += len(w)
            continue
        if room - used >= 2 or not used:
            part = w[: max(room - used, 0)]
            kept.append(part)
            used += len(part)
        break
    return kept, total - used


def _cut_note(cut: int, where: str) -> str:
    return f"… {cut} more line{'s' if cut != 1 else ''} cut here: {where}."


def _clip(items: list[Item], budget: int, md: bool, where: str) -> list[str]:
    """The items' lines within ``budget`` lines, ending with a line that says how many
    were cut and where to read them. An item that does not fit whole keeps its first
    lines when at least two fit, so one long text is shortened rather than dropped."""
    kept, cut = _kept(items, budget, md)
    lines = [line for w in kept for line in w]
    return lines if not cut else lines + _lines([(0, _cut_note(cut, where))], md)[0]


def _clip_items(items: list[Item], budget: int, where: str) -> list[Item]:
    """:func:`_clip` as items, for the web page: the same items kept as in the text, an
    item shortened there ending in "…" here, and the same note of what was cut."""
    kept, cut = _kept(items, budget, False)
    out: list[Item] = []
    for (level, text), lines in zip(items, kept):
        if len(lines) == len(_lines([(level, text)], False)[0]):
            out.append((level, text))
        elif lines:
            out.append((level, " ".join(" ".join(line.split()) for line in lines) + " …"))
    return out if not cut else out + [(0, _cut_note(cut, where))]


@dataclass
class PackSection:
    """One part of the visit pack for the web page: its heading, what it is about (a
    name or a date, kept in its own case), and its items as they fit the page."""

    heading: str
    about: str
    items: list[Item]
    kind: str = "list"  # "questions": each with a box to tick by hand


@dataclass
class VisitPack:
    """The visit pack as parts, for the web page; the text is made by
    :func:`render_visit_pack` from the same parts and budgets."""

    doctor: Doctor
    prepared: str
    sections: list[PackSection]
    left_out: str


LEFT_OUT = ("Left out to keep to one page: the consultation notes and the other "
            "doctors' details ('secondop-tui export' prints everything).")
WHERE = {"diagnosis": "the full text is in the app's profile",
         "opinions": "see 'secondop-tui export --only comparison'",
         "records": "see 'secondop-tui export --only doctors'",
         "medications": "the full list is in the app's profile",
         "questions": "see 'secondop-tui export --only notes'"}


def visit_pack(store: WorkbookStore, doctor_query: str) -> VisitPack:
    """The visit pack for the doctor whose name holds ``doctor_query``, as parts (raises
    ``LookupError`` as :func:`render_visit_pack` does). The text in it is raw: escape it
    for the medium."""
    today = clock.today()
    doctor = find_doctor(store, doctor_query)
    when = doctor.appointment_at
    visit = f" Appointment: {format_datetime(when)}." if isinstance(when, datetime) else ""
    sections = [
        PackSection("Diagnosis so far", "", _clip_items(
            _diagnosis(store), BUDGETS["diagnosis"], WHERE["diagnosis"])),
        PackSection("Opinions so far", "", _clip_items(
            _opinions(store), BUDGETS["opinions"], WHERE["opinions"])),
    ]
    lead, events = _timeline_items(store, today, False)
    sections.append(PackSection("Timeline", "", lead + _clip_items(
        events, BUDGETS["timeline"] - len(_lines(lead, False)[0] if lead else []),
        TIMELINE_WHERE)))
    sections.append(PackSection("Records sent to ", _name(doctor), _clip_items(
        _records(doctor), BUDGETS["records"], WHERE["records"])))
    medications = _medications(store)
    if medications:
        sections.append(PackSection("Medications and allergies", "", _clip_items(
            medications, BUDGETS["medications"], WHERE["medications"])))
    consultation = visit_consultation(store, doctor, today)
    about = f" ({format_date(consultation.day)})" if consultation is not None \
        and consultation.day is not None else ""
    sections.append(PackSection("Top questions for this visit", about, _clip_items(
        _questions(consultation, doctor), BUDGETS["questions"], WHERE["questions"]),
        kind="questions"))
    return VisitPack(doctor, f"Prepared {format_date(today)}.{visit}", sections, LEFT_OUT)


def render_visit_pack(store: WorkbookStore, doctor_query: str, fmt: str = "text") -> str:
    """A one-page summary to bring to the doctor whose name holds ``doctor_query``.

    Raises ``LookupError`` (with the doctors to choose from) when no doctor or several
    match. About 60 lines at 80 columns; parts too long for the page are shortened, and
    say so. Consultation notes and other doctors' details are left out.
    """
    md = fmt == "markdown"
    today = clock.today()
    doctor = find_doctor(store, doctor_query)
    name = escape_controls(doctor.display_name)
    lines = [f"# Visit pack for {name}"] if md else wrap(f"VISIT PACK FOR {name}")
    if not md:
        lines.append("=" * max(len(line) for line in lines))
    when = doctor.appointment_at
    visit = f" Appointment: {format_datetime(when)}." if isinstance(when, datetime) else ""
    lines += wrap(f"Prepared {format_date(today)}.{visit}")
    lines += wrap(NOT_ADVICE)

    def part(heading: str, body: list[str], about: str = "") -> None:
        # Text headings in capitals; a name or date after them keeps its own case.
        lines.append("")
        if md:
            lines.extend([f"## {heading}{about}", ""])
        else:  # a long name after the heading goes on to the next line
            lines.extend(wrap(f"{heading.upper()}{about}"))
        lines.extend(body)

    part("Diagnosis so far", _clip(_diagnosis(store), BUDGETS["diagnosis"], md,
                                   "the full text is in the app's profile"))
    part("Opinions so far", _clip(_opinions(store), BUDGETS["opinions"], md,
                                  "see 'secondop-tui export --only comparison'"))
    part("Timeline", _timeline(store, today, md))
    part("Records sent to ", _clip(_records(doctor), BUDGETS["records"], md,
                                   "see 'secondop-tui export --only doctors'"),
         escape_controls(_name(doctor)))
    medications = _medications(store)
    if medications:
        part("Medications and allergies",
             _clip(medications, BUDGETS["medications"], md,
                   "the full list is in the app's profile"))
    consultation = visit_consultation(store, doctor, today)
    about = f" ({format_date(consultation.day)})" if consultation is not None \
        and consultation.day is not None else ""
    part("Top questions for this visit", _clip(
        _questions(consultation, doctor), BUDGETS["questions"], md,
        "see 'secondop-tui export --only notes'"), about)
    lines.append("")
    lines += wrap("Left out to keep to one page: the consultation notes and the other "
                  "doctors' details ('secondop-tui export' prints everything).",
                  "" if not md else "*", "")
    if md:
        lines[-1] += "*"
    return escape_controls("\n".join(lines)) + "\n"
