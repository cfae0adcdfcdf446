"""Make a large workbook for benchmarks and trying the app, through the project's own store.

    python benchmarks/make_workbook.py DATA_DIR [--doctors 500] [--consultations 0] [--seed 1]

The benchmark workbook of the notes benchmark is ``--consultations 2000 --doctors 200``:
consultations in the notes model's own shape (``Consultation.to_dict``), each with a few
agenda questions and a note of about 4 KB.

The data is invented and repeatable (same seed, same workbook). DATA_DIR must not hold a
workbook yet, so a real one is never touched by accident.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

from secondop_tui.core.doctors import (
    CREDENTIALS,
    HOW_FOUND,
    NCI_LEVELS,
    RECORD_KINDS,
    RECORD_STATES,
    ROLES,
    STATUSES,
    CredentialCheck,
    Doctor,
    RecordSent,
    add_doctor,
)
from secondop_tui.core.notes import (
    ANSWERED,
    STATES,
    TABLE,
    AgendaItem,
    Consultation,
    marker_line,
)
from secondop_tui.core.store import WORKBOOK_NAME, WorkbookStore

FIRST = ["Ana", "Ben", "Chen", "Dina", "Emeka", "Farah", "Goran", "Hana", "Ivan", "Jun",
         "Kemal", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tala"]
LAST = ["Ruiz", "Okafor", "Nguyen", "Schmidt", "Haddad", "Kowalski", "Tanaka", "Moreau",
        "Patel", "Fischer", "Silva", "Larsen", "Cohen", "Ivanova", "Mensah", "Park"]
PLACES = ["Memorial Cancer Center", "University Hospital", "St. Mary's", "Lakeside Clinic",
          "City Oncology Group", "Northwest Medical", "Riverside Cancer Institute"]
SOURCES = ["ABMS Certification Matters", "state medical board", "hospital website",
           "insurer directory", "NCI cancer center list"]
START = datetime(2026, 11, 1, 9, 0)
TITLES = ["First opinion", "Second opinion", "Follow-up", "Treatment plan review",
          "Scan results", "Surgery consult", "Radiation consult", "Trial screening",
          "Phone call", "Pathology review"]
QUESTIONS = [
    "What stage is the cancer, and how sure are you of it?",
    "Which treatment do you recommend, and why this one?",
    "What are the goals of this treatment: cure, control or comfort?",
    "Which side effects are most likely, and how are they managed?",
    "Is there a clinical trial I should consider?",
    "Should the pathology be reviewed by a second lab?",
    "How soon do we need to decide?",
    "What happens if we wait?",
    "How many patients like me do you treat each year?",
    "Will my insurance cover this plan?",
    "Which tests are still missing?",
    "Who do I call with questions after hours?",
]
ANSWERS = [
    "She said the scans agree with the biopsy; she is fairly sure.",
    "Chemo first, then surgery, because the tumor should shrink before the operation.",
    "Cure is the goal, with follow-up scans every three months for two years.",
    "Tiredness and nausea mostly; there are medicines for both.",
    "Maybe: there is a trial at the university, ask the nurse for the paper.",
    "Yes, he thinks it is worth it and will send the slides himself.",
]
SENTENCES = [
    "Dr. said the scan from last month shows no new spots in the liver or lungs.",
    "We talked about starting treatment within the next three to four weeks.",
    "Asked about side effects: fatigue, some nausea, possible hair thinning.",
    "Blood counts will be checked before every cycle, usually the day before.",
    "The nurse navigator will call to set up the port placement appointment.",
    "Insurance needs a prior authorization; the office submits it this week.",
    "She recommended keeping a symptom diary and bringing it to each visit.",
    "Surgery would come after four cycles if the tumor responds as expected.",
    "Radiation may not be needed, depending on what the surgery finds.",
    "The pathology report mentions clear margins on the earlier biopsy.",
    "He explained the difference between the two regimens in plain words.",
    "Genetic testing was ordered; results take about two to three weeks.",
    "Bring the CD with the images from the other hospital next time.",
    "Exercise is fine, walking every day is encouraged, avoid heavy lifting.",
    "Call the after-hours line for a fever over 100.4 F, do not wait.",
    "A second opinion is welcome; she offered to send the records herself.",
    "The trial would mean extra visits but the drug is paid for by the study.",
    "Appetite: small meals, protein shakes if eating is hard during chemo.",
    "Next appointment in two weeks, with labs one hour before.",
    "Spouse asked about work; most people keep working part time.",
]
NOTE_SIZE = 4096  # bytes of note text, about


def make_doctor(rng: random.Random, n: int) -> Doctor:
    """One invented but plausible doctor."""
    status = rng.choice(STATUSES)
    doctor = Doctor(
        name=f"Dr {rng.choice(FIRST)} {rng.choice(LAST)} {n}",
        degree=rng.choice(["MD", "DO", "MD, PhD"]),
        role=rng.choice(ROLES),
        disease_focus=rng.choice(["breast", "lung", "lymphoma", "sarcoma", "colorectal"]),
        board="American Board of Internal Medicine", specialty="Medical Oncology",
        board_status="certified", medical_school="State University", residency="General",
        fellowship="Oncology", license_state=rng.choice(["CA", "NY", "TX", "MA"]),
        license_status="active", years_in_practice=str(rng.randint(2, 35)),
        patients_per_year=str(rng.randint(5, 300)), affiliation=rng.choice(PLACES),
        nci_designation=rng.choice(NCI_LEVELS), nccn_member=rng.choice(["", "yes", "no"]),
        clinical_trials=rng.choice(["", "2 open trials", "none"]),
        tumor_board=rng.choice(["", "yes"]), in_network=rng.choice(["", "yes", "no"]),
        referral_needed=rng.choice(["", "yes", "no"]),
        telehealth=rng.choice(["", "yes", "no"]), languages="English",
        location="Springfield", phone=f"(555) 01{n % 100:02d}-{n:04d}",
        how_found=rng.choice(HOW_FOUND), status=status,
        notes="Invented for benchmarks. " * rng.randint(0, 20),
    )
    if status in ("appointment booked", "seen", "chosen") or rng.random() < 0.2:
        when = START + timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 8))
        doctor.appointment = when.isoformat(timespec="minutes")
    for key, _ in CREDENTIALS:
        verified = rng.random() < 0.5
        doctor.credentials[key] = CredentialCheck(
            status="verified" if verified else "self-reported",
            source=rng.choice(SOURCES) if verified else "",
            checked=(START.date() + timedelta(days=rng.randint(0, 20))).isoformat()
            if verified else "")
    for key, _ in rng.sample(RECORD_KINDS, rng.randint(0, len(RECORD_KINDS))):
        depth = rng.randint(1, len(RECORD_STATES))
        doctor.records[key] = RecordSent(
            state=RECORD_STATES[depth - 1],
            dates={s: (START.date() + timedelta(days=i * 3)).isoformat()
                   for i, s in enumerate(RECORD_STATES[:depth])})
    return doctor


def make_note(rng: random.Random, questions: list[AgendaItem], size: int = NOTE_SIZE) -> str:
    """About ``size`` bytes of note text: timestamped paragraphs and answers under markers."""
    lines: list[str] = []
    length = 0
    minute = rng.randint(0, 300)
    while length < size:
        stamp = f"[{9 + minute // 60:02d}:{minute % 60:02d}] "
        paragraph = stamp + " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(2, 5)))
        lines += [paragraph, ""]
        length += len(paragraph) + 2
        minute += rng.randint(1, 6)
    added = 0
    for i, q in enumerate(questions):  # each answer after its own paragraph
        if q.answer:
            at = 2 * i + 2 + added
            lines[at:at] = [marker_line(i, q), "A: " + q.answer, ""]
            added += 3
    return "\n".join(lines).rstrip("\n")[:size + 400] + "\n"


def make_consultation(rng: random.Random, n: int, doctor_ids: list[int]) -> Consultation:
    """One invented consultation in the notes model's shape."""
    day = START - timedelta(days=n % 365)
    questions = []
    for text in rng.sample(QUESTIONS, rng.randint(2, 6)):
        state = rng.choice(STATES)
        questions.append(AgendaItem(
            text=text, question_id=f"q{QUESTIONS.index(text) + 1}", state=state,
            answer=rng.choice(ANSWERS) if state == ANSWERED else "",
            top=rng.random() < 0.3, follow_up=rng.random() < 0.15))
    doctor = rng.choice(doctor_ids) if doctor_ids and rng.random() < 0.9 else None
    return Consultation(
        date=day.date().isoformat(), title=f"{rng.choice(TITLES)} {n + 1}",
        doctor_id=doctor, note=make_note(rng, questions), questions=questions,
        created=(day + timedelta(minutes=rng.randint(0, 600))).isoformat(timespec="seconds"))


def make_workbook(data_dir: Path, doctors: int = 500, consultations: int = 0,
                  seed: int = 1) -> Path:
    """Create a workbook in ``data_dir`` with invented doctors (and consultations)."""
    if (Path(data_dir) / WORKBOOK_NAME).exists():
        raise SystemExit(f"{data_dir} already holds a workbook; choose an empty folder.")
    rng = random.Random(seed)
    store = WorkbookStore.open(Path(data_dir))
    try:
        ids = [add_doctor(store, make_doctor(rng, n)) for n in range(1, doctors + 1)]
        # One batch: every TinyDB insert re-encodes the whole workbook.
        if consultations:
            store.table(TABLE).insert_multiple(
                [make_consultation(rng, n, ids).to_dict() for n in range(consultations)])
            store.changed()
    finally:
        result = store.close()
    if not result.ok:
        raise SystemExit(f"Could not save: {result.message}")
    return store.path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--doctors", type=int, default=500)
    parser.add_argument("--consultations", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    path = make_workbook(args.data_dir, args.doctors, args.consultations, args.seed)
    print(f"Wrote {args.doctors} doctors and {args.consultations} consultations to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
