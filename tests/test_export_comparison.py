"""Exports of issue 6: the comparison and timeline parts, and the one-page visit pack."""

from __future__ import annotations

import stat
from datetime import date

import pytest

from secondop_tui import cli
from secondop_tui.core import export
from secondop_tui.core.content import NOT_ADVICE
from secondop_tui.core.doctors import Doctor, RecordSent, add_doctor
from secondop_tui.core.notes import AgendaItem, new_consultation, update_consultation
from secondop_tui.core.opinions import Opinion, save_opinion
from secondop_tui.core.profile import Profile, save_profile
from secondop_tui.core.visitpack import find_doctor, render_visit_pack, visit_consultation

from tests.helpers import seed_two


def seed_pack(store) -> int:
    """Two opinions, a profile, and a third doctor with records sent and a visit ahead."""
    seed_two(store)
    save_profile(store, Profile(diagnosis="Breast cancer, left side",
                                diagnosis_date="2026-10-28",
                                medications="Levothyroxine 50 mcg", allergies="Penicillin"))
    chen = Doctor(name="Dr Chen Nguyen", degree="MD", appointment="2026-12-08T14:30",
                  status="appointment booked")
    chen.records = {"pathology_report": RecordSent("receipt confirmed",
                                                   {"sent": "2026-11-12",
                                                    "receipt confirmed": "2026-11-16"}),
                    "slides": RecordSent("sent", {"sent": "2026-11-17"})}
    chen_id = add_doctor(store, chen)
    visit = new_consultation(store, title="Third opinion", doctor_id=chen_id,
                             day=date(2026, 12, 8))
    visit.questions = [AgendaItem("Do you agree with the stage?", top=True),
                       AgendaItem("Not a top question"),
                       AgendaItem("Surgery or chemotherapy first?", top=True),
                       AgendaItem("How soon must treatment start?", top=True)]
    update_consultation(store, visit)
    return chen_id


def run(capsys, data_dir, *args):
    code = cli.main(["export", *args, "--data-dir", str(data_dir)])
    out, err = capsys.readouterr()
    return code, out, err


# The command line ------------------------------------------------------------------------------
def test_only_comparison_and_timeline(store, data_dir, capsys):
    seed_two(store)
    store.close()
    code, out, _ = run(capsys, data_dir, "--only", "comparison")
    assert code == 0 and out.startswith("COMPARISON OF OPINIONS")
    assert "CONSULTATION NOTES" not in out and "Stage" in out
    code, out, _ = run(capsys, data_dir, "--only", "comparison", "--format", "markdown")
    assert code == 0 and out.startswith("# Comparison of opinions")
    code, out, _ = run(capsys, data_dir, "--only", "timeline")
    assert code == 0 and out.startswith("TIMELINE")


def test_full_export_has_comparison_and_timeline_but_no_visit_pack(store, data_dir, capsys):
    seed_pack(store)
    store.close()
    code, out, _ = run(capsys, data_dir)
    assert code == 0
    order = [out.index(title) for title in ("CONSULTATION NOTES", "COMPARISON OF OPINIONS",
                                            "TIMELINE")]
    assert order == sorted(order)
    assert "VISIT PACK" not in out


def test_visit_pack_command(store, data_dir, capsys, tmp_path):
    seed_pack(store)
    store.close()
    code, out, _ = run(capsys, data_dir, "--only", "visit-pack", "--doctor", "chen")
    assert code == 0 and out.startswith("VISIT PACK FOR Dr Chen Nguyen, MD")
    target = tmp_path / "pack.md"
    code, _, err = run(capsys, data_dir, "--only", "visit-pack", "--doctor", "CHEN NGUYEN",
                       "--format", "markdown", "-o", str(target))
    assert code == 0 and f"Wrote {target}." in err
    assert target.read_text().startswith("# Visit pack for Dr Chen Nguyen, MD")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_visit_pack_needs_one_doctor(store, data_dir, capsys):
    seed_pack(store)
    store.close()
    code, out, err = run(capsys, data_dir, "--only", "visit-pack")
    assert code == 2 and out == "" and "add --doctor NAME" in err
    code, out, err = run(capsys, data_dir, "--only", "visit-pack", "--doctor", "Dr Who")
    assert code == 2 and out == ""
    assert "No doctor's name contains 'Dr Who'. The doctors are: Dr Ames, Dr Brook, " \
           "Dr Chen Nguyen." in err
    code, out, err = run(capsys, data_dir, "--only", "visit-pack", "--doctor", "dr")
    assert code == 2 and "3 doctors' names contain 'dr'" in err and "Type more" in err
    code, out, err = run(capsys, data_dir, "--only", "notes", "--doctor", "chen")
    assert code == 2 and "--doctor goes with --only visit-pack" in err


def test_unknown_part_lists_the_new_parts(store, data_dir, capsys):
    store.close()
    code, _, err = run(capsys, data_dir, "--only", "everything")
    assert code == 2
    for name in ("checklist", "doctors", "notes", "comparison", "timeline", "visit-pack"):
        assert name in err


# The visit pack -------------------------------------------------------------------------------
def test_visit_pack_content(store):
    seed_pack(store)
    text = render_visit_pack(store, "chen")
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert len(lines) <= 62
    assert " ".join(NOT_ADVICE.split()) in " ".join(text.split())
    assert "Prepared Fri 20 Nov 2026. Appointment: Tue 8 Dec 2026 14:30." in text
    assert "  Breast cancer, left side" in lines and "  Diagnosed: Wed 28 Oct 2026" in lines
    assert "  Dr Ames (Mon 2 Nov 2026): Breast cancer; grade 2; stage II; goal cure" in lines
    assert "    Plan: 1. Lumpectomy 2. Radiation" in lines
    assert any(line.startswith("  ≠ differs: the opinions differ on stage,") for line in lines)
    assert "    ⚠ after the start-by date of 3 Dec (Dr Ames)" in lines
    assert "RECORDS SENT TO Dr Chen Nguyen" in lines
    assert "  ✓ Pathology report: receipt confirmed Mon 16 Nov 2026" in lines
    assert "  → Slides or blocks: sent Tue 17 Nov 2026" in lines
    assert "  Medications: Levothyroxine 50 mcg" in lines and "  Allergies: Penicillin" in lines
    at = lines.index("TOP QUESTIONS FOR THIS VISIT (Tue 8 Dec 2026)")
    assert lines[at + 1:at + 4] == ["  1. Do you agree with the stage?",
                                    "  2. Surgery or chemotherapy first?",
                                    "  3. How soon must treatment start?"]
    assert "Not a top question" not in text
    assert "Left out to keep to one page" in text


def test_visit_pack_is_a_part_of_the_export_for_one_doctor(store):
    seed_pack(store)
    for fmt in export.FORMATS:
        assert export.export(store, export.VISIT_PACK, fmt, doctor="chen") == \
            render_visit_pack(store, "chen", fmt)
    assert "VISIT PACK" not in export.export(store, doctor="chen")
    with pytest.raises(ValueError, match="for one doctor"):
        export.export(store, export.VISIT_PACK)


def test_visit_pack_markdown(store):
    seed_pack(store)
    text = render_visit_pack(store, "chen", "markdown")
    assert text.startswith("# Visit pack for Dr Chen Nguyen, MD")
    assert "## Records sent to Dr Chen Nguyen" in text
    assert "- 1. Do you agree with the stage?" in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_medications_only_when_filled_and_empty_workbook_parts(store):
    add_doctor(store, Doctor(name="Dr Solo"))
    text = render_visit_pack(store, "solo")
    assert "MEDICATIONS" not in text
    assert "(not filled in yet)" in text and "No opinions recorded yet." in text
    assert "No records tracked for this doctor yet." in text
    assert "No consultation with Dr Solo yet" in text
    assert "Appointment:" not in text


def test_no_top_questions_shows_the_first_open_ones(store):
    doctor = add_doctor(store, Doctor(name="Dr Solo"))
    visit = new_consultation(store, doctor_id=doctor)
    visit.questions = [AgendaItem(f"Question {n}") for n in range(1, 6)]
    update_consultation(store, visit)
    text = render_visit_pack(store, "solo")
    assert "(None marked as top three: the first on the agenda.)" in text
    assert "  3. Question 3" in text and "Question 4" not in text


def test_the_page_is_kept_and_cuts_are_stated(store):
    save_profile(store, Profile(diagnosis="A long story. " * 80, medications="Pill. " * 90))
    doctor = add_doctor(store, Doctor(name="Dr Busy"))
    for n in range(12):
        visit = new_consultation(store, title=f"Visit {n}", doctor_id=doctor,
                                 day=date(2026, 9, 1 + n))
        save_opinion(store, Opinion(visit.doc_id, stage=f"stage {n}",
                                    plan=["step " * 20], start_by=f"2026-10-{n + 1:02d}",
                                    report_received=f"2026-09-{n + 15:02d}"))
    text = render_visit_pack(store, "busy")
    lines = text.splitlines()
    assert len(lines) <= 66
    assert all(len(line) <= 80 for line in lines)
    assert "cut here: the full text is in the app's profile." in " ".join(text.split())
    assert "cut here: see 'secondop-tui export --only comparison'." in " ".join(text.split())
    assert "earlier events left out: see 'secondop-tui export --only timeline'" in \
        " ".join(text.split())


def test_visit_pack_escapes_user_text(store):
    doctor = add_doctor(store, Doctor(name="Dr \x1b[2JWipe"))
    visit = new_consultation(store, doctor_id=doctor, title="x\x07")
    visit.questions = [AgendaItem("Ask \x9b31m this", top=True)]
    update_consultation(store, visit)
    save_profile(store, Profile(diagnosis="Bad\rline", medications="\x1b]52;c;aGk=\x07"))
    save_opinion(store, Opinion(visit.doc_id, stage="II\x1b[0m"))
    for fmt in export.FORMATS:
        text = render_visit_pack(store, "wipe", fmt)
        assert not any(c in text for c in "\x1b\x07\x9b\r")
        assert "\\e[2JWipe" in text and "Ask \\x9b31m this" in text


def test_find_doctor_rules(store):
    with pytest.raises(LookupError, match="no doctors in the workbook yet"):
        find_doctor(store, "anyone")
    add_doctor(store, Doctor(name="Dr Ann Lee"))
    add_doctor(store, Doctor(name="Dr Ann Leeds"))
    assert find_doctor(store, "  dr ann   lee ").name == "Dr Ann Lee"  # exact name wins
    assert find_doctor(store, "leeds").name == "Dr Ann Leeds"
    with pytest.raises(LookupError, match="2 doctors' names contain 'ann'"):
        find_doctor(store, "ann")
    with pytest.raises(LookupError, match="Name the doctor"):
        find_doctor(store, " ")
    for n in range(20):
        add_doctor(store, Doctor(name=f"Dr Many {n:02d}"))
    with pytest.raises(LookupError, match="Dr Many 11 and 8 more"):
        find_doctor(store, "many")


def test_visit_consultation_prefers_the_next_one(store):
    doctor = add_doctor(store, Doctor(name="Dr Lee"))
    lee = find_doctor(store, "lee")
    assert visit_consultation(store, lee) is None
    past = new_consultation(store, doctor_id=doctor, day=date(2026, 11, 1))
    assert visit_consultation(store, lee).doc_id == past.doc_id
    later = new_consultation(store, doctor_id=doctor, day=date(2026, 12, 20))
    sooner = new_consultation(store, doctor_id=doctor, day=date(2026, 12, 1))
    assert visit_consultation(store, lee).doc_id == sooner.doc_id
    assert later.doc_id != sooner.doc_id
