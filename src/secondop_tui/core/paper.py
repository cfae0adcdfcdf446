"""The workbook on paper: one self-contained web page to print (``--format html``).

Every part of the export (and the whole workbook) becomes one HTML file with its own
print stylesheet: A4 or US Letter (the printer's choice, or one named with ``paper``),
each part starting on a new page, a header with the title and the page number on every
page, large type, boxes that print as boxes to tick by hand, and nothing that needs
colour. The visit pack keeps to one page as its text does: it is made of the same parts
with the same budgets of lines.

The page is made by a Jinja2 template that escapes every value for HTML, and a strict
Content-Security-Policy allows no script and nothing from outside the file: no text from
the workbook can run as markup or script, or make the page fetch anything. Control
characters are shown as visible escapes first. Never imports Textual.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from secondop_tui import __version__
from secondop_tui.core import clock
from secondop_tui.core.content import NOT_ADVICE
from secondop_tui.core.dates import format_date, format_datetime, show_date
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.text import as_text, escape_controls, one_line

PAPERS = {"auto": "auto", "a4": "A4", "letter": "letter"}
TEMPLATES = Path(__file__).with_name("templates")
PART_TITLES = {"checklist": "Checklist", "doctors": "Doctors",
               "notes": "Consultation notes", "comparison": "Comparison of opinions",
               "timeline": "Timeline", "guidance": "Guidance", "visit-pack": "Visit pack"}
WHOLE_TITLE = "Second opinion workbook"


# The page's building blocks ------------------------------------------------------------
@dataclass
class Block:
    """One thing on the page. ``kind`` picks how the template shows it:

    ``heading`` (``text``, ``level``, ``note`` after it), ``para`` (``text``, ``style``:
    "" or "muted" or "warning"), ``fields`` (``rows`` of (label, value)), ``checks``
    (``items``: :class:`Check`), ``bullets`` (``items`` of (level, text)), ``table``
    (``head``, ``rows`` of (label, differs, cells)), ``note`` (``text`` kept as typed,
    line by line), ``events`` (``items``: :class:`Event`), ``terms`` (``rows`` of (term,
    definition)).
    """

    kind: str
    text: str = ""
    level: int = 3
    note: str = ""
    style: str = ""
    rows: list[Any] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    head: list[str] = field(default_factory=list)


@dataclass
class Check:
    """A line with a box: ticked when ``done``; ``state`` says it in words too."""

    text: str
    done: bool = False
    state: str = ""
    details: list[str] = field(default_factory=list)


@dataclass
class Event:
    day: str
    symbol: str
    label: str
    warning: str = ""
    marker: bool = False  # the "today" line


@dataclass
class Section:
    """One part of the page, which starts on a new sheet."""

    id: str
    title: str
    blocks: Iterable[Block]
    compact: bool = False  # the visit pack: smaller type, to keep to one page


def _line(text: Any) -> str:
    return " ".join(one_line(as_text(text)).split())


def _text(text: Any) -> str:
    """User text kept as typed (its line breaks too), controls shown as escapes."""
    return escape_controls(as_text(text).replace("\r\n", "\n").replace("\r", "\n"))


# The parts -----------------------------------------------------------------------------
def checklist_section(store: WorkbookStore) -> Section:
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.checklist import Checklist, progress_words

    checklist = Checklist(store)
    today = clock.today()
    done, total = checklist.progress()

    def blocks() -> Iterator[Block]:
        yield Block("para", f"{progress_words(done, total)}.", style="muted")
        for group in checklist.groups():
            yield Block("heading", _line(group.title), level=3,
                        note=progress_words(group.done, group.total))
            items = []
            for item in group.items:
                details = []
                if item.due:
                    late = " (OVERDUE)" if item.overdue(today) else ""
                    details.append(f"Due: {format_date(item.due)}{late}")
                if item.note.strip():
                    details.append(f"Note: {_text(item.note)}")
                for call in item.calls:
                    details.append("Insurance call: " + call.heading(_line)
                                   + (f": {_line(call.said)}" if call.said else ""))
                # The box says it: ticked, or empty to tick by hand.
                items.append(Check(_line(item.title), item.done, "", details))
            yield Block("checks", items=items)

    return Section("checklist", "Checklist", blocks())


def doctors_section(store: WorkbookStore) -> Section:
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.doctors import doctor_fields, list_doctors

    doctors = sorted(list_doctors(store), key=lambda d: d.name.casefold())

    def blocks() -> Iterator[Block]:
        if not doctors:
            yield Block("para", "No doctors yet.")
        for doctor in doctors:
            yield Block("heading", _line(doctor.name) or "(no name)", level=2)
            for section, rows in doctor_fields(doctor):
                yield Block("heading", section, level=4)
                yield Block("fields", rows=[(label, _text(value) or "—")
                                            for label, value in rows])

    return Section("doctors", "Doctors", blocks())


def notes_section(store: WorkbookStore, only: list[int] | None = None) -> Section:
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core import notes
    from secondop_tui.core.doctors import doctor_names

    stored = notes._newest_first(store)[::-1]
    if only is not None:
        wanted = set(only)
        stored = [doc for doc in stored if doc.doc_id in wanted]
    names = doctor_names(store)

    def blocks() -> Iterator[Block]:
        if not stored:
            yield Block("para", "No consultations yet.")
        for doc in stored:  # each read only when it is written
            visit = notes.Consultation.from_dict(doc, doc.doc_id)
            yield Block("heading", f"{show_date(visit.date, 'no date')}: "
                                   f"{visit.display_title}", level=2)
            who = names.get(visit.doctor_id) if visit.doctor_id is not None else None
            yield Block("para", f"Doctor: {who or 'no doctor named'}")
            if visit.questions:
                yield Block("heading", "Questions", level=4)
                checks = []
                for q in visit.questions:
                    flags = (" ★ top three" if q.top else "") + (
                        " (follow-up)" if q.follow_up else "")
                    details = [f"Answer: {_text(q.answer)}"] if q.answer else []
                    checks.append(Check(_line(q.text), q.state == notes.ANSWERED,
                                        f"{notes.STATE_SYMBOLS[q.state]} {q.state}{flags}",
                                        details))
                yield Block("checks", items=checks)
            yield Block("heading", "Notes", level=4)
            if visit.note.strip():
                yield Block("note", _text(visit.note).strip("\n"))
            else:
                yield Block("para", "(no notes)", style="muted")

    return Section("notes", "Consultation notes", blocks())


def comparison_section(store: WorkbookStore,
                       consultation_ids: list[int] | None = None) -> Section:
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core import opinions as op

    ids = op._consultations_with_opinions(store) if consultation_ids is None \
        else list(consultation_ids)

    def blocks() -> Iterator[Block]:
        if not ids:
            yield Block("para", "No opinions recorded yet.")
            return
        comparison = op._comparison(store, ids)
        rows = [row for row in comparison.rows if row.any_given]
        count = len(comparison.differing())
        yield Block("para", f"{len(ids)} opinion{'s' if len(ids) != 1 else ''}; " + (
            "no field differs." if count == 0 else
            f"{count} field{'s' if count != 1 else ''} marked {op.DIFFERS} (two doctors "
            "gave different answers).") + f" {op.NOT_GIVEN} means the doctor did not "
            "give it.")
        if not rows:
            yield Block("para", "The opinions hold nothing yet.")
            return
        head = [_line(c.doctor or "No doctor") + (f" ({c.when})" if c.when else "")
                for c in comparison.columns]
        yield Block("table", head=head, rows=[
            (row.label, op.DIFFERS if row.differs else "", [_text(v) for v in row.values])
            for row in rows])

    return Section("comparison", "Comparison of opinions", blocks())


def timeline_section(store: WorkbookStore) -> Section:
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.timeline import WARNING, timeline, timing_warnings

    today = clock.today()
    events = timeline(store, today)

    def blocks() -> Iterator[Block]:
        if not events:
            yield Block("para", "Nothing dated yet: add the date of diagnosis, "
                                "consultations, or appointments.")
            return
        for warning in timing_warnings(store, today, events):
            yield Block("para", f"{WARNING} {_line(warning)}.", style="warning")
        rows: list[Event] = []
        placed = False
        for event in events:
            if not placed and event.day > today:
                rows.append(Event(format_date(today), "", "today", marker=True))
                placed = True
            rows.append(Event(format_date(event.day), event.symbol, _line(event.label),
                              f"{WARNING} {_line(event.warning)}" if event.warning else ""))
        if not placed:
            rows.append(Event(format_date(today), "", "today", marker=True))
        yield Block("events", items=rows)

    return Section("timeline", "Timeline", blocks())


def guidance_section(store: WorkbookStore | None = None, sections=None) -> Section:
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.glossary import load_glossary
    from secondop_tui.core.guidance import load_guidance, strip_inline

    chosen = load_guidance() if sections is None else sections

    def blocks() -> Iterator[Block]:
        yield Block("para", NOT_ADVICE, style="muted")
        for section in chosen:
            bullets: list[tuple[int, str]] = []
            for block in section.blocks:
                text = strip_inline(block.text)
                if block.kind in ("bullet", "source"):
                    bullets.append((0, text))
                    continue
                if bullets:
                    yield Block("bullets", items=bullets)
                    bullets = []
                if block.kind == "title":
                    yield Block("heading", f"{section.number}. {text}", level=2)
                elif block.kind in ("heading", "sources"):
                    yield Block("heading", text, level=4)
                elif block.kind == "paragraph":
                    yield Block("para", text)
            if bullets:
                yield Block("bullets", items=bullets)
        glossary = load_glossary()
        yield Block("heading", "Glossary", level=2)
        yield Block("terms", rows=[(t.term, t.definition) for t in glossary.sorted()])
        used = [s for s in glossary.sources.values()
                if any(t.source == s.id for t in glossary.terms)]
        if used:
            yield Block("heading", "Sources of the glossary", level=4)
            yield Block("bullets", items=[
                (0, f"{s.organisation}, \u201c{s.title}\u201d" + (f": {s.url}" if s.is_page
                                                                  else ""))
                for s in used])

    return Section("guidance", "Guidance", blocks())


def visit_pack_section(store: WorkbookStore, doctor_query: str) -> Section:
    """The visit pack for one doctor (``LookupError`` when the name matches none or
    several), on one page."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.visitpack import visit_pack

    pack = visit_pack(store, doctor_query)
    blocks = [Block("para", pack.prepared), Block("para", NOT_ADVICE, style="muted")]
    for part in pack.sections:
        blocks.append(Block("heading", _line(part.heading + part.about), level=3))
        if part.kind == "questions" and part.items and part.items[0][1][:1].isdigit():
            blocks.append(Block("checks", items=[Check(_line(text)) for _, text in part.items]))
        else:
            blocks.append(Block("bullets", items=[(level, _line(text))
                                                  for level, text in part.items]))
    blocks.append(Block("para", pack.left_out, style="muted"))
    return Section("visit-pack", f"Visit pack for {_line(pack.doctor.display_name)}",
                   blocks, compact=True)


SECTIONS = {"checklist": checklist_section, "doctors": doctors_section,
            "notes": notes_section, "comparison": comparison_section,
            "timeline": timeline_section}


# The page ------------------------------------------------------------------------------
def css_string(text: str) -> str:
    """``text`` as the inside of a CSS string: everything but letters, digits and a few
    safe marks as a CSS escape, so nothing can end the string or the stylesheet."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:-()")
    # An escape is ended by a space, which CSS takes as part of it.
    return "".join(c if c in safe else f"\\{ord(c):x} " for c in text)


@lru_cache(maxsize=1)
def _environment():
    # deferred: start-up speed (loaded only on the path that uses it)
    import jinja2

    def finalize(value: Any) -> Any:
        # Every value shown: its control characters as visible escapes, before the
        # template escapes it for HTML.
        return escape_controls(value) if isinstance(value, str) else value

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, finalize=finalize,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _style(header: str, paper: str) -> str:
    css = (TEMPLATES / "paper.css").read_text(encoding="utf-8")
    return (css.replace("/*PAPER*/auto", PAPERS.get(paper, "auto"))
            .replace("/*HEADER*/\"\"", f"\"{css_string(header)}\""))


def document_chunks(title: str, sections: Iterable[Section], *,
                    paper: str = "auto") -> Iterator[str]:
    """The page holding ``sections``, in pieces, made as they are written."""
    title = _line(title)
    style = _style(f"{title} · secondop-tui", paper)
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode()
    policy = (f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'; "
              "font-src 'none'; base-uri 'none'; form-action 'none'")
    # deferred: start-up speed (loaded only on the path that uses it)
    from markupsafe import Markup

    template = _environment().get_template("paper.html")
    yield from template.generate(
        title=title, style=Markup(style), policy=policy, sections=sections,
        prepared=format_datetime(clock.now()), version=__version__)


def part_sections(store: WorkbookStore, only: str | None = None, *,
                  doctor: str | None = None) -> tuple[str, list[Section]]:
    """The title and the sections of the page for a part (``only``) or the whole
    workbook. ``LookupError`` for a visit pack whose doctor is not found; ``ValueError``
    for a visit pack with no doctor named."""
    if only is None:
        return WHOLE_TITLE, [build(store) for build in SECTIONS.values()]
    if only == "visit-pack":
        if doctor is None:
            raise ValueError("The visit-pack is for one doctor: name the doctor.")
        section = visit_pack_section(store, doctor)
        return section.title, [section]
    if only == "guidance":
        return PART_TITLES[only], [guidance_section(store)]
    if only not in SECTIONS:
        raise KeyError(only)
    return PART_TITLES[only], [SECTIONS[only](store)]


def html_chunks(store: WorkbookStore, only: str | None = None, *,
                doctor: str | None = None, paper: str = "auto") -> Iterator[str]:
    """The page for a part or the whole workbook, in pieces. Raises at once (not when
    iterated) what :func:`part_sections` raises."""
    title, sections = part_sections(store, only, doctor=doctor)
    return document_chunks(title, sections, paper=paper)


def render_html(store: WorkbookStore, only: str | None = None, *,
                doctor: str | None = None, paper: str = "auto") -> str:
    """The page for a part (``only``) or the whole workbook, as one text."""
    return "".join(html_chunks(store, only, doctor=doctor, paper=paper))


def render_sections(title: str, sections: Iterable[Section], paper: str = "auto") -> str:
    """A page of chosen sections (one consultation's notes, some opinions compared)."""
    return "".join(document_chunks(title, sections, paper=paper))
