"""Consultations: the note typed during a visit, its question agenda, and their export.

A consultation is kept in the ``consultations`` table as a plain dict (see
:meth:`Consultation.to_dict`). Answers are typed into the note itself, under a marker
line ``Q2 (answered): the question`` that the app inserts; :func:`answers_in_note` reads
them back so the export can show each question with its answer. Never imports Textual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from tinydb import Query

from secondop_tui.core import clock, tables
from secondop_tui.core.dates import iso_date, show_date, stored_date
from secondop_tui.core.doctors import doctor_names
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.text import as_text, escape_controls, one_line, wrap, wrap_block

TABLE = tables.CONSULTATIONS

OPEN, ASKED, ANSWERED, DEFERRED = "open", "asked", "answered", "deferred"
STATES = (OPEN, ASKED, ANSWERED, DEFERRED)
# Never state by colour alone: each state has a symbol as well as its word.
STATE_SYMBOLS = {OPEN: "·", ASKED: "?", ANSWERED: "✓", DEFERRED: "→"}

READ_ONLY = "This workbook is open read-only: notes cannot be changed."

_STAMP = re.compile(r"^\[\d\d:\d\d\]")
_MARKER = re.compile(r"^Q(\d+) \((open|asked|answered|deferred)\):(?: |$)", re.MULTILINE)


@dataclass
class AgendaItem:
    """One question on a consultation's agenda, with what became of it."""

    text: str
    question_id: str = ""  # the bank's id, or "" for one typed for this visit only
    state: str = OPEN
    answer: str = ""
    top: bool = False  # one of the three that matter most
    follow_up: bool = False  # kept for a follow-up visit

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "question_id": self.question_id, "state": self.state,
                "answer": self.answer, "top": self.top, "follow_up": self.follow_up}

    @classmethod
    def from_dict(cls, raw: Any) -> "AgendaItem":
        raw = raw if isinstance(raw, dict) else {"text": as_text(raw)}
        state = raw.get("state")
        return cls(as_text(raw.get("text")), as_text(raw.get("question_id")),
                   state if state in STATES else OPEN, as_text(raw.get("answer")),
                   bool(raw.get("top")), bool(raw.get("follow_up")))

    @property
    def symbol(self) -> str:
        return STATE_SYMBOLS[self.state]


@dataclass
class Consultation:
    """A visit (or call) with a doctor, or with nobody in particular (``doctor_id`` None)."""

    date: str = ""  # ISO date
    title: str = ""
    doctor_id: int | None = None
    note: str = ""
    questions: list[AgendaItem] = field(default_factory=list)
    created: str = ""  # ISO date and time: orders consultations of the same day
    doc_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The stored form (without ``doc_id``, which TinyDB keeps)."""
        return {"date": self.date, "title": self.title, "doctor_id": self.doctor_id,
                "note": self.note, "questions": [q.to_dict() for q in self.questions],
                "created": self.created}

    @classmethod
    def from_dict(cls, raw: Any, doc_id: int | None = None) -> "Consultation":
        """Read a stored (maybe hand-edited) dict; bad or missing values get defaults."""
        raw = raw if isinstance(raw, dict) else {}
        doctor = raw.get("doctor_id")
        questions = raw.get("questions") if isinstance(raw.get("questions"), list) else []
        return cls(date=iso_date(raw.get("date")), title=as_text(raw.get("title")),
                   doctor_id=doctor if isinstance(doctor, int) and not isinstance(doctor, bool)
                   else None,
                   note=as_text(raw.get("note")),
                   questions=[AgendaItem.from_dict(q) for q in questions],
                   created=as_text(raw.get("created")), doc_id=doc_id)

    @property
    def day(self) -> date | None:
        return stored_date(self.date)

    @property
    def display_title(self) -> str:
        return one_line(self.title).strip() or "(untitled)"

    def unanswered(self) -> list[int]:
        """Indexes of the questions not answered yet (open, asked or deferred)."""
        return [i for i, q in enumerate(self.questions) if q.state != ANSWERED]

    def sort_key(self) -> tuple[str, str, int]:
        return (self.date, self.created, self.doc_id or 0)


def _newest_first(store: WorkbookStore) -> list[Any]:
    """The stored consultations in the order of :meth:`Consultation.sort_key`, newest first.

    Sorted before they are read whole, so that an export can read each one only when it
    writes it.
    """
    def key(doc: Any) -> tuple[str, str, int]:
        return (iso_date(doc.get("date")), as_text(doc.get("created")), doc.doc_id)

    return sorted(store.table(TABLE).all(), key=key, reverse=True)


# Store functions -------------------------------------------------------------------------
def list_consultations(store: WorkbookStore) -> list[Consultation]:
    """Every consultation, newest first (by date, then by when it was created)."""
    return [Consultation.from_dict(doc, doc.doc_id) for doc in _newest_first(store)]


def get_consultation(store: WorkbookStore, doc_id: int) -> Consultation | None:
    doc = store.table(TABLE).get(doc_id=doc_id)
    return None if doc is None else Consultation.from_dict(doc, doc_id)


def new_consultation(store: WorkbookStore, *, title: str = "", doctor_id: int | None = None,
                     day: date | None = None) -> Consultation:
    """Create and store a consultation dated today (the clock's today) unless told."""
    store.ensure_writable(READ_ONLY)
    consultation = Consultation(
        date=(day or clock.today()).isoformat(), title=one_line(title).strip(),
        doctor_id=doctor_id, created=clock.now().isoformat(timespec="seconds"))
    consultation.doc_id = store.table(TABLE).insert(consultation.to_dict())
    store.changed()
    return consultation


def update_consultation(store: WorkbookStore, consultation: Consultation) -> None:
    """Write an edited consultation back (a fresh dict; stored documents are never mutated)."""
    store.ensure_writable(READ_ONLY)
    if consultation.doc_id is None:
        raise ValueError("This consultation was never saved.")
    store.table(TABLE).update(consultation.to_dict(), doc_ids=[consultation.doc_id])
    store.changed()


def save_note(store: WorkbookStore, doc_id: int, note: str) -> bool:
    """Store the note's text (and the answers typed in it). False when nothing changed."""
    store.ensure_writable(READ_ONLY)
    doc = store.table(TABLE).get(doc_id=doc_id)
    if doc is None:
        return False
    if doc.get("note") == note:
        return False
    consultation = Consultation.from_dict(doc, doc_id)
    answers = answers_in_note(note)
    questions = [q.to_dict() | ({"answer": answers[i]} if i in answers else {})
                 for i, q in enumerate(consultation.questions)]
    store.update_record(TABLE, doc_id, {"note": note, "questions": questions})
    store.changed()
    return True


def delete_consultation(store: WorkbookStore, doc_id: int) -> None:
    """Delete a consultation and the opinion given at it."""
    store.ensure_writable(READ_ONLY)
    store.table(TABLE).remove(doc_ids=[doc_id])
    # Removed here rather than through delete_opinion, so that the CLI saves once.
    store.table(tables.OPINIONS).remove(Query().consultation_id == doc_id)
    store.changed()


def set_questions(store: WorkbookStore, doc_id: int, questions: list[AgendaItem]) -> None:
    """Replace a consultation's agenda."""
    store.ensure_writable(READ_ONLY)
    store.table(TABLE).update({"questions": [q.to_dict() for q in questions]},
                              doc_ids=[doc_id])
    store.changed()


# Timestamps and answers in the note -----------------------------------------------------
def timestamp_line(now: datetime | None = None) -> str:
    """The line inserted by the timestamp key: ``[09:30]``."""
    now = clock.now() if now is None else now
    return f"[{now:%H:%M}] "


def marker_line(index: int, item: AgendaItem) -> str:
    """The line under which a question's answer is typed: ``Q2 (asked): text``."""
    return f"Q{index + 1} ({item.state}): {one_line(item.text)}"


def find_marker(note: str, index: int) -> re.Match[str] | None:
    for match in _MARKER.finditer(note):
        if int(match.group(1)) == index + 1:
            return match
    return None


def ends_answer(line: str) -> bool:
    """A blank line, a marker or a timestamp line ends the answer above it."""
    return not line.strip() or bool(_MARKER.match(line) or _STAMP.match(line))


def answers_in_note(note: str) -> dict[int, str]:
    """The answers typed under marker lines: question index -> text.

    An answer is every line after the marker up to a blank line, the next marker or a
    timestamp line. A leading ``A:`` is dropped.
    """
    answers: dict[int, str] = {}
    lines = note.split("\n")
    current: int | None = None
    collected: list[str] = []

    def close() -> None:
        if current is not None:
            text = "\n".join(collected).strip()
            if text.startswith("A:"):
                text = text[2:].strip()
            if text:
                answers[current] = text

    for line in lines:
        match = _MARKER.match(line)
        if match:
            close()
            current, collected = int(match.group(1)) - 1, []
        elif current is not None and ends_answer(line):
            close()
            current, collected = None, []
        elif current is not None:
            collected.append(line)
    close()
    return answers


# Export ------------------------------------------------------------------------------------
def _question_lines(consultation: Consultation, md: bool) -> list[str]:
    """The agenda with each question's state and answer (empty when there is none)."""
    if not consultation.questions:
        return []
    lines = ["### Questions", ""] if md else ["Questions:"]
    first = "" if md else "  "
    for i, q in enumerate(consultation.questions, 1):
        flags = (" ★ top three" if q.top else "") + (" (follow-up)" if q.follow_up else "")
        lines += wrap(f"{i}. [{STATE_SYMBOLS[q.state]} {q.state}]{flags} {one_line(q.text)}",
                      first, "    ")
        if q.answer:
            lines += wrap(escape_controls(q.answer), "    Answer: ", "    ")
    lines.append("")
    return lines


def _notes_block(consultation: Consultation, md: bool) -> str:
    """The free notes, wrapped, with their heading, ending with one newline.

    A piece of its own: the notes are most of an export and usually plain ASCII, which is
    written out as it is, while the agenda's state symbols would make Python widen and
    re-encode the whole piece.
    """
    note = escape_controls(consultation.note).strip("\n")
    if not note.strip():
        return "### Notes\n\n(no notes)\n" if md else "Notes:\n  (no notes)\n"
    if md:
        return f"### Notes\n\n{wrap_block(note)}\n"
    return f"Notes:\n{wrap_block(note, '  ')}\n"


def render_consultation(store: WorkbookStore, consultation: Consultation,
                        fmt: str = "text", doctors: dict[int, str] | None = None) -> list[str]:
    """The pieces of text of one consultation (safe: the user's text is escaped).

    Joined, they end with one newline. ``doctors`` maps doctor ids to names; pass it
    when rendering many consultations.
    """
    md = fmt == "markdown"
    if doctors is None:
        doctors = doctor_names(store)
    # Names and titles come through one_line(), so they are already escaped.
    name = doctors.get(consultation.doctor_id) if consultation.doctor_id is not None else None
    head = f"{show_date(consultation.date, 'no date')}: {consultation.display_title}"
    if md:
        lines = [f"## {head}", ""]
    else:  # a long title on as many lines as it needs, the rule under the longest
        lines = wrap(head)
        lines += ["-" * max(map(len, lines)), ""]
    lines += wrap(f"Doctor: {name or 'no doctor named'}", "- " if md else "", "  ")
    lines.append("")
    lines += _question_lines(consultation, md)
    lines.append("")
    return ["\n".join(lines), _notes_block(consultation, md)]


def render_parts(store: WorkbookStore, fmt: str = "text",
                 only: list[int] | None = None) -> list[Iterable[str]]:
    """:func:`render` as lazy parts: the heading, then one for each consultation.

    Each consultation is read from its stored record only when its part is rendered.
    """
    stored = _newest_first(store)[::-1]
    if only is not None:
        wanted = set(only)
        stored = [doc for doc in stored if doc.doc_id in wanted]
    heading = "# Consultation notes\n" if fmt == "markdown" else "CONSULTATION NOTES\n"
    if not stored:
        return [(heading, "\nNo consultations yet.\n")]
    doctors = doctor_names(store)

    def part(doc: Any) -> Iterator[str]:
        # Each consultation starts after a blank line and ends with one newline.
        yield "\n"
        yield from render_consultation(store, Consultation.from_dict(doc, doc.doc_id), fmt,
                                       doctors)

    return [(heading,), *map(part, stored)]


def render_chunks(store: WorkbookStore, fmt: str = "text",
                  only: list[int] | None = None) -> Iterator[str]:
    """:func:`render` in pieces, a few for each consultation, for writing as they are made."""
    return chain.from_iterable(render_parts(store, fmt, only))


def render(store: WorkbookStore, fmt: str = "text",
           only: list[int] | None = None) -> str:
    """Every consultation (or those in ``only``), oldest first so it reads as a record."""
    return "".join(render_chunks(store, fmt, only))
