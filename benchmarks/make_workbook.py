"""Make a large workbook for benchmarks and trying the app, through the project's own store.

    python benchmarks/make_workbook.py DATA_DIR [--doctors 500] [--consultations 0] [--seed 1]

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


def make_workbook(data_dir: Path, doctors: int = 500, consultations: int = 0,
                  seed: int = 1) -> Path:
    """Create a workbook in ``data_dir`` with invented doctors (and consultations)."""
    if (Path(data_dir) / WORKBOOK_NAME).exists():
        raise SystemExit(f"{data_dir} already holds a workbook; choose an empty folder.")
    rng = random.Random(seed)
    store = WorkbookStore.open(Path(data_dir))
    try:
        ids = [add_doctor(store, make_doctor(rng, n)) for n in range(1, doctors + 1)]
        # Consultations: a simple placeholder shape until the notes part defines its own.
        table = store.table("consultations")
        for n in range(consultations):
            table.insert({
                "doctor_id": rng.choice(ids) if ids else None,
                "date": (START + timedelta(days=n % 120)).isoformat(timespec="minutes"),
                "title": f"Consultation {n + 1}",
                "notes": "Invented for benchmarks. " * rng.randint(1, 40),
            })
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
