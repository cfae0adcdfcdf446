"""The glossary: its data, finding terms in a text, every term used, and its export."""

from __future__ import annotations

import json
import re

import pytest

from secondop_tui.core.checklist import load_defaults
from secondop_tui.core.content import assets_dir
from secondop_tui.core.export import export
from secondop_tui.core.glossary import (
    Glossary,
    Term,
    load_glossary,
    parse_glossary,
    render_glossary,
    terms_in,
    written_forms,
)
from secondop_tui.core.guidance import load_guidance, render_guidance
from secondop_tui.core.questions import default_groups

# The terms issue 15 names: each must be in the glossary, used or not.
LISTED = {
    "grade", "stage", "biomarker", "tumor-markers", "tissue-block", "slides",
    "pathology-report", "operative-report", "discharge-summary", "deductible", "copay",
    "medicare-approved-amount", "original-medicare", "medicare-advantage", "immunotherapy",
    "targeted-therapy", "chemotherapy", "radiation-therapy", "pet", "ct", "mri",
    "clinical-trial", "trial-phase", "treatment-goal", "tumor-board", "pathologist",
    "radiologist", "medical-oncologist", "surgical-oncologist", "radiation-oncologist",
    "board-certification", "prior-authorization", "in-network", "good-faith-estimate",
    "patient-portal", "hipaa", "genetic-counselor", "navigator",
}

# Named by the topics issue 15 asks the guidance to add (CLIA for slides and blocks, the
# Children's Oncology Group for children and teens).
TOPICS = {"clia", "cog", "no-surprises-act", "fertility-preservation"}


def packaged_text() -> str:
    """Everything the person reads: the guidance, the checklist and the questions."""
    parts = [s.plain_text() for s in load_guidance()]
    parts += [f"{i.title}. {i.why}" for g in load_defaults().groups for i in g.items]
    parts += [q.text for g in default_groups() for q in g.questions]
    return "\n".join(parts)


def small() -> Glossary:
    return Glossary((
        Term("oncologist", "Oncologist", "A cancer doctor."),
        Term("medical-oncologist", "Medical oncologist", "Treats with medicines."),
        Term("tumor-board", "Tumor board", "A meeting.", ("tumor board review",)),
        Term("ct", "CT scan", "X-ray pictures.", ("CT",)),
        Term("biopsy", "Biopsy", "A sample."),
        Term("in-network", "In-network", "Has a contract.", ("network",)),
        Term("counselor", "Financial counselor", "Helps with costs."),
    ))


def test_every_term_has_a_definition_a_source_and_a_unique_id():
    raw = json.loads((assets_dir() / "glossary.json").read_text(encoding="utf-8"))
    glossary = parse_glossary(raw)
    ids = [t.id for t in glossary.terms]
    assert len(ids) == len(set(ids)) and len(ids) >= len(LISTED)
    for term in glossary.terms:
        assert term.definition.endswith(".") and len(term.definition) < 300, term.id
        assert term.source in glossary.sources, term.id
    for source in glossary.sources.values():
        # A page, or the one note that a definition is the workbook's own.
        assert source.url.startswith("https://") or source.id == "own-description", source.id
        assert source.is_page == bool(source.url)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", glossary.checked)


def test_the_terms_the_issue_lists_are_all_there():
    ids = {t.id for t in load_glossary().terms}
    assert LISTED <= ids, LISTED - ids


def test_every_term_is_used_somewhere_or_is_a_listed_one():
    assert TOPICS <= {t.id for t in load_glossary().terms}
    text = packaged_text()
    found = {t.id for t in load_glossary().find(text)}
    unused = {t.id for t in load_glossary().terms} - found - LISTED - TOPICS
    assert not unused, f"glossary terms used nowhere: {sorted(unused)}"


@pytest.mark.parametrize("words", [
    "grade", "stage", "biomarker", "tumor markers", "tissue block", "operative report",
    "discharge summary", "deductible", "Medicare-approved amount", "Original Medicare",
    "Medicare Advantage", "immunotherapy", "targeted drugs", "PET", "phase",
])
def test_the_jargon_the_issue_names_is_explained_where_it_is_used(words):
    term = load_glossary().lookup(words)
    assert term is not None, words
    if words.lower() in packaged_text().lower():
        assert term in load_glossary().find(packaged_text())


def test_finding_is_whole_word_case_blind_plural_and_either_spelling():
    glossary = small()
    found = glossary.find("Two BIOPSIES and a tumour board review; a Tumor Board later.")
    assert [t.id for t in found] == ["biopsy", "tumor-board"]
    assert glossary.find("biopsyx and abiopsy") == []
    assert [t.id for t in glossary.find("financial counsellors")] == ["counselor"]
    assert [t.id for t in glossary.find("is he in network or out-of-network?")] == [
        "in-network"]


def test_the_longest_term_wins_and_acronyms_need_capitals():
    glossary = small()
    assert [t.id for t in glossary.find("Ask your medical oncologist.")] == [
        "medical-oncologist"]
    assert [t.id for t in glossary.find("An oncologist, then a medical oncologist")] == [
        "oncologist", "medical-oncologist"]
    assert [t.id for t in glossary.find("a CT and CT scans")] == ["ct"]
    assert glossary.find("the act of a ct, and a pet") == []


def test_the_term_at_a_cursor_or_the_nearest_before_it_on_its_line():
    glossary = small()
    line = "Saw the medical oncologist; a CT scan and a biopsy next week."
    at = line.index
    # In a term, at its first letter, or just after its last.
    assert glossary.term_at(line, at("oncologist")).id == "medical-oncologist"
    assert glossary.term_at(line, at("medical")).id == "medical-oncologist"
    assert glossary.term_at(line, at("CT") + 1).id == "ct"
    assert glossary.term_at(line, at("biopsy") + len("biopsy")).id == "biopsy"
    # Else the nearest one before the cursor on the line, never one after it.
    assert glossary.term_at(line, at("next week")).id == "biopsy"
    assert glossary.term_at(line, at("and a biopsy")).id == "ct"
    assert glossary.term_at(line, len(line)).id == "biopsy"
    assert glossary.term_at(line, at("medical") - 1) is None
    assert glossary.term_at(line, 0) is None
    assert glossary.term_at("", 0) is None
    assert glossary.term_at("the act of a ct", 15) is None  # acronyms need capitals
    assert glossary.term_at("two tumour boards", 17).id == "tumor-board"


def test_summary_written_forms_and_source_of_a_term():
    glossary = load_glossary()
    biopsy = glossary.get("biopsy")
    assert biopsy.summary == ("Taking a small piece of tissue, or some cells, so that a "
                              "pathologist can study it under a microscope.")
    for term in glossary.terms:
        assert term.definition.startswith(term.summary) and term.summary.strip()
    assert Term("x", "X", "One. Two.").summary == "One."
    assert Term("x", "X", "Costs 1.5 times more. Two.").summary == "Costs 1.5 times more."
    markers = written_forms(glossary.get("tumor-markers"))
    assert markers[0] == "Tumor markers"
    assert {"tumour markers", "tumor marker", "tumour marker"} <= set(markers)
    assert "biopsies" in written_forms(biopsy)
    assert "Financial counsellors" in written_forms(glossary.get("financial-counselor"))
    nci = glossary.source_of(biopsy)
    assert (nci.organisation, nci.title) == ("National Cancer Institute",
                                             "NCI Dictionary of Cancer Terms")
    assert glossary.source_of(Term("x", "X", "Y.", source="nowhere")) is None
    assert all(glossary.source_of(t) is not None for t in glossary.terms)


# Terms for which no page was found name no page: they say they are the workbook's own.
OWN = {"dicom", "hospital-affiliation", "remote-second-opinion", "pathology-review"}
CHECKED_ELSEWHERE = {"operative-report": "seer-operative", "discharge-summary": "merck-discharge",
                     "fellowship": "acp-fellowship", "financial-counselor": "nci-costs"}


def test_terms_without_a_checked_page_say_so_and_name_no_page():
    glossary = load_glossary()
    own = {t.id for t in glossary.terms if not glossary.source_of(t).is_page}
    assert own == OWN
    note = glossary.sources["own-description"]
    assert note.url == "" and "no checked source was found" in note.title
    for term_id, source_id in CHECKED_ELSEWHERE.items():
        assert glossary.get(term_id).source == source_id
        assert glossary.sources[source_id].is_page
    assert all(glossary.get(t).source != "nci-dictionary" for t in OWN | set(CHECKED_ELSEWHERE))


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_export_names_the_terms_that_are_the_workbooks_own(fmt):
    text = render_glossary(fmt)
    sources = text.split("Sources of the glossary", 1)[1]
    note = load_glossary().sources["own-description"]
    assert f"{note.organisation}, \"{note.title}\"" in " ".join(sources.split())
    own = sources[sources.index(note.organisation):]
    for term_id in OWN:
        assert load_glossary().get(term_id).term in " ".join(own.split())
    for source_id in CHECKED_ELSEWHERE.values():
        assert load_glossary().sources[source_id].url in sources
    # No empty line stands for a missing address.
    assert "\n  \n" not in sources


def test_terms_in_uses_the_packaged_glossary():
    ids = [t.id for t in terms_in("Ask about the Good Faith Estimate and your copays.")]
    assert ids == ["good-faith-estimate", "copay"]


def test_search_finds_names_first_then_definitions():
    glossary = load_glossary()
    hits = [t.id for t in glossary.search("  SCAN ")]
    assert hits[:3] == ["ct", "mri", "pet"]  # "scan" in their names, alphabetical
    assert "radiologist" in hits[3:]  # "scans" in its definition
    assert [t.id for t in glossary.search("tumour board")] [:1] == ["tumor-board"]
    assert len(glossary.search("")) == len(glossary.terms)
    assert glossary.search("zzzz") == []


def test_the_glossary_export_lists_every_term_with_its_sources():
    text = render_glossary("text")
    glossary = load_glossary()
    for term in glossary.terms:
        assert f"\n{term.term}\n" in text
    assert "Sources of the glossary" in text and "https://www.cancer.gov" in text
    assert all(len(line) <= 80 for line in text.splitlines() if "https://" not in line)
    markdown = render_glossary("markdown")
    assert markdown.startswith("## Glossary") and "**Good Faith Estimate**:" in markdown


def test_the_guidance_export_ends_with_the_glossary(store):
    text = export(store, "guidance", "text")
    sections = load_guidance()
    # One heading for the guidance, then its numbered sections; the glossary is a
    # heading of the same level after the last section and its sources.
    assert text.startswith("Guidance\n========\n")
    first = text.index(f"1. {sections[0].title}\n")
    last = text.index(f"{sections[-1].number}. {sections[-1].title}\n")
    assert first < last < text.index("\nGlossary\n========\n")
    assert "<!--" not in text and "not medical advice" in text
    assert text.endswith(render_glossary("text"))
    markdown = render_guidance("markdown")
    assert markdown.startswith("## ") and "## Glossary" in markdown
    # Not in the export of the workbook: it is the same in every workbook.
    assert "Glossary" not in export(store)
