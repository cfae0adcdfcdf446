"""Export of the consultation notes: wrapping, escaping, Markdown, files."""

from __future__ import annotations

import stat

import pytest

from secondop_tui.core import export, notes
from secondop_tui.core.doctors import Doctor, add_doctor
from secondop_tui.core.notes import AgendaItem, new_consultation, save_note, update_consultation
from secondop_tui.core.questions import add_own_question, all_groups, default_groups


def seed(store):
    doctor_id = add_doctor(store, Doctor(name="Dr Ana Ruiz", degree="MD"))
    visit = new_consultation(store, title="Second opinion", doctor_id=doctor_id)
    visit.questions = [AgendaItem("Do you agree with the stage?", top=True),
                       AgendaItem("Is a clinical trial right for me?")]
    update_consultation(store, visit)
    note = ("[09:30] " + "She explained the pathology report in detail. " * 6 + "\n\n"
            "Q1 (answered): Do you agree with the stage?\nA: Yes, stage II.\n\nEnd.")
    save_note(store, visit.doc_id, note)
    return visit


def test_text_has_doctor_date_questions_and_notes_wrapped_at_80(store):
    seed(store)
    text = export.export(store, "notes")
    assert "Fri 20 Nov 2026: Second opinion" in text
    assert "Doctor: Dr Ana Ruiz, MD" in text
    assert "1. [· open] ★ top three Do you agree with the stage?" in text
    assert "Answer: Yes, stage II." in text
    assert "2. [· open] Is a clinical trial right for me?" in text
    assert text.index("Questions:") < text.index("Notes:")
    assert all(len(line) <= 80 for line in text.splitlines())
    assert " ".join(text.split()).count("She explained") == 6


def test_markdown_has_headings_and_lists(store):
    seed(store)
    text = export.export(store, "notes", "markdown")
    assert text.startswith("# Consultation notes")
    assert "## Fri 20 Nov 2026: Second opinion" in text
    assert "### Questions" in text and "### Notes" in text
    assert "- Doctor: Dr Ana Ruiz, MD" in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_escape_sequences_never_reach_the_output_raw(store):
    visit = new_consultation(store, title="Visit \x1b]0;pwned\x07")
    visit.questions = [AgendaItem("Bad \x1b[2J question")]
    update_consultation(store, visit)
    save_note(store, visit.doc_id, "red \x1b[31mtext\x1b[0m\rover \x9b1m")
    for fmt in export.FORMATS:
        text = export.export(store, "notes", fmt)
        assert "\x1b" not in text and "\r" not in text and "\x07" not in text
        assert "\x9b" not in text
        assert "\\e[31m" in text and "\\e[2J" in text


def test_empty_and_huge_notes(store):
    assert "No consultations yet." in export.export(store, "notes")
    empty = new_consultation(store, title="")
    assert "(untitled)" in export.export(store, "notes")
    assert "(no notes)" in export.export(store, "notes")
    save_note(store, empty.doc_id, "x" * 1_000_000)
    text = export.export(store, "notes")
    assert all(len(line) <= 80 for line in text.splitlines())
    assert text.count("x") >= 1_000_000


def test_write_export_is_private_and_refuses_to_overwrite(store, tmp_path):
    seed(store)
    target = tmp_path / "notes.txt"
    export.write_export(export.export(store, "notes"), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        export.write_export("other", target)
    assert "Second opinion" in target.read_text()
    export.write_export("other", target, force=True)
    assert target.read_text() == "other"


def test_render_only_some_consultations(store):
    first = new_consultation(store, title="First")
    new_consultation(store, title="Second")
    text = notes.render(store, "text", only=[first.doc_id])
    assert "First" in text and "Second" not in text


def test_answers_are_read_from_the_note():
    note = ("Q1 (asked): One?\nA: first\nline two\n\n[09:31] later\n"
            "Q3 (answered): Three?\nthird\nQ2 (deferred): Two?\n")
    assert notes.answers_in_note(note) == {0: "first\nline two", 2: "third"}


def test_hand_edited_records_are_read_leniently(store):
    store.table(notes.TABLE).insert({"date": "not a date", "doctor_id": "x",
                                     "questions": ["plain", {"state": "weird"}], "note": 3})
    [visit] = notes.list_consultations(store)
    assert visit.date == "" and visit.doctor_id is None and visit.note == "3"
    assert [q.state for q in visit.questions] == ["open", "open"]
    assert "no date" in export.export(store, "notes")


def test_question_bank(store):
    assert sum(len(g.questions) for g in default_groups()) >= 25
    add_own_question(store, "  Can I   bring my sister? ")
    groups = all_groups(store)
    assert groups[-1].title == "My own questions"
    assert groups[-1].questions[0].text == "Can I bring my sister?"
    with pytest.raises(ValueError):
        add_own_question(store, "   ")


def test_read_only_store_refuses_changes(data_dir, store):
    visit = new_consultation(store, title="Kept")
    store.close()
    from secondop_tui.core.store import WorkbookStore

    ro = WorkbookStore.open(data_dir, read_only=True)
    with pytest.raises(PermissionError):
        new_consultation(ro)
    with pytest.raises(PermissionError):
        save_note(ro, visit.doc_id, "changed")
    assert notes.get_consultation(ro, visit.doc_id).note == ""
