"""The web page to print (``export --format html``): every part there, nothing from a
field running as markup or script, and the visit pack on one sheet of A4 and of Letter.

The page is read with Python's HTML parser, and opened and printed to PDF by the real
headless Chromium (``Page.printToPDF``, as a person's "Save as PDF" does).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondop_tui.core import notes
from secondop_tui.core.checklist import Checklist
from secondop_tui.core.doctors import RECORD_KINDS, Doctor, RecordSent, add_doctor
from secondop_tui.core.export import export
from secondop_tui.core.opinions import Opinion, save_opinion
from secondop_tui.core.profile import Profile, save_profile
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.text import escape_controls
from tests.helpers import HOSTILE_PIECES, seed_opinions
from tests.system_needs import chromium

WHOLE = ["part-checklist", "part-doctors", "part-notes", "part-comparison", "part-timeline"]
SRC = Path(__file__).resolve().parents[1] / "src"
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
PAPERS = {"A4": (8.27, 11.69), "Letter": (8.5, 11.0)}  # inches
ATTACK = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned=1\">" \
         "</style><b id=injected>bold</b>"


class Page(HTMLParser):
    """What a page is made of: its tags with their attributes' names, the text of its
    style and of its body."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[str, ...]]] = []
        self.attrs: list[dict[str, str | None]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._in_style = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(name for name, _ in attrs)))
        self.attrs.append(dict(attrs))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)

    @property
    def sections(self) -> list[str]:
        return [a["id"] for (tag, _), a in zip(self.tags, self.attrs) if tag == "section"]


def fill(store: WorkbookStore, text: str = "x") -> None:
    """Every kind of record, each text field holding ``text`` (or "x" and more)."""
    seed_opinions(store, 2)
    doctor = add_doctor(store, Doctor(name=f"Dr {text}", degree=text, notes=text,
                                      location=text, phone=text, affiliation=text,
                                      appointment="2026-12-01T09:00"))
    visit = notes.new_consultation(store, title=text, doctor_id=doctor, day=date(2026, 11, 25))
    notes.set_questions(store, visit.doc_id, [
        notes.AgendaItem(text, top=True), notes.AgendaItem(text, state=notes.ANSWERED,
                                                           answer=text)])
    notes.save_note(store, visit.doc_id, text)
    save_opinion(store, Opinion(visit.doc_id, cancer_type=text, stage=text, plan=[text],
                                start_by="2026-12-05"))
    checklist = Checklist(store)
    first = checklist.groups()[0].items[0]
    checklist.set_note(first.id, text)
    save_profile(store, Profile(diagnosis=text, diagnosis_date="2026-10-01",
                                medications=text, allergies=text))


def full_visit_pack(store: WorkbookStore) -> str:
    """A workbook where every part of the visit pack is longer than its budget; the
    doctor's name."""
    long = ("invasive ductal carcinoma of the left breast, hormone receptor positive, "
            "HER2 low, with two lymph nodes involved on the sentinel node biopsy; ")
    save_profile(store, Profile(diagnosis=long * 6, diagnosis_date="2026-09-01",
                                medications="letrozole 2.5 mg daily; " * 20,
                                allergies="penicillin (rash); " * 10, other=long * 2))
    names = []
    for i in range(4):
        doctor = add_doctor(store, Doctor(
            name=f"Dr Doctor Number{i} Longname-Surname", degree="MD, PhD",
            appointment=f"2026-12-{10 + i:02d}T09:30",
            records={key: RecordSent("sent", {"requested": "2026-11-01", "sent": "2026-11-05"})
                     for key, _ in RECORD_KINDS}))
        names.append(f"Dr Doctor Number{i} Longname-Surname")
        visit = notes.new_consultation(store, title=f"Opinion {i}", doctor_id=doctor,
                                       day=date(2026, 10, 1 + i))
        save_opinion(store, Opinion(visit.doc_id, cancer_type="breast", histology=long,
                                    stage=f"II{'AB'[i % 2]}", grade=str(i), goal="cure",
                                    plan=[long, "surgery", "radiation", "endocrine therapy"],
                                    start_by=f"2026-11-{20 + i:02d}"))
    upcoming = notes.new_consultation(store, title="Visit", doctor_id=doctor,
                                      day=date(2026, 12, 13))
    notes.set_questions(store, upcoming.doc_id, [
        notes.AgendaItem(f"Question {n}: would the plan change if more nodes are involved?",
                         top=n < 3) for n in range(12)])
    return names[-1]


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    path = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "secondop_tui", "--data-dir", str(data_dir),
                           *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": path})


# The page, read ----------------------------------------------------------------------------
def test_the_whole_workbook_has_every_part_each_on_its_own_sheet(store):
    fill(store)
    page = Page(export(store, None, "html"))
    assert page.sections == WHOLE
    assert ".part + .part { break-before: page;" in page.styles[0]
    text = "".join(page.text)
    for title in ("Checklist", "Doctors", "Consultation notes", "Comparison of opinions",
                  "Timeline"):
        assert f"\n{title}\n" in text or f">{title}<" in text or title in text
    for name, section in (("checklist", "part-checklist"), ("guidance", "part-guidance"),
                          ("timeline", "part-timeline"), ("comparison", "part-comparison")):
        assert Page(export(store, name, "html")).sections == [section]
    pack = Page(export(store, "visit-pack", "html", doctor="Dr x"))
    assert pack.sections == ["part-visit-pack"]
    assert "Visit pack for Dr x, x" in "".join(pack.text)


def test_the_page_is_self_contained_and_allows_no_script(store):
    fill(store)
    html = export(store, None, "html")
    page = Page(html)
    assert not {tag for tag, _ in page.tags} & {"script", "link", "img", "iframe", "object",
                                                "form", "base", "a"}
    [policy] = [a["content"] for a in page.attrs
                if a.get("http-equiv") == "Content-Security-Policy"]
    [style] = page.styles
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert policy.startswith("default-src 'none'; ")
    assert f"style-src 'sha256-{digest}'" in policy and "script-src" not in policy
    assert "@page" in style and "counter(pages)" in style  # the header on every page
    assert not re.search(r"url\(|@import|https?:", style)


def test_the_paper_size_can_be_named(store, data_dir: Path, tmp_path: Path):
    fill(store)
    assert "size: auto;" in export(store, None, "html")
    assert "size: A4;" in export(store, None, "html", paper_size="a4")
    store.close()
    target = tmp_path / "visit.html"
    out = run(data_dir, "export", "--only", "visit-pack", "--doctor", "Dr x", "--format",
              "html", "--paper", "letter", "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert "size: letter;" in target.read_text(encoding="utf-8")
    assert (target.stat().st_mode & 0o777) == 0o600
    wrong = run(data_dir, "export", "--paper", "a4")
    assert wrong.returncode == 2 and "--paper goes with --format html" in wrong.stderr


def test_the_visit_pack_page_holds_what_its_text_holds(store):
    doctor = full_visit_pack(store)
    text = export(store, "visit-pack", "text", doctor=doctor)
    page = "".join(Page(export(store, "visit-pack", "html", doctor=doctor)).text)
    flat = " ".join(page.split())
    for cut in re.findall(r"… (\d+) more lines? cut here", text):
        assert f"… {cut} more line" in flat
    for heading in ("DIAGNOSIS SO FAR", "OPINIONS SO FAR", "TIMELINE",
                    "MEDICATIONS AND ALLERGIES", "TOP QUESTIONS FOR THIS VISIT"):
        assert heading in text and heading.title().lower() in flat.lower()
    assert "1. Question 0" in flat and "3. Question 2" in flat and "Question 3" not in flat


hostile = st.lists(st.one_of(st.text(max_size=6), st.sampled_from(HOSTILE_PIECES)),
                   min_size=1, max_size=6).map("".join)


@given(text=hostile)
def test_hostile_text_in_every_field_is_only_ever_text(text: str):
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        store = WorkbookStore.open(Path(scratch) / "data")
        benign = WorkbookStore.open(Path(scratch) / "benign")
        try:
            fill(store, text)
            fill(benign, "x" if text.strip() else text)
            html = export(store, None, "html")
            same_shape = export(benign, None, "html")
        finally:
            store.close()
            benign.close()
    assert not UNSAFE.search(html)
    page, expected = Page(html), Page(same_shape)
    # The same tags with the same attributes as the page of harmless text: nothing in a
    # field added an element or an attribute, or ended the style sheet.
    assert page.tags == expected.tags
    assert len(page.styles) == 1 and page.styles == expected.styles
    if text.strip() and "\n" not in text and "\r" not in text:
        assert " ".join(escape_controls(text).split()) in " ".join("".join(page.text).split())


# The page in Chromium ------------------------------------------------------------------------
def print_to_pdf(driver, paper_name: str, *, css_size: bool = False) -> bytes:
    width, height = PAPERS[paper_name]
    result = driver.execute_cdp_cmd("Page.printToPDF", {
        "paperWidth": width, "paperHeight": height, "printBackground": False,
        "preferCSSPageSize": css_size})
    return base64.b64decode(result["data"])


@pytest.mark.e2e
def test_in_chromium_every_part_is_there_and_nothing_runs(store, tmp_path: Path):
    fill(store, ATTACK)
    target = tmp_path / "workbook.html"
    target.write_text(export(store, None, "html"), encoding="utf-8")
    with chromium(tmp_path / "profile") as driver:
        driver.get(target.as_uri())
        found = driver.execute_script("""
            return {
              pwned: typeof window.__pwned,
              injected: document.getElementById('injected') !== null,
              scripts: document.scripts.length,
              images: document.images.length,
              sections: [...document.querySelectorAll('section.part')].map(s => s.id),
              titles: [...document.querySelectorAll('section.part > h1')].map(h => h.textContent),
              text: document.body.innerText,
              fontSize: getComputedStyle(document.body).fontSize,
              boxes: document.querySelectorAll('.box').length,
            };""")
        assert found["pwned"] == "undefined" and not found["injected"]
        assert found["scripts"] == 0 and found["images"] == 0
        assert found["sections"] == WHOLE
        assert found["titles"] == ["Checklist", "Doctors", "Consultation notes",
                                   "Comparison of opinions", "Timeline"]
        assert "<script>window.__pwned = 1</script>" in found["text"]
        assert '<b id=injected>bold</b>' in found["text"]
        # The style sheet's hash matched the policy, so it applies: large type.
        assert found["fontSize"] == "17.3333px"  # 13pt
        assert found["boxes"] > 50  # the checklist's and the questions' boxes
        pages = pdf_pages(print_to_pdf(driver, "A4"))
        assert pages >= len(WHOLE)  # each part starts a sheet of its own


@pytest.mark.e2e
@pytest.mark.parametrize("paper_name", sorted(PAPERS))
def test_the_visit_pack_prints_on_one_sheet(store, tmp_path: Path, paper_name: str):
    doctor = full_visit_pack(store)
    text = export(store, "visit-pack", "text", doctor=doctor)
    assert len(text.splitlines()) >= 58  # every part at its budget: a full page of text
    target = tmp_path / "visit.html"
    size = {"A4": "a4", "Letter": "letter"}[paper_name]
    target.write_text(export(store, "visit-pack", "html", doctor=doctor), encoding="utf-8")
    sized = tmp_path / "visit-sized.html"
    sized.write_text(export(store, "visit-pack", "html", doctor=doctor, paper_size=size),
                     encoding="utf-8")
    with chromium(tmp_path / "profile") as driver:
        driver.get(target.as_uri())
        assert driver.execute_script("return document.title") == f"Visit pack for {doctor}, MD, PhD"
        assert pdf_pages(print_to_pdf(driver, paper_name)) == 1
        driver.get(sized.as_uri())
        assert pdf_pages(print_to_pdf(driver, paper_name, css_size=True)) == 1
        # The whole workbook of the same person takes many sheets: the count is real.
        whole = tmp_path / "whole.html"
        whole.write_text(export(store, None, "html"), encoding="utf-8")
        driver.get(whole.as_uri())
        assert pdf_pages(print_to_pdf(driver, paper_name)) > 5
