"""Search everything: guidance, checklist, doctors, consultations, opinions and the
glossary's terms.

:class:`SearchIndex` reads the workbook once into one lowercase text per thing that can
be found; a query is then a few substring searches per text, done in C by ``str.find``,
which stays well under the time of a keystroke with thousands of long notes. Rebuild
with :meth:`SearchIndex.refresh` after a change. Never imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from secondop_tui.core.dates import show_date
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.tables import CONSULTATIONS, DOCTORS
from secondop_tui.core.text import as_text, one_line

if TYPE_CHECKING:
    from secondop_tui.core.glossary import Glossary

GUIDANCE, CHECKLIST, DOCTOR, CONSULTATION, OPINION, GLOSSARY = (
    "guidance", "checklist", "doctor", "consultation", "opinion", "glossary")
# When two hits match equally well: the user's own records before the guidance, and a
# doctor before the consultations with that doctor (a name is the commonest query). A
# glossary term is found by its names only, so it comes before the guidance sections
# that merely use the word.
KIND_ORDER = (DOCTOR, CONSULTATION, OPINION, CHECKLIST, GLOSSARY, GUIDANCE)
SNIPPET = 60  # characters of context shown around a match
TITLE_ROOM = 80
SUMMARY_ROOM = 120  # a glossary term's short meaning, shown instead of a snippet


@dataclass
class Hit:
    """One thing that matches: ``target`` says where to jump.

    ``("guidance", section_index)``, ``("checklist", item_id)``, ``("doctor", doc_id)``,
    ``("consultation", doc_id)``, ``("opinion", consultation_id)`` or ``("glossary",
    term_id)``. Title and snippet are single safe lines (control characters escaped; not
    Textual markup); a glossary term's snippet is its short meaning.
    """

    kind: str
    title: str
    snippet: str
    target: tuple


@dataclass
class _Entry:
    kind: str
    title: str
    title_lower: str
    text: str  # what the snippet is cut from
    lower: str  # title and text, lowercase: what is searched
    target: tuple
    order: int
    summary: str = ""  # shown instead of a snippet when set


def _strings(value: Any) -> list[str]:
    """Every non-empty text inside a stored document (nested dicts and lists too)."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _clean(text: str, room: int = TITLE_ROOM) -> str:
    line = " ".join(one_line(text).split())
    if len(line) <= room:
        return line
    cut = line.rfind(" ", 0, room)  # between words, unless the only break is early
    return line[: cut if cut > room // 2 else room - 1].rstrip() + "…"


class SearchIndex:
    """Lowercase texts of everything searchable, built once from a store."""

    def __init__(self, store: WorkbookStore) -> None:
        self.store = store
        self.entries: list[_Entry] = []
        self.refresh()

    # Building --------------------------------------------------------------------------
    def _add(self, kind: str, title: str, text: str, target: tuple,
             summary: str = "") -> None:
        title = _clean(title)
        self.entries.append(_Entry(kind, title, title.lower(), text,
                                   f"{title}\n{text}".lower(), target, len(self.entries),
                                   summary))

    def refresh(self) -> None:
        """Read the workbook again (after a change)."""
        self.entries = []
        self._add_guidance()
        self._add_checklist()
        doctors = self._add_doctors()
        consultations = self._add_consultations(doctors)
        self._add_opinions(doctors, consultations)
        self._add_glossary()

    def _add_guidance(self) -> None:
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.core.guidance import load_guidance

        try:
            sections = load_guidance()
        except OSError:
            return  # a broken installation: the rest can still be searched
        for index, section in enumerate(sections):
            self._add(GUIDANCE, f"Guidance: {section.title}", section.plain_text(),
                      (GUIDANCE, index))

    def _add_checklist(self) -> None:
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.core.checklist import Checklist

        try:
            groups = Checklist(self.store).groups()
        except OSError:
            return
        for group in groups:
            for item in group.items:
                parts = [item.why, item.note, group.title]
                parts += [f"{c.who} {c.reference} {c.said}" for c in item.calls]
                self._add(CHECKLIST, f"Checklist: {item.title}",
                          "\n".join(p for p in parts if p), (CHECKLIST, item.id))

    # Doctors and consultations are read from the stored documents directly: building
    # thousands of model objects (and formatting every date) would cost more than the
    # searching itself. Values are read as text as the models read them (as_text).
    def _add_doctors(self) -> dict[int, str]:
        names: dict[int, str] = {}
        for doc in self.store.table(DOCTORS).all():
            name = one_line(as_text(doc.get("name"))).strip() or "(no name)"
            degree = one_line(as_text(doc.get("degree"))).strip()
            shown = f"{name}, {degree}" if degree else name
            names[doc.doc_id] = shown
            self._add(DOCTOR, f"Doctor: {shown}", "\n".join(_strings(doc)),
                      (DOCTOR, doc.doc_id))
        return names

    def _add_consultations(self, doctors: dict[int, str]) -> dict[int, str]:
        headings: dict[int, str] = {}
        docs = sorted(self.store.table(CONSULTATIONS).all(),  # newest first, as the Notes list
                      key=lambda d: (as_text(d.get("date")), as_text(d.get("created")), d.doc_id),
                      reverse=True)
        for doc in docs:
            when = show_date(as_text(doc.get("date")), "no date")
            doctor = doc.get("doctor_id")
            who = doctors.get(doctor, "") if isinstance(doctor, int) else ""
            heading = f"{when}, {who}" if who else when
            headings[doc.doc_id] = heading
            title = one_line(as_text(doc.get("title"))).strip() or "(untitled)"
            questions = doc.get("questions") if isinstance(doc.get("questions"), list) else []
            asked = "\n".join(f"{as_text(q.get('text'))} {as_text(q.get('answer'))}"
                              for q in questions if isinstance(q, dict))
            self._add(CONSULTATION, f"Consultation: {title} ({heading})",
                      "\n".join(p for p in (as_text(doc.get("note")), asked) if p),
                      (CONSULTATION, doc.doc_id))
        return headings

    def _add_opinions(self, doctors: dict[int, str], consultations: dict[int, str]) -> None:
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.core.opinions import FIELDS, field_text, list_opinions

        for opinion in list_opinions(self.store):
            heading = consultations.get(opinion.consultation_id)
            if heading is None:
                continue  # its consultation is gone
            values = [f"{f.label}: {field_text(opinion, f.key)}" for f in FIELDS
                      if field_text(opinion, f.key)]
            self._add(OPINION, f"Opinion: {heading}", "\n".join(values),
                      (OPINION, opinion.consultation_id))

    def _add_glossary(self) -> None:
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.core.glossary import load_glossary

        try:
            glossary = load_glossary()
        except (OSError, ValueError, KeyError, TypeError):
            return  # a broken installation: the rest can still be searched
        for title, text, target, summary in _glossary_rows(glossary):
            self._add(GLOSSARY, title, text, target, summary)

    # Searching -------------------------------------------------------------------------
    def search(self, query: str, limit: int = 50) -> list[Hit]:
        """Things whose text holds every word of ``query`` (ignoring case), best first.

        Hits whose title holds every word come first (words that start a word of the
        title before words found inside one), then by kind (the user's own records
        before the guidance), then by how early the first word occurs.
        """
        words = query.lower().split()
        if not words or limit <= 0:
            return []
        first = words[0]
        ranked: list[tuple[int, int, int, int, _Entry]] = []
        for entry in self.entries:
            lower = entry.lower
            position = lower.find(first)
            if position < 0:
                continue
            if all(word in lower for word in words[1:]):
                ranked.append((_title_rank(entry.title_lower, words),
                               KIND_ORDER.index(entry.kind), position, entry.order, entry))
        ranked.sort(key=lambda r: r[:4])
        return [self._hit(entry, words) for *_, entry in ranked[:limit]]

    @staticmethod
    def _hit(entry: _Entry, words: list[str]) -> Hit:
        return Hit(entry.kind, entry.title, entry.summary or snippet(entry.text, words),
                   entry.target)


@lru_cache(maxsize=2)
def _glossary_rows(glossary: Glossary) -> tuple[tuple[str, str, tuple, str], ...]:
    """(title, text, target, summary) of each glossary term, worked out once: the
    glossary does not change while the app runs, the workbook does (each refresh).

    A term is found by its names only (in either spelling, singular or plural): a word
    inside a definition would list half the glossary for a common word. A to Z, so that
    equal hits list in that order."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.glossary import written_forms

    return tuple((f"Glossary: {term.term}", "\n".join(written_forms(term)),
                  (GLOSSARY, term.id), _clean(term.summary, SUMMARY_ROOM))
                 for term in glossary.sorted())


def _title_rank(title: str, words: list[str]) -> int:
    """-1: the title, after its kind ("Glossary: "), is the query; 0: every word starts a
    word of the title; 1: every word is in it; 2: otherwise."""
    if not all(word in title for word in words):
        return 2
    if " ".join(title.split(": ", 1)[-1].split()) == " ".join(words):
        return -1
    starts = f" {' '.join(title.replace('(', ' ').replace(':', ' ').split())}"
    return 0 if all(f" {word}" in starts for word in words) else 1


def snippet(text: str, words: list[str], room: int = SNIPPET) -> str:
    """One safe line of ``text`` around the first place one of ``words`` occurs."""
    lower = text.lower()
    if len(lower) != len(text):
        text = lower  # a few letters change length in lowercase: cut the lowercase text
    found = [p for p in (lower.find(w) for w in words) if p >= 0]
    if not found:
        return _clean(text[:room], room)
    at = min(found)
    start = max(0, at - room // 3)
    if start:
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space > at - room // 2 else start
    end = start + room
    if end < len(text):  # end between words too, after the match
        space = text.rfind(" ", start, end + 1)
        if space > max(at, start + room // 2):
            end = space
    line = " ".join(one_line(text[start:end]).split())
    return ("…" if start else "") + line + ("…" if end < len(text) else "")
