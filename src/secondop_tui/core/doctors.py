"""Candidate doctors for the second opinion: the record, its store functions and export.

A doctor is kept in the ``doctors`` table as a plain dict (see :meth:`Doctor.to_dict`).
Hand-edited files are read leniently: missing keys get defaults, unknown keys are kept
in the file untouched (updates merge into the stored document) and ignored here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from tinydb import Query

from secondop_tui.core import clock, tables
from secondop_tui.core.dates import (format_datetime, iso_date, iso_datetime, short_datetime,
                                     show_date, stored_datetime)
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.text import as_text, escape_controls, one_line, wrap

TABLE = tables.DOCTORS

ROLES = (
    "medical oncologist", "surgical oncologist", "radiation oncologist", "hematologist",
    "gynecologic oncologist", "pediatric oncologist", "pathologist", "radiologist", "other",
)
HOW_FOUND = (
    "my doctor", "insurer directory", "NCI center", "ASCO database", "ABMS search",
    "hospital", "medical school", "friends or family", "patient advocate", "other",
)
STATUSES = (
    "candidate", "contacted", "records sent", "appointment booked", "seen", "chosen",
    "declined",
)
NCI_LEVELS = ("none", "NCI-designated cancer center", "comprehensive cancer center")
# Yes / no / not known answers: "" means nobody has found out yet.
ANSWERS = ("", "yes", "no")

# The credential facts that can be checked, each with its own status, source and date.
CREDENTIALS: tuple[tuple[str, str], ...] = (
    ("board", "Board certification"),
    ("training", "Training"),
    ("license", "License"),
    ("experience", "Experience"),
    ("affiliation", "Affiliation"),
)
SELF_REPORTED = "self-reported"
VERIFIED = "verified"
CREDENTIAL_STATUSES = (SELF_REPORTED, VERIFIED)

RECORD_KINDS: tuple[tuple[str, str], ...] = (
    ("pathology_report", "Pathology report"),
    ("slides", "Slides or blocks"),
    ("imaging", "Imaging files"),
    ("blood_work", "Blood work"),
    ("biomarker", "Biomarker or genetic reports"),
    ("operative", "Operative reports"),
    ("clinic_notes", "Clinic notes"),
    ("treatment_plan", "Treatment plan"),
    ("medications", "Medication list"),
    ("timeline", "Timeline"),
)
# In order: each state has its own date, so the history stays visible.
RECORD_STATES = ("requested", "sent", "receipt confirmed", "returned")
RECORD_SYMBOLS = {"": "·", "requested": "?", "sent": "→", "receipt confirmed": "✓",
                  "returned": "↩"}


def _choice(value: Any, allowed: tuple[str, ...], default: str = "") -> str:
    value = as_text(value)
    return value if value in allowed else default


@dataclass
class CredentialCheck:
    """Whether one credential fact was verified independently, where, and when (ISO)."""

    status: str = SELF_REPORTED
    source: str = ""
    checked: str = ""

    @property
    def verified(self) -> bool:
        return self.status == VERIFIED

    def to_dict(self) -> dict[str, str]:
        return {"status": self.status, "source": self.source, "checked": self.checked}

    @classmethod
    def from_dict(cls, raw: Any) -> "CredentialCheck":
        raw = raw if isinstance(raw, dict) else {}
        return cls(status=_choice(raw.get("status"), CREDENTIAL_STATUSES, SELF_REPORTED),
                   source=as_text(raw.get("source")), checked=iso_date(raw.get("checked")))


@dataclass
class RecordSent:
    """One kind of record sent to a doctor: its latest state and the date of each state."""

    state: str = ""
    dates: dict[str, str] = field(default_factory=dict)  # state -> ISO date

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "dates": dict(self.dates)}

    @classmethod
    def from_dict(cls, raw: Any) -> "RecordSent":
        raw = raw if isinstance(raw, dict) else {}
        dates = raw.get("dates") if isinstance(raw.get("dates"), dict) else {}
        checked = ((k, iso_date(v)) for k, v in dates.items() if k in RECORD_STATES)
        return cls(state=_choice(raw.get("state"), RECORD_STATES),
                   dates={k: day for k, day in checked if day})


@dataclass
class Doctor:
    """A candidate doctor. Only ``name`` is required; every other field may stay empty."""

    name: str = ""
    degree: str = ""
    role: str = ""
    disease_focus: str = ""
    # Board certification
    board: str = ""
    specialty: str = ""
    board_status: str = ""
    # Training
    medical_school: str = ""
    residency: str = ""
    fellowship: str = ""
    # License
    license_state: str = ""
    license_status: str = ""
    # Experience
    years_in_practice: str = ""
    patients_per_year: str = ""
    # Affiliation and research
    affiliation: str = ""
    academic_appointment: str = ""
    nci_designation: str = ""
    nccn_member: str = ""
    clinical_trials: str = ""
    tumor_board: str = ""
    # Insurance
    in_network: str = ""
    referral_needed: str = ""
    insurance_call: str = ""
    # Logistics
    telehealth: str = ""
    languages: str = ""
    location: str = ""
    first_available: str = ""  # ISO date
    phone: str = ""
    fax: str = ""
    portal: str = ""
    send_records_to: str = ""
    # Workflow
    how_found: str = ""
    status: str = "candidate"
    appointment: str = ""  # ISO date and time, minutes
    notes: str = ""
    credentials: dict[str, CredentialCheck] = field(default_factory=dict)
    records: dict[str, RecordSent] = field(default_factory=dict)
    doc_id: int | None = None

    # Conversions -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The stored form (without ``doc_id``, which TinyDB keeps)."""
        out: dict[str, Any] = {name: getattr(self, name) for name in _TEXT_FIELDS}
        out["credentials"] = {k: c.to_dict() for k, c in self.credentials.items()}
        out["records"] = {k: r.to_dict() for k, r in self.records.items() if r.state}
        return out

    @classmethod
    def from_dict(cls, raw: Any, doc_id: int | None = None) -> "Doctor":
        """Read a stored (maybe hand-edited) dict; bad or missing values get defaults."""
        raw = raw if isinstance(raw, dict) else {}
        doctor = cls(doc_id=doc_id, **{name: as_text(raw[name]) for name in _TEXT_FIELDS
                                       if name in raw})
        doctor.role = doctor.role if doctor.role in ROLES or not doctor.role else "other"
        doctor.how_found = (doctor.how_found if doctor.how_found in HOW_FOUND
                            or not doctor.how_found else "other")
        doctor.status = _choice(doctor.status, STATUSES, "candidate")
        doctor.nci_designation = _choice(doctor.nci_designation, NCI_LEVELS)
        for name in ("nccn_member", "tumor_board", "in_network", "referral_needed",
                     "telehealth"):
            setattr(doctor, name, _choice(getattr(doctor, name), ANSWERS))
        doctor.first_available = iso_date(doctor.first_available)
        doctor.appointment = iso_datetime(doctor.appointment)
        creds = raw.get("credentials") if isinstance(raw.get("credentials"), dict) else {}
        doctor.credentials = {key: CredentialCheck.from_dict(creds[key])
                              for key, _ in CREDENTIALS if key in creds}
        records = raw.get("records") if isinstance(raw.get("records"), dict) else {}
        doctor.records = {key: RecordSent.from_dict(records[key])
                          for key, _ in RECORD_KINDS if key in records}
        return doctor

    # Derived values ----------------------------------------------------------------
    def credential(self, key: str) -> CredentialCheck:
        return self.credentials.get(key) or CredentialCheck()

    def record(self, key: str) -> RecordSent:
        return self.records.get(key) or RecordSent()

    def verified_count(self) -> tuple[int, int]:
        """(verified, total) credential facts."""
        return (sum(self.credential(k).verified for k, _ in CREDENTIALS), len(CREDENTIALS))

    @property
    def appointment_at(self) -> datetime | None:
        return stored_datetime(self.appointment)

    @property
    def display_name(self) -> str:
        return display_name(self.name, self.degree)


# Every field but the credentials, the records and the id: plain text.
_TEXT_FIELDS = tuple(f.name for f in fields(Doctor)
                     if f.name not in ("credentials", "records", "doc_id"))


def display_name(name: Any, degree: Any = "") -> str:
    """"Name, degree" on one safe line (also for a raw, maybe hand-edited, record)."""
    name, degree = as_text(name), as_text(degree)
    shown = one_line(name).strip() or "(no name)"
    return f"{shown}, {one_line(degree)}" if degree.strip() else shown


# Store functions -------------------------------------------------------------------------
def list_doctors(store: WorkbookStore) -> list[Doctor]:
    """Every doctor in the workbook, in the order they were added."""
    return [Doctor.from_dict(doc, doc.doc_id) for doc in store.table(TABLE).all()]


def doctor_names(store: WorkbookStore) -> dict[int, str]:
    """Every doctor's :func:`display_name` by id, read from the stored records (quicker
    than :func:`list_doctors` when only the names are wanted)."""
    return {doc.doc_id: display_name(doc.get("name"), doc.get("degree"))
            for doc in store.table(TABLE).all()}


def get_doctor(store: WorkbookStore, doc_id: int) -> Doctor | None:
    doc = store.table(TABLE).get(doc_id=doc_id)
    return None if doc is None else Doctor.from_dict(doc, doc_id)


def check_doctor(doctor: Doctor) -> None:
    """Raise ValueError with a message for the user when the doctor cannot be saved."""
    if not doctor.name.strip():
        raise ValueError("Please type the doctor's name: it is the only field required.")


def add_doctor(store: WorkbookStore, doctor: Doctor) -> int:
    """Store a new doctor; returns (and sets) its id."""
    check_doctor(doctor)
    doctor.doc_id = store.table(TABLE).insert(doctor.to_dict())
    store.changed()
    return doctor.doc_id


def update_doctor(store: WorkbookStore, doctor: Doctor) -> None:
    """Write an edited doctor back (keys unknown to this version are kept in the file)."""
    check_doctor(doctor)
    if doctor.doc_id is None:
        raise ValueError("This doctor was never saved.")
    store.table(TABLE).update(doctor.to_dict(), doc_ids=[doctor.doc_id])
    store.changed()


def delete_doctor(store: WorkbookStore, doc_id: int) -> None:
    """Delete a doctor. Consultations with them stay, with no doctor named: an id left
    naming the deleted doctor would name the next doctor added, who may get that id."""
    store.table(TABLE).remove(doc_ids=[doc_id])
    store.table(tables.CONSULTATIONS).update({"doctor_id": None},
                                             Query().doctor_id == doc_id)
    store.changed()


def next_appointment(store: WorkbookStore, now: datetime | None = None) -> Doctor | None:
    """The doctor with the earliest appointment at or after ``now`` (the clock's now)."""
    now = clock.now() if now is None else now
    # An appointment with no time (midnight) still counts for the whole of that day.
    upcoming = [d for d in list_doctors(store) if d.appointment_at is not None
                and (d.appointment_at >= now or d.appointment_at.date() == now.date())
                and d.status != "declined"]
    return min(upcoming, key=lambda d: d.appointment_at, default=None)


def appointment_note(doctor: Doctor | None, width: int = 40) -> str:
    """A short line for the Header: ``Next 3 Dec 14:30 Dr Name``.

    The date comes first: at 80 columns the Header has little room, and if it has to
    cut the line it cuts the end, so the name is shortened rather than the time.
    """
    if doctor is None or doctor.appointment_at is None:
        return ""
    stamp = short_datetime(doctor.appointment_at)
    name = one_line(doctor.name).strip() or "(no name)"
    room = max(8, width - len(f"Next {stamp} "))
    if len(name) > room:
        name = name[: room - 1] + "…"
    return f"Next {stamp} {name}"


# Export ------------------------------------------------------------------------------------
def _answer(value: str) -> str:
    return value or "not known"


def doctor_fields(doctor: Doctor) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every field of a doctor as (section, [(label, value)]) for export and detail views.

    Values are raw user text: callers escape them for their medium.
    """
    def check_line(key: str) -> tuple[str, str]:
        c = doctor.credential(key)
        mark = "✓ verified" if c.verified else "self-reported"
        where = ", ".join(p for p in (c.source, f"checked {show_date(c.checked)}"
                                      if c.checked else "") if p)
        return ("Checked", f"{mark}" + (f" ({where})" if where else ""))

    appointment = doctor.appointment_at
    records = []
    for key, label in RECORD_KINDS:
        r = doctor.record(key)
        if not r.state:
            records.append((label, "not tracked"))
            continue
        history = "; ".join(f"{state} {show_date(r.dates[state])}" for state in RECORD_STATES
                            if r.dates.get(state))
        records.append((label, f"{RECORD_SYMBOLS[r.state]} {r.state}"
                        + (f" ({history})" if history else "")))
    verified, total = doctor.verified_count()
    return [
        ("Identity", [("Name", doctor.name), ("Degree", doctor.degree), ("Role", doctor.role),
                      ("Disease focus", doctor.disease_focus)]),
        ("Board certification", [("Board", doctor.board), ("Specialty", doctor.specialty),
                                 ("Status", doctor.board_status), check_line("board")]),
        ("Training", [("Medical school", doctor.medical_school),
                      ("Residency", doctor.residency), ("Fellowship", doctor.fellowship),
                      check_line("training")]),
        ("License", [("State", doctor.license_state), ("Status", doctor.license_status),
                     check_line("license")]),
        ("Experience", [("Years in practice", doctor.years_in_practice),
                        ("Patients/yr, this cancer", doctor.patients_per_year),
                        check_line("experience")]),
        ("Affiliation", [("Hospital or center", doctor.affiliation),
                         ("Academic appointment", doctor.academic_appointment),
                         ("NCI designation", doctor.nci_designation or "not known"),
                         ("NCCN member", _answer(doctor.nccn_member)),
                         ("Clinical trials", doctor.clinical_trials),
                         ("Tumor board", _answer(doctor.tumor_board)),
                         check_line("affiliation")]),
        ("Insurance", [("In network", _answer(doctor.in_network)),
                       ("Referral/pre-approval", _answer(doctor.referral_needed)),
                       ("Confirmed by call", doctor.insurance_call)]),
        ("Logistics", [("Telehealth", _answer(doctor.telehealth)),
                       ("Languages", doctor.languages), ("Location", doctor.location),
                       ("First available", show_date(doctor.first_available)),
                       ("Phone", doctor.phone), ("Fax", doctor.fax),
                       ("Patient portal", doctor.portal),
                       ("Send records/slides to", doctor.send_records_to)]),
        ("Status and visit", [("How found", doctor.how_found), ("Status", doctor.status),
                      ("Appointment", format_datetime(appointment) if appointment else ""),
                      ("Credentials verified", f"{verified} of {total}")]),
        ("Records sent", records),
        ("Notes", [("Notes", doctor.notes)]),
    ]


def render(store: WorkbookStore, fmt: str = "text") -> str:
    """Every doctor with every field, as plain text or Markdown, wrapped at 80 columns."""
    doctors = sorted(list_doctors(store), key=lambda d: d.name.casefold())
    md = fmt == "markdown"
    indent = "  " if md else "    "
    lines = ["# Doctors" if md else "DOCTORS", ""]
    if not doctors:
        lines.append("No doctors yet.")
    for doctor in doctors:
        title = escape_controls(one_line(doctor.name) or "(no name)")
        if md:
            lines += [f"## {title}", ""]
        else:  # a long name on as many lines as it needs, the rule under the longest
            heading = wrap(title)
            lines += [*heading, "=" * max(map(len, heading)), ""]
        for section, rows in doctor_fields(doctor):
            lines.append(f"### {section}" if md else f"{section}:")
            for label, value in rows:
                line = f"- **{label}:** " if md else f"  {label}: "
                if not value:
                    lines.append(line + "—")
                    continue
                value = escape_controls(value)
                if len(line) + len(value) <= 80 and "\n" not in value:  # most: one line
                    lines.append((line + value).rstrip())
                else:
                    lines += wrap(value, line, indent)
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
