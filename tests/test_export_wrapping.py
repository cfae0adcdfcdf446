"""Long titles and names in the text export: every line within 80 columns, every word
kept, in order (a word longer than a line is broken, never dropped)."""

from __future__ import annotations

import dataclasses
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from secondop_tui.core import doctors, notes, opinions
from secondop_tui.core.checklist import Checklist
from secondop_tui.core.export import export
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.visitpack import render_visit_pack

# Words of every length, from one letter to more than a line.
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=100)
LONG = st.lists(WORD, min_size=12, max_size=30).map(" ".join)


def joined(text: str) -> str:
    return "".join(text.split())


def fill(store: WorkbookStore, text: str) -> dict:
    """A workbook whose every title, name and opinion field is ``text`` (or a title
    cut to the checklist's limit), with a unique start; what was put where."""
    put = {}
    checklist = Checklist(store)
    title = "Item " + text[:190]
    item = checklist.add_item("insurance", title, "Why " + text)
    checklist.set_note(item, "Note " + text)
    checklist.add_call("insurance.coverage", date(2026, 11, 2), "Who " + text,
                       "Ref " + text, "Said " + text)
    put.update(item=title, note="Note " + text, who="Who " + text,
               said="Said " + text)
    ids = []
    for n in (1, 2):
        name = f"Dr{n} {text}"
        doctor_id = doctors.add_doctor(store, doctors.Doctor(
            name=name, affiliation=f"Hospital{n} {text}", appointment="2026-12-10T10:00"))
        visit = notes.new_consultation(store, title=f"Visit{n} {text}", doctor_id=doctor_id)
        notes.set_questions(store, visit.doc_id, [notes.AgendaItem(
            text=f"Question{n} {text}", state="asked", answer=f"Answer{n} {text}")])
        opinion = dataclasses.replace(
            opinions.get_opinion(store, visit.doc_id), cancer_type=f"Type{n} {text}",
            stage=f"Stage{n} {text}", plan=[f"Step{n} {text}"],
            alternatives=f"Other{n} {text}", start_by="2026-12-01")
        opinions.save_opinion(store, opinion)
        ids.append(visit.doc_id)
        put.update({f"doctor {n}": name, f"hospital {n}": f"Hospital{n} {text}",
                    f"consultation {n}": f"Visit{n} {text}",
                    f"question {n}": f"Question{n} {text}",
                    f"answer {n}": f"Answer{n} {text}"})
        put[f"opinion {n}"] = [f"Type{n} {text}", f"Step{n} {text}", f"Other{n} {text}"]
    return put


def comparison_column(store: WorkbookStore, n: int) -> str:
    """The text of the comparison's nth opinion (1 or 2): the two are side by side."""
    from secondop_tui.core.opinions import LABEL_COLUMN

    width = (80 - LABEL_COLUMN - 4) // 2
    start = LABEL_COLUMN + 2 + (n - 1) * (width + 2)
    return "\n".join(line[start:start + width]
                     for line in export(store, "comparison").splitlines())


def assert_within_80(text: str, what: str) -> None:
    long = [line for line in text.splitlines() if len(line) > 80]
    assert not long, f"{what}: {len(long)} lines over 80 columns, first: {long[0]!r}"


@given(text=LONG)
def test_every_line_of_the_text_export_fits_and_keeps_every_word(tmp_path_factory, text):
    store = WorkbookStore.open(tmp_path_factory.mktemp("data"))
    try:
        put = fill(store, text)
        exported = export(store)
        assert_within_80(exported, "the export")
        everything = joined(exported)
        for where, value in put.items():
            if where.startswith("opinion"):
                column = joined(comparison_column(store, int(where[-1])))
                assert all(joined(field) in column for field in value), f"{where} lost a word"
            else:
                assert joined(value) in everything, f"the {where} lost a word"
        pack = render_visit_pack(store, "Dr1")
        assert_within_80(pack, "the visit pack")
        assert joined(put["doctor 1"]) in joined(pack), "the visit pack lost the name"
    finally:
        store.close()


def test_a_long_doctor_name_and_consultation_title_are_wrapped_under_one_rule(store):
    name = "Dr " + " ".join(["Maria-Fernanda"] * 8)
    doctor_id = doctors.add_doctor(store, doctors.Doctor(name=name))
    notes.new_consultation(store, title="Second opinion " * 8, doctor_id=doctor_id)
    text = export(store)
    assert_within_80(text, "the export")
    lines = text.splitlines()
    first = lines.index("Dr Maria-Fernanda Maria-Fernanda Maria-Fernanda Maria-Fernanda "
                        "Maria-Fernanda")
    assert lines[first + 1:first + 4] == ["Maria-Fernanda Maria-Fernanda Maria-Fernanda",
                                          "=" * len(lines[first]), ""]
    heading = next(i for i, line in enumerate(lines) if ": Second opinion" in line)
    assert lines[heading + 2] == "-" * max(len(lines[heading]), len(lines[heading + 1]))
