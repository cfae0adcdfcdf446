"""Structured opinions and their comparison: the model, the store functions, the export."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import pytest

from secondop_tui.core import export, opinions
from secondop_tui.core.dates import DateError
from secondop_tui.core.doctors import Doctor, add_doctor
from secondop_tui.core.notes import delete_consultation, new_consultation
from secondop_tui.core.opinions import (
    FIELDS,
    GOALS,
    NOT_GIVEN,
    Opinion,
    compare,
    delete_opinion,
    difference_question,
    field_text,
    get_opinion,
    list_opinions,
    render_comparison,
    save_opinion,
)
from secondop_tui.core.profile import Profile, get_profile, save_profile
from secondop_tui.core.store import WorkbookStore
from tests.helpers import seed_two, visit


# The model ---------------------------------------------------------------------------------
def test_fields_follow_the_issue_and_cover_the_model():
    assert [f.key for f in FIELDS] == [
        "cancer_type", "histology", "grade", "stage", "biomarkers", "goal", "plan",
        "alternatives", "trials", "start_by", "certainty", "would_change",
        "report_received"]
    model = {f.name for f in fields(Opinion)} - {"consultation_id", "doc_id"}
    assert model == {f.key for f in FIELDS}
    kinds = {f.key: f.kind for f in FIELDS}
    assert kinds["goal"] == "choice" and kinds["plan"] == "steps"
    assert kinds["start_by"] == kinds["report_received"] == "date"
    assert {f.kind for f in FIELDS} == {"text", "choice", "steps", "date"}
    assert next(f for f in FIELDS if f.key == "goal").choices == GOALS
    assert all(f.label and f.help for f in FIELDS)


def test_round_trip_and_is_empty():
    opinion = Opinion(3, stage="II", plan=["a", "b"], start_by="2026-12-03")
    again = Opinion.from_dict(opinion.to_dict(), 9)
    assert again == Opinion(3, stage="II", plan=["a", "b"], start_by="2026-12-03", doc_id=9)
    assert Opinion(1).is_empty and Opinion(1, plan=["  "], stage=" ").is_empty
    assert not Opinion(1, plan=["Surgery"]).is_empty


@pytest.mark.parametrize("raw", [None, 42, "text", [], {"consultation_id": True}])
def test_from_dict_survives_nonsense(raw):
    opinion = Opinion.from_dict(raw)
    assert opinion.consultation_id == 0 and opinion.is_empty


def test_from_dict_reads_hand_edited_values():
    raw = {"consultation_id": "7", "stage": 3, "grade": None, "goal": " CURE ",
           "plan": "Surgery\n\nChemotherapy\n", "start_by": "3 Dec 2026",
           "report_received": "2026-11-06", "biomarkers": ["not", "text"], "extra": 1}
    opinion = Opinion.from_dict(raw, 4)
    assert opinion.consultation_id == 7 and opinion.doc_id == 4
    assert opinion.stage == "3" and opinion.grade == "" and opinion.goal == "cure"
    assert opinion.plan == ["Surgery", "Chemotherapy"]
    assert opinion.start_by == "" and opinion.report_received == "2026-11-06"
    assert opinion.biomarkers == "['not', 'text']"
    assert Opinion.from_dict({"goal": "palliative", "plan": [1, None, "x"]}).goal == ""
    assert Opinion.from_dict({"plan": [1, None, "x"]}).plan == ["1", "x"]
    assert Opinion.from_dict({"consultation_id": 2.5}).consultation_id == 0


# Store functions --------------------------------------------------------------------------
def test_get_save_upsert_and_delete(store):
    cid = visit(store, "Dr Ames", date(2026, 11, 2))
    assert get_opinion(store, cid) == Opinion(cid)
    first = Opinion(cid, stage="II", plan=["Surgery", " ", "Radiation"],
                    start_by="3 Dec 2026", goal="Control")
    save_opinion(store, first)
    assert first.start_by == "2026-12-03" and first.plan == ["Surgery", "Radiation"]
    assert first.goal == "control" and first.doc_id is not None
    second = Opinion(cid, stage="III")
    save_opinion(store, second)
    assert len(store.table(opinions.TABLE)) == 1 and second.doc_id == first.doc_id
    assert get_opinion(store, cid).stage == "III" and get_opinion(store, cid).plan == []
    assert [o.consultation_id for o in list_opinions(store)] == [cid]
    delete_opinion(store, cid)
    assert get_opinion(store, cid).is_empty and list_opinions(store) == []
    delete_opinion(store, cid)  # nothing to delete is not an error


def test_saving_an_empty_opinion_removes_it(store):
    cid = visit(store, None, date(2026, 11, 2))
    save_opinion(store, Opinion(cid, stage="II"))
    save_opinion(store, Opinion(cid, stage="  "))
    assert len(store.table(opinions.TABLE)) == 0


def test_bad_dates_and_goals_are_refused_with_the_field_named(store):
    cid = visit(store, "Dr Ames", date(2026, 11, 2))
    with pytest.raises(DateError, match="Treatment should start by: '31 Feb 2026' is not a"):
        save_opinion(store, Opinion(cid, start_by="31 Feb 2026"))
    with pytest.raises(DateError, match="Written report received: 'soon'"):
        save_opinion(store, Opinion(cid, report_received="soon"))
    with pytest.raises(ValueError, match="cure, control, relief"):
        save_opinion(store, Opinion(cid, goal="hope"))
    assert len(store.table(opinions.TABLE)) == 0


def test_unknown_consultation_and_read_only_are_refused(store, data_dir):
    with pytest.raises(LookupError):
        save_opinion(store, Opinion(99, stage="II"))
    cid = visit(store, "Dr Ames", date(2026, 11, 2))
    save_opinion(store, Opinion(cid, stage="II"))
    store.flush()
    reader = WorkbookStore.open(data_dir, read_only=True)
    try:
        with pytest.raises(PermissionError, match="read-only"):
            save_opinion(reader, Opinion(cid, stage="III"))
        with pytest.raises(PermissionError):
            delete_opinion(reader, cid)
        with pytest.raises(PermissionError):
            save_profile(reader, Profile(diagnosis="x"))
        assert get_opinion(reader, cid).stage == "II"
    finally:
        reader.close()


def test_deleting_a_consultation_deletes_its_opinion(store):
    ames, brook = seed_two(store)
    delete_consultation(store, ames)
    assert [o.consultation_id for o in list_opinions(store)] == [brook]


def test_list_skips_empty_and_orphaned_records(store):
    ames, _ = seed_two(store)
    store.table(opinions.TABLE).insert({"consultation_id": ames + 100, "stage": ""})
    store.table(opinions.TABLE).insert({"consultation_id": "bad", "stage": "IV"})
    assert len(list_opinions(store)) == 2


def test_opinions_survive_a_restart(data_dir):
    first = WorkbookStore.open(data_dir)
    cid = visit(first, "Dr Ames", date(2026, 11, 2))
    save_opinion(first, Opinion(cid, stage="II", plan=["Surgery"]))
    first.close()
    second = WorkbookStore.open(data_dir)
    try:
        assert get_opinion(second, cid).plan == ["Surgery"]
    finally:
        second.close()


def test_profile_round_trip_and_dates(store):
    assert get_profile(store) == Profile() and get_profile(store).is_empty
    profile = Profile(diagnosis="Breast cancer", diagnosis_date="10/28/2026",
                      medications="Levothyroxine")
    save_profile(store, profile)
    assert profile.diagnosis_date == "2026-10-28"
    assert get_profile(store).diagnosed == date(2026, 10, 28)
    assert get_profile(store).diagnosis_date_text == "Wed 28 Oct 2026"
    with pytest.raises(DateError, match="Date of diagnosis"):
        save_profile(store, Profile(diagnosis_date="yesterday"))
    assert get_profile(store).medications == "Levothyroxine"
    store.set_setting("profile", {"diagnosis": 5, "diagnosis_date": "not a date"})
    assert get_profile(store) == Profile(diagnosis="5")
    store.set_setting("profile", "nonsense")
    assert get_profile(store) == Profile()


# Showing and comparing ----------------------------------------------------------------------
def test_field_text():
    opinion = Opinion(1, plan=["Surgery", "", "Chemo\nthen rest"], start_by="2026-12-03",
                      stage="II\x1b[31m", certainty="  quite\n sure ")
    assert field_text(opinion, "plan") == "1. Surgery 2. Chemo then rest"
    assert field_text(opinion, "start_by") == "Thu 3 Dec 2026"
    assert field_text(opinion, "stage") == "II\\e[31m"
    assert field_text(opinion, "certainty") == "quite sure"
    assert field_text(opinion, "report_received") == "" == field_text(opinion, "grade")


def test_compare_two_marks_differences_but_not_gaps(store):
    ames, brook = seed_two(store)
    comparison = compare(store, [ames, brook])
    assert [c.heading for c in comparison.columns] == [
        "Dr Ames (Mon 2 Nov 2026)", "Dr Brook (Mon 16 Nov 2026)"]
    rows = {row.key: row for row in comparison.rows}
    assert [row.key for row in comparison.rows] == [f.key for f in FIELDS]
    assert not rows["cancer_type"].differs  # case and spacing are not a difference
    assert rows["stage"].differs and rows["stage"].values == ["II", "III"]
    assert rows["plan"].differs and rows["start_by"].differs
    assert not rows["goal"].differs
    assert not rows["grade"].differs and rows["grade"].values == ["2", NOT_GIVEN]
    assert rows["grade"].given == [True, False]
    assert not rows["trials"].differs
    assert [r.key for r in comparison.differing()] == ["stage", "plan", "start_by"]


def test_compare_three_and_four_columns(store):
    ames, brook = seed_two(store)
    third = visit(store, None, date(2026, 11, 18))
    save_opinion(store, Opinion(third, stage="ii"))
    fourth = visit(store, "Dr Ames", date(2026, 11, 19), "Follow-up")
    three = compare(store, [ames, brook, third])
    assert three.columns[2].heading == "No doctor (Wed 18 Nov 2026)"
    stage = next(r for r in three.rows if r.key == "stage")
    assert stage.values == ["II", "III", "ii"] and stage.differs
    four = compare(store, [ames, brook, third, fourth])
    assert len(four.columns) == 4 and all(len(r.values) == 4 for r in four.rows)
    assert next(r for r in four.rows if r.key == "stage").values[3] == NOT_GIVEN
    only_same = compare(store, [ames, third])
    assert not next(r for r in only_same.rows if r.key == "stage").differs


@pytest.mark.parametrize("ids", [[], [1], [1, 2, 3, 4, 5], [1, 1]])
def test_compare_wants_two_to_four_distinct(store, ids):
    with pytest.raises(ValueError):
        compare(store, ids)


def test_compare_unknown_consultation(store):
    ames, _ = seed_two(store)
    with pytest.raises(LookupError):
        compare(store, [ames, 999])


def test_difference_question(store):
    ames, brook = seed_two(store)
    comparison = compare(store, [ames, brook])
    stage = next(r for r in comparison.rows if r.key == "stage")
    assert difference_question(comparison, stage) == (
        "Dr Ames says stage II, Dr Brook says stage III: why do the opinions differ?")
    plan = next(r for r in comparison.rows if r.key == "plan")
    assert difference_question(comparison, plan).startswith(
        "Dr Ames says the plan is 1. Lumpectomy 2. Radiation, Dr Brook says the plan is")


def test_difference_question_groups_agreeing_doctors_and_stays_safe(store):
    ames, brook = seed_two(store)
    third = visit(store, "Dr Chen\x1b[2J", date(2026, 11, 18))
    save_opinion(store, Opinion(third, stage="Stage III\nor IV", grade="x" * 200))
    comparison = compare(store, [ames, brook, third])
    stage = next(r for r in comparison.rows if r.key == "stage")
    question = difference_question(comparison, stage)
    assert question == ("Dr Ames says stage II, Dr Brook says stage III, Dr Chen\\e[2J says "
                        "Stage III or IV: why do the opinions differ?")
    assert "\n" not in question and "\x1b" not in question
    grade = next(r for r in comparison.rows if r.key == "grade")
    assert "…" in difference_question(comparison, grade)
    again = visit(store, None, date(2026, 11, 19))
    save_opinion(store, Opinion(again, stage="III"))
    grouped = compare(store, [ames, brook, again])
    row = next(r for r in grouped.rows if r.key == "stage")
    assert difference_question(grouped, row) == (
        "Dr Ames says stage II, Dr Brook and the Thu 19 Nov 2026 visit say stage III: "
        "why do the opinions differ?")


def test_same_doctor_twice_is_told_apart_by_date(store):
    doctor = add_doctor(store, Doctor(name="Dr Ames", degree="MD"))
    first = new_consultation(store, doctor_id=doctor, day=date(2026, 11, 2)).doc_id
    second = new_consultation(store, doctor_id=doctor, day=date(2026, 11, 9)).doc_id
    save_opinion(store, Opinion(first, stage="II"))
    save_opinion(store, Opinion(second, stage="III"))
    comparison = compare(store, [first, second])
    row = next(r for r in comparison.rows if r.key == "stage")
    assert difference_question(comparison, row) == (
        "Dr Ames (Mon 2 Nov 2026) says stage II, Dr Ames (Mon 9 Nov 2026) says stage III: "
        "why do the opinions differ?")


# Export --------------------------------------------------------------------------------------
def test_render_nothing_yet(store):
    assert "No opinions recorded yet." in render_comparison(store)
    visit(store, "Dr Ames", date(2026, 11, 2))
    assert "No opinions recorded yet." in export.export(store, "comparison")


def test_two_opinions_side_by_side_at_80_columns(store):
    seed_two(store)
    text = render_comparison(store)
    lines = text.splitlines()
    assert lines[0] == "COMPARISON OF OPINIONS"
    assert all(len(line) <= 80 for line in lines)
    assert any(line.split() == ["Dr", "Ames", "Dr", "Brook"] for line in lines)
    stage = next(i for i, line in enumerate(lines) if line.startswith("Stage "))
    assert lines[stage].split() == ["Stage", "II", "III"]
    assert lines[stage + 1] == opinions.DIFFERS
    cancer = next(i for i, line in enumerate(lines) if line.startswith("Cancer type"))
    assert lines[cancer + 1] == ""  # same type: no mark
    assert "Biomarkers" not in text  # nobody gave it
    assert "3 fields marked ≠ differs" in text


def test_three_or_four_opinions_go_field_by_field(store):
    ames, brook = seed_two(store)
    third = visit(store, "Dr Chen", date(2026, 11, 18))
    save_opinion(store, Opinion(third, stage="II", plan=["Surgery " * 30]))
    text = render_comparison(store)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    at = lines.index("Stage — ≠ differs")
    assert lines[at + 1:at + 4] == ["  Dr Ames (Mon 2 Nov 2026): II",
                                    "  Dr Brook (Mon 16 Nov 2026): III",
                                    "  Dr Chen (Wed 18 Nov 2026): II"]
    assert "  Dr Chen (Wed 18 Nov 2026): —" in lines  # the grade, not given
    assert "Cancer type" in lines
    chosen = render_comparison(store, consultation_ids=[ames, third])
    assert "Dr Brook" not in chosen


def test_markdown_comparison(store):
    seed_two(store)
    text = render_comparison(store, "markdown")
    assert text.startswith("# Comparison of opinions")
    assert "## Stage — ≠ differs" in text and "## Cancer type\n" in text
    assert "- **Dr Ames (Mon 2 Nov 2026):** II" in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_comparison_escapes_control_characters(store):
    ames = visit(store, "Dr \x1b]0;title\x07Evil", date(2026, 11, 2))
    brook = visit(store, "Dr Brook", date(2026, 11, 3))
    save_opinion(store, Opinion(ames, stage="II\x1b[2J", plan=["\x9b31m red"]))
    save_opinion(store, Opinion(brook, stage="III\r"))
    for fmt in export.FORMATS:
        text = export.export(store, "comparison", fmt)
        assert not any(c in text for c in "\x1b\x07\x9b\r")
        assert "II\\e[2J" in text and "\\e]0;title\\x07Evil" in text


def test_full_export_includes_the_comparison(store):
    seed_two(store)
    text = export.export(store)
    assert "COMPARISON OF OPINIONS" in text and "CONSULTATION NOTES" in text
    assert text.index("CONSULTATION NOTES") < text.index("COMPARISON OF OPINIONS")
