"""Search everything: what is indexed, the matching rule, ranking, limits and jump targets."""

from __future__ import annotations

import re
from datetime import date

import pytest

from secondop_tui.core.checklist import Checklist
from secondop_tui.core.doctors import Doctor, add_doctor
from secondop_tui.core.glossary import load_glossary
from secondop_tui.core.guidance import load_guidance
from secondop_tui.core.notes import AgendaItem, new_consultation, save_note, set_questions
from secondop_tui.core.opinions import Opinion, save_opinion
from secondop_tui.core.search import (
    CONSULTATION,
    SNIPPET,
    SUMMARY_ROOM,
    TITLE_ROOM,
    SearchIndex,
    _clean,
    snippet,
)


@pytest.fixture
def seeded(store):
    ruiz = add_doctor(store, Doctor(name="Dr Ana Ruiz", degree="MD",
                                    affiliation="Lakeside Cancer Institute",
                                    notes="Runs the sarcoma tumor board"))
    visit = new_consultation(store, title="Second opinion", doctor_id=ruiz,
                             day=date(2026, 11, 16))
    save_note(store, visit.doc_id, "She thinks the margins are clear. " * 3
              + "Mentioned the osteosarcoma trial at the university.")
    set_questions(store, visit.doc_id, [AgendaItem("Can surgery wait until January?")])
    save_opinion(store, Opinion(visit.doc_id, stage="IIB", histology="Leiomyosarcoma",
                                plan=["Neoadjuvant chemotherapy", "Resection"]))
    Checklist(store).set_note("records.pathology", "Asked the lab for slide recuts")
    return {"ruiz": ruiz, "visit": visit.doc_id}


def kinds_and_targets(hits):
    return [(h.kind, h.target) for h in hits]


def test_each_kind_is_found_with_its_jump_target(store, seeded):
    index = SearchIndex(store)
    assert ("doctor", ("doctor", seeded["ruiz"])) in kinds_and_targets(
        index.search("lakeside"))
    assert kinds_and_targets(index.search("osteosarcoma")) == [
        ("consultation", ("consultation", seeded["visit"]))]
    assert kinds_and_targets(index.search("leiomyosarcoma")) == [
        ("opinion", ("opinion", seeded["visit"]))]
    assert kinds_and_targets(index.search("recuts")) == [
        ("checklist", ("checklist", "records.pathology"))]
    assert kinds_and_targets(index.search("january")) == [
        ("consultation", ("consultation", seeded["visit"]))]  # an agenda question
    sections = load_guidance()
    records = next(i for i, s in enumerate(sections) if s.title == "Gathering your records")
    assert ("guidance", ("guidance", records)) in kinds_and_targets(
        index.search("gathering your records"))


def test_titles_and_snippets(store, seeded):
    index = SearchIndex(store)
    hit = index.search("osteosarcoma")[0]
    assert hit.title == "Consultation: Second opinion (Mon 16 Nov 2026, Dr Ana Ruiz, MD)"
    assert "osteosarcoma" in hit.snippet and hit.snippet.startswith("…")
    opinion = index.search("leiomyosarcoma")[0]
    assert opinion.title == "Opinion: Mon 16 Nov 2026, Dr Ana Ruiz, MD"
    assert "Subtype or histology: Leiomyosarcoma" in opinion.snippet
    assert index.search("ruiz")[0].title == "Doctor: Dr Ana Ruiz, MD"


def test_every_word_must_match_in_any_order_ignoring_case(store, seeded):
    index = SearchIndex(store)
    assert kinds_and_targets(index.search("UNIVERSITY   margins")) == [
        ("consultation", ("consultation", seeded["visit"]))]
    assert index.search("margins nowhere-to-be-found") == []
    assert index.search("") == [] and index.search("   ") == []


def test_ranking_title_matches_first_then_kinds(store, seeded):
    index = SearchIndex(store)
    hits = index.search("ruiz")
    # The doctor and the records tied to her name in their titles, then nothing else.
    assert [h.kind for h in hits] == ["doctor", "consultation", "opinion"]
    chemo = index.search("chemotherapy")
    # The glossary's term of that very name first, then the user's own record before the
    # guidance.
    assert [h.kind for h in chemo[:2]] == ["glossary", "opinion"]
    assert all(h.kind == "guidance" for h in chemo[2:])
    # A word in a title beats the same word in a body.
    trial = index.search("trial")
    titled = [h for h in trial if "trial" in h.title.lower()]
    assert trial[: len(titled)] == titled


def test_limit(store):
    for n in range(30):
        new_consultation(store, title=f"Follow-up {n}", day=date(2026, 11, 1))
    index = SearchIndex(store)
    assert len(index.search("follow-up")) == 30
    assert len(index.search("follow-up", limit=5)) == 5
    assert index.search("follow-up", limit=0) == []


def test_refresh_sees_changes(store):
    index = SearchIndex(store)
    assert index.search("okafor") == []
    add_doctor(store, Doctor(name="Dr Ben Okafor"))
    assert index.search("okafor") == []
    index.refresh()
    assert [h.kind for h in index.search("okafor")] == ["doctor"]


def test_control_characters_never_reach_titles_or_snippets(store):
    doctor = add_doctor(store, Doctor(name="Dr \x1b[31mRed\x1b[0m"))
    visit = new_consultation(store, title="Bad\x1b]0;title\x07", doctor_id=doctor)
    save_note(store, visit.doc_id, "line one\nhidden \x9b2J clear\r\nescape")
    index = SearchIndex(store)
    for hit in index.search("red") + index.search("hidden") + index.search("bad"):
        for text in (hit.title, hit.snippet):
            assert not any(c in text for c in "\x1b\x07\x9b\r\n")
    assert "hidden \\x9b2J clear escape" in index.search("hidden")[0].snippet


def test_hand_edited_records_are_indexed_leniently(store):
    store.table("consultations").insert({"title": 5, "note": ["x"], "questions": "bad",
                                         "date": "never", "doctor_id": "1"})
    store.table("doctors").insert({"name": None, "notes": "Findable note",
                                   "records": {"slides": {"state": "sent"}}})
    index = SearchIndex(store)
    assert [h.title for h in index.search("findable")] == ["Doctor: (no name)"]
    # A title stored as a number reads as that number, as in the Notes list.
    assert [h.title for h in index.search("5") if h.kind == CONSULTATION] == [
        "Consultation: 5 (no date)"]


def test_snippets_and_titles_are_cut_between_words():
    words = " ".join(f"word{n:02d}" for n in range(60))
    cut = snippet(words, ["word30"])
    assert cut.startswith("…") and cut.endswith("…") and "word30" in cut
    assert all(re.fullmatch(r"word\d\d", piece) for piece in cut.strip("…").split())
    assert len(cut) <= SNIPPET + 2
    title = _clean(words)
    assert title.endswith("…") and len(title) <= TITLE_ROOM
    assert all(re.fullmatch(r"word\d\d", piece) for piece in title.strip("…").split())
    # One long word is still cut, at the room.
    assert _clean("x" * 200) == "x" * (TITLE_ROOM - 1) + "…"


def test_snippet_cuts_around_the_first_match():
    text = "word " * 40 + "needle in the middle " + "tail " * 40
    cut = snippet(text, ["needle"])
    assert cut.startswith("…") and cut.endswith("…") and "needle" in cut
    assert len(cut) <= 62
    assert snippet("short text", ["short"]) == "short text"
    assert snippet("İstanbul clinic", ["clinic"]).endswith("clinic")


def test_glossary_terms_are_found_by_their_names_with_their_short_meaning(store):
    glossary = load_glossary()
    index = SearchIndex(store)
    hits = index.search("biomarker")
    # The term of that very name first, before the checklist item and guidance using it.
    assert (hits[0].kind, hits[0].title, hits[0].target) == (
        "glossary", "Glossary: Biomarker", ("glossary", "biomarker"))
    assert hits[0].snippet == glossary.get("biomarker").summary
    assert hits[0].snippet.startswith("Something in the body or the tumor")
    assert {h.kind for h in hits[1:]} <= {"checklist", "guidance"}
    # Every term, by any of its names, in either spelling, singular or plural.
    for term in glossary.terms:
        assert ("glossary", term.id) in [h.target for h in index.search(term.term, 80)]
    for query, term_id in (("tumour markers", "tumor-markers"), ("biopsies", "biopsy"),
                           ("PET-CT", "pet"), ("financial counsellor", "financial-counselor"),
                           ("biomarkers", "biomarker")):
        assert ("glossary", term_id) in [h.target for h in index.search(query)], query
    # Not by the words of its definition: a common word would list half the glossary.
    assert not [h for h in index.search("microscope") if h.kind == "glossary"]


def test_glossary_hits_list_a_to_z_and_their_meanings_stay_short(store):
    index = SearchIndex(store)
    hits = [h for h in index.search("glossary", limit=200) if h.kind == "glossary"]
    glossary = load_glossary()
    assert [h.target[1] for h in hits] == [t.id for t in glossary.sorted()]
    assert all(0 < len(h.snippet) <= SUMMARY_ROOM and "\n" not in h.snippet for h in hits)


def test_an_exact_title_comes_before_titles_that_only_hold_the_words(store):
    new_consultation(store, title="Biomarker results call", day=date(2026, 11, 3))
    index = SearchIndex(store)
    titles = [h.title for h in index.search("biomarker")]
    assert titles[0] == "Glossary: Biomarker"
    assert titles[1].startswith("Consultation: Biomarker results call")
