"""Each doctor's opinion in a structured form, and the side-by-side comparison of opinions.

One opinion per consultation, kept in the ``opinions`` table as a plain dict (see
:meth:`Opinion.to_dict`) with the consultation's id in ``consultation_id``. Every field
is optional and most are free text, because the medical words vary from one doctor and
one report to the next. :func:`compare` lines two to four opinions up field by field and
marks the fields where they differ; :func:`render_comparison` prints that comparison for
the export. Never imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tinydb import Query

from secondop_tui.core import tables
from secondop_tui.core.dates import DateError, iso_date, parse_date, show_date
from secondop_tui.core.doctors import doctor_names
from secondop_tui.core.notes import get_consultation
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.text import as_text, escape_controls, one_line, wrap

TABLE = tables.OPINIONS
GOALS = ("cure", "control", "relief")

READ_ONLY = "This workbook is open read-only: opinions cannot be changed."
NOT_GIVEN = "—"  # how a field the doctor did not give is shown in a comparison
DIFFERS = "≠ differs"  # a symbol and a word: never colour alone
MIN_COLUMN = 24  # narrowest column that still reads well side by side in a text export
LABEL_COLUMN = 16

__all__ = [
    "DIFFERS", "FIELDS", "GOALS", "NOT_GIVEN", "TABLE", "CompareColumn", "CompareRow",
    "Comparison", "DateError", "Opinion", "OpinionField", "compare", "delete_opinion",
    "difference_question", "field_text", "get_opinion", "list_opinions",
    "render_comparison", "save_opinion",
]


def _steps(value: Any) -> list[str]:
    """Plan steps from a stored list, or from one text (one step a line) after a hand edit."""
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list):
        return []
    return [as_text(step).strip() for step in value if as_text(step).strip()]


class OpinionField(NamedTuple):
    """One field of an opinion as the form, the comparison and the export show it.

    ``kind`` is ``"text"``, ``"choice"`` (one of ``choices``, or nothing), ``"steps"``
    (an ordered list) or ``"date"``. ``phrase`` turns a value into words for a question
    (``"stage {}"``).
    """

    key: str
    label: str
    kind: str
    help: str
    choices: tuple[str, ...] = ()
    phrase: str = "{}"


# In the order the issue lists them; the form and the compare rows follow this list.
FIELDS: list[OpinionField] = [
    OpinionField("cancer_type", "Cancer type", "text",
                 "The kind of cancer, in the doctor's words (for example: breast, lung).",
                 phrase="the cancer type is {}"),
    OpinionField("histology", "Subtype or histology", "text",
                 "What the cells look like under the microscope, or the subtype.",
                 phrase="the subtype is {}"),
    OpinionField("grade", "Grade", "text",
                 "How abnormal the cells look (often a number or low/high).",
                 phrase="grade {}"),
    OpinionField("stage", "Stage", "text",
                 "How far the cancer has spread (for example: II, IIIA, T2 N1 M0).",
                 phrase="stage {}"),
    OpinionField("biomarkers", "Biomarkers", "text",
                 "Markers or gene results that guide treatment (for example: HER2+, EGFR).",
                 phrase="the biomarkers are {}"),
    OpinionField("goal", "Goal of treatment", "choice",
                 "What the treatment aims at: cure, control, or relief of symptoms.",
                 choices=GOALS, phrase="the goal is {}"),
    OpinionField("plan", "Recommended plan", "steps",
                 "The treatment the doctor recommends, one step a line, in order.",
                 phrase="the plan is {}"),
    OpinionField("alternatives", "Alternatives", "text",
                 "Other reasonable choices the doctor mentioned.",
                 phrase="the alternatives are {}"),
    OpinionField("trials", "Clinical trials suggested", "text",
                 "Any clinical trial the doctor suggested, with its name or number.",
                 phrase="the trials to consider are {}"),
    OpinionField("start_by", "Treatment should start by", "date",
                 "The date by which treatment should start, if the doctor gave one.",
                 phrase="treatment should start by {}"),
    OpinionField("certainty", "How certain", "text",
                 "How sure the doctor is, in their words.",
                 phrase="the certainty is {}"),
    OpinionField("would_change", "What would change their view", "text",
                 "A test result or finding that would make the doctor think again.",
                 phrase="what would change the view is {}"),
    OpinionField("report_received", "Written report received", "date",
                 "The day the doctor's written report arrived (empty while awaited).",
                 phrase="the report arrived {}"),
]
FIELDS_BY_KEY = {f.key: f for f in FIELDS}
_TEXT_KEYS = tuple(f.key for f in FIELDS if f.kind == "text")
_DATE_KEYS = tuple(f.key for f in FIELDS if f.kind == "date")


@dataclass
class Opinion:
    """What one doctor concluded at one consultation. Every field may stay empty."""

    consultation_id: int
    cancer_type: str = ""
    histology: str = ""
    grade: str = ""
    stage: str = ""
    biomarkers: str = ""
    goal: str = ""  # "" or one of GOALS
    plan: list[str] = field(default_factory=list)  # ordered steps
    alternatives: str = ""
    trials: str = ""
    start_by: str = ""  # ISO date or ""
    certainty: str = ""
    would_change: str = ""
    report_received: str = ""  # ISO date or ""
    doc_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The stored form (without ``doc_id``, which TinyDB keeps)."""
        out: dict[str, Any] = {"consultation_id": self.consultation_id}
        for f in FIELDS:
            value = getattr(self, f.key)
            out[f.key] = list(value) if f.kind == "steps" else value
        return out

    @classmethod
    def from_dict(cls, raw: Any, doc_id: int | None = None) -> "Opinion":
        """Read a stored (maybe hand-edited) dict; bad or missing values get defaults.

        A consultation id that is not a whole number becomes 0 (no consultation); a goal
        outside :data:`GOALS` and a date that is not ISO become empty; a plan typed as one
        text is split into one step a line.
        """
        raw = raw if isinstance(raw, dict) else {}
        consultation = raw.get("consultation_id")
        if isinstance(consultation, str) and consultation.strip().isdigit():
            consultation = int(consultation.strip())
        if not isinstance(consultation, int) or isinstance(consultation, bool):
            consultation = 0
        opinion = cls(consultation_id=consultation, doc_id=doc_id)
        for key in _TEXT_KEYS:
            setattr(opinion, key, as_text(raw.get(key)))
        goal = as_text(raw.get("goal")).strip().casefold()
        opinion.goal = goal if goal in GOALS else ""
        opinion.plan = _steps(raw.get("plan"))
        for key in _DATE_KEYS:
            setattr(opinion, key, iso_date(raw.get(key)))
        return opinion

    @property
    def is_empty(self) -> bool:
        """True when no field holds anything but spaces."""
        for f in FIELDS:
            value = getattr(self, f.key)
            if f.kind == "steps":
                if any(step.strip() for step in value):
                    return False
            elif as_text(value).strip():
                return False
        return True


# Store functions -------------------------------------------------------------------------
def _find(store: WorkbookStore, consultation_id: int):
    found = store.table(TABLE).search(Query().consultation_id == consultation_id)
    return found[0] if found else None


def get_opinion(store: WorkbookStore, consultation_id: int) -> Opinion:
    """The opinion given at a consultation (an empty one when none was recorded)."""
    doc = _find(store, consultation_id)
    if doc is None:
        return Opinion(consultation_id=consultation_id)
    opinion = Opinion.from_dict(doc, doc.doc_id)
    opinion.consultation_id = consultation_id
    return opinion


def _normalise(opinion: Opinion) -> None:
    """Check and tidy an opinion in place before it is stored.

    Dates may be typed in any form :func:`parse_date` reads; they are stored as ISO. A
    date that cannot be read raises :class:`DateError` naming the field.
    """
    for key in _DATE_KEYS:
        typed = as_text(getattr(opinion, key)).strip()
        if not typed:
            setattr(opinion, key, "")
            continue
        try:
            setattr(opinion, key, parse_date(typed).isoformat())
        except DateError as error:
            raise DateError(f"{FIELDS_BY_KEY[key].label}: {error}") from None
    goal = as_text(opinion.goal).strip().casefold()
    if goal and goal not in GOALS:
        raise ValueError(f"Goal of treatment: choose one of {', '.join(GOALS)}, or leave it "
                         "empty.")
    opinion.goal = goal
    opinion.plan = [as_text(step).strip() for step in opinion.plan if as_text(step).strip()]
    for key in _TEXT_KEYS:
        setattr(opinion, key, as_text(getattr(opinion, key)))


def save_opinion(store: WorkbookStore, opinion: Opinion) -> None:
    """Store an opinion, replacing the consultation's earlier one (an upsert).

    Refuses a read-only workbook (``PermissionError``) and an unknown consultation
    (``LookupError``). Dates are checked (``DateError`` with the field's name in the
    message) and the opinion is tidied in place: dates become ISO, empty plan steps go.
    Saving an empty opinion removes the stored one.
    """
    store.ensure_writable(READ_ONLY)
    if get_consultation(store, opinion.consultation_id) is None:
        raise LookupError("This consultation no longer exists, so its opinion cannot be "
                          "saved.")
    _normalise(opinion)
    table = store.table(TABLE)
    doc = _find(store, opinion.consultation_id)
    if opinion.is_empty:
        if doc is not None:
            table.remove(doc_ids=[doc.doc_id])
            store.changed()
        opinion.doc_id = None
        return
    if doc is None:
        opinion.doc_id = table.insert(opinion.to_dict())
    else:
        table.update(opinion.to_dict(), doc_ids=[doc.doc_id])
        opinion.doc_id = doc.doc_id
    store.changed()


def delete_opinion(store: WorkbookStore, consultation_id: int) -> None:
    """Forget the opinion given at a consultation (nothing happens when there is none)."""
    store.ensure_writable(READ_ONLY)
    table = store.table(TABLE)
    ids = [doc.doc_id for doc in table.search(Query().consultation_id == consultation_id)]
    if ids:
        table.remove(doc_ids=ids)
        store.changed()


def list_opinions(store: WorkbookStore) -> list[Opinion]:
    """Every opinion that holds something, by consultation id (the order they were made)."""
    found = [Opinion.from_dict(doc, doc.doc_id) for doc in store.table(TABLE).all()]
    return sorted((o for o in found if not o.is_empty and o.consultation_id > 0),
                  key=lambda o: o.consultation_id)


# Showing fields -----------------------------------------------------------------------------
def field_text(opinion: Opinion, key: str) -> str:
    """The value of one field as shown: one safe line, "" when not given.

    The plan reads ``1. surgery 2. chemotherapy``; dates read ``Thu 3 Dec 2026``. Control
    characters are escaped (the text is safe for a terminal, but not Textual markup).
    """
    spec = FIELDS_BY_KEY[key]
    value = getattr(opinion, key)
    if spec.kind == "steps":
        steps = [one_line(step).strip() for step in value if step.strip()]
        return " ".join(f"{i}. {step}" for i, step in enumerate(steps, 1))
    if spec.kind == "date":
        return show_date(as_text(value))
    return " ".join(one_line(as_text(value)).split())


# Comparison ---------------------------------------------------------------------------------
@dataclass
class CompareColumn:
    """One opinion in a comparison: its consultation and a heading (doctor, date)."""

    consultation_id: int
    heading: str
    doctor: str = ""  # the doctor's name, or "" when the consultation names none
    when: str = ""  # the consultation's date as shown, or ""


@dataclass
class CompareRow:
    """One field across the compared opinions; ``values`` holds NOT_GIVEN where empty."""

    key: str
    label: str
    values: list[str]
    differs: bool
    given: list[bool] = field(default_factory=list)

    @property
    def any_given(self) -> bool:
        return any(self.given)


@dataclass
class Comparison:
    columns: list[CompareColumn]
    rows: list[CompareRow]

    def differing(self) -> list[CompareRow]:
        """The rows where the doctors disagree."""
        return [row for row in self.rows if row.differs]


def _same(value: str) -> str:
    return " ".join(value.split()).casefold()


def _column(store: WorkbookStore, consultation_id: int,
            doctors: dict[int, str]) -> CompareColumn:
    consultation = get_consultation(store, consultation_id)
    if consultation is None:
        raise LookupError(f"There is no consultation {consultation_id} to compare.")
    doctor = doctors.get(consultation.doctor_id, "") if consultation.doctor_id else ""
    when = show_date(consultation.day)
    name = doctor or "No doctor"
    heading = f"{name} ({when})" if when else name
    return CompareColumn(consultation_id, heading, doctor, when)


def _comparison(store: WorkbookStore, consultation_ids: list[int]) -> Comparison:
    doctors = doctor_names(store)
    columns = [_column(store, cid, doctors) for cid in consultation_ids]
    opinions = [get_opinion(store, cid) for cid in consultation_ids]
    rows = []
    for spec in FIELDS:
        shown = [field_text(opinion, spec.key) for opinion in opinions]
        given = [bool(value) for value in shown]
        distinct = {_same(value) for value in shown if value}
        rows.append(CompareRow(spec.key, spec.label,
                               [value or NOT_GIVEN for value in shown],
                               differs=len(distinct) > 1, given=given))
    return Comparison(columns, rows)


def compare(store: WorkbookStore, consultation_ids: list[int]) -> Comparison:
    """Two to four opinions side by side: one column each, one row per field.

    A row ``differs`` when at least two opinions give a value and those values are not
    the same (ignoring case and spacing). A field one doctor left empty is not a
    difference; it shows as :data:`NOT_GIVEN`. Raises ``ValueError`` for fewer than two
    or more than four ids (or the same one twice) and ``LookupError`` for an unknown
    consultation.
    """
    ids = list(consultation_ids)
    if not 2 <= len(ids) <= 4:
        raise ValueError("Choose two, three or four consultations to compare.")
    if len(set(ids)) != len(ids):
        raise ValueError("Each consultation can be compared only once.")
    return _comparison(store, ids)


def _speaker(comparison: Comparison, index: int) -> str:
    """How a question names the doctor of a column: the name, or the visit's date."""
    column = comparison.columns[index]
    name = column.doctor.split(",")[0].strip() if column.doctor else ""
    if not name:
        return f"the {column.when} visit" if column.when else "one visit"
    if sum(1 for c in comparison.columns if c.doctor == column.doctor) > 1 and column.when:
        return f"{name} ({column.when})"
    return name


def _shorten(text: str, room: int = 60) -> str:
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def difference_question(comparison: Comparison, row: CompareRow) -> str:
    """A question for an agenda about a difference, in one safe line.

    ``Dr Ames says stage II, Dr Brook says stage III: why do the opinions differ?``
    Doctors who say the same thing are named together; long values are shortened.
    """
    spec = FIELDS_BY_KEY.get(row.key)
    phrase = spec.phrase if spec else row.label.lower() + " {}"
    groups: dict[str, tuple[str, list[str]]] = {}
    for index, value in enumerate(row.values):
        if index >= len(comparison.columns):
            break
        if value == NOT_GIVEN or not value.strip():
            continue
        same, speakers = groups.setdefault(_same(value), (value, []))
        speakers.append(_speaker(comparison, index))
    parts = []
    for value, speakers in groups.values():
        who = speakers[0] if len(speakers) == 1 else \
            ", ".join(speakers[:-1]) + " and " + speakers[-1]
        verb = "says" if len(speakers) == 1 else "say"
        words = _shorten(value)
        lead = phrase.split("{}")[0].strip()
        if lead and _same(words).startswith(_same(lead)):
            words_out = words  # "Stage II" needs no second "stage"
        else:
            words_out = phrase.format(words)
        parts.append(f"{who} {verb} {words_out}")
    if not parts:
        return one_line(f"Why do the opinions on the {row.label.lower()} differ?")
    question = ", ".join(parts) + ": why do the opinions differ?"
    return one_line(question[:1].upper() + question[1:])


# Export ---------------------------------------------------------------------------------------
def _consultations_with_opinions(store: WorkbookStore) -> list[int]:
    """Consultations holding a non-empty opinion, oldest first."""
    # Only the consultations that have one are read (there may be thousands without).
    found = [c for o in list_opinions(store)
             if (c := get_consultation(store, o.consultation_id)) is not None]
    return [c.doc_id for c in sorted(found, key=lambda c: c.sort_key())
            if c.doc_id is not None]


def _cell(text: str, width: int) -> list[str]:
    return wrap(text, "", "", width) if text else [""]


def _side_by_side(comparison: Comparison, rows: list[CompareRow], column: int) -> list[str]:
    gap = "  "
    lines: list[str] = []

    def emit(cells: list[list[str]]) -> None:
        height = max(len(c) for c in cells)
        widths = [LABEL_COLUMN] + [column] * (len(cells) - 1)
        for i in range(height):
            parts = [(c[i] if i < len(c) else "").ljust(w) for c, w in zip(cells, widths)]
            lines.append(gap.join(parts).rstrip())

    # The doctor on one line and the date on the next, rather than a heading wrapped
    # wherever it happens to break.
    emit([[""]] + [_cell(c.doctor or "No doctor", column) + ([c.when] if c.when else [])
                   for c in comparison.columns])
    lines.append("-" * min(80, LABEL_COLUMN + len(comparison.columns) * (column + len(gap))))
    for row in rows:
        label = _cell(row.label, LABEL_COLUMN) + ([DIFFERS] if row.differs else [])
        emit([label] + [_cell(value, column) for value in row.values])
        lines.append("")
    return lines


def _field_by_field(comparison: Comparison, rows: list[CompareRow], md: bool) -> list[str]:
    lines: list[str] = []
    for row in rows:
        title = f"{row.label} — {DIFFERS}" if row.differs else row.label
        lines += [f"## {title}", ""] if md else [title]
        for column, value in zip(comparison.columns, row.values):
            lead = f"- **{column.heading}:** " if md else f"  {column.heading}: "
            lines += wrap(value, lead, "  " if md else "    ")
        lines.append("")
    return lines


def render_comparison(store: WorkbookStore, fmt: str = "text",
                      consultation_ids: list[int] | None = None) -> str:
    """The comparison of opinions as text (80 columns) or Markdown.

    Without ``consultation_ids``, every consultation with an opinion, oldest first. Text
    puts the opinions side by side when each column gets at least 24 characters (two
    opinions at 80 columns); otherwise it lists them field by field. Fields no doctor gave
    are left out. The user's text is escaped.
    """
    md = fmt == "markdown"
    ids = _consultations_with_opinions(store) if consultation_ids is None \
        else list(consultation_ids)
    lines = ["# Comparison of opinions" if md else "COMPARISON OF OPINIONS", ""]
    if not ids:
        lines.append("No opinions recorded yet.")
        return "\n".join(lines) + "\n"
    comparison = _comparison(store, ids)
    rows = [row for row in comparison.rows if row.any_given]
    count = len(comparison.differing())
    summary = (f"{len(ids)} opinion{'s' if len(ids) != 1 else ''}; "
               + ("no field differs." if count == 0 else
                  f"{count} field{'s' if count != 1 else ''} marked {DIFFERS} "
                  "(two doctors gave different answers)."))
    lines += wrap(summary) + [f"{NOT_GIVEN} means the doctor did not give it.", ""]
    if not rows:
        lines.append("The opinions hold nothing yet.")
        return "\n".join(lines) + "\n"
    column = (80 - LABEL_COLUMN - 2 * len(ids)) // len(ids)
    if not md and len(ids) > 1 and column >= MIN_COLUMN:
        lines += _side_by_side(comparison, rows, column)
    else:
        lines += _field_by_field(comparison, rows, md)
    return escape_controls("\n".join(lines).rstrip("\n")) + "\n"
