"""Open sync conflicts: what they are about, in words, and resolving them.

A merge (:mod:`secondop_tui.core.merge`) that met edits of the same thing on two
machines keeps one version in place and writes a record into the ``conflicts`` table,
which syncs like any other: both machines show it until someone resolves it, by keeping
this version (the one in place), that one (the other), or both. Never imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from secondop_tui.core import merge, tables
from secondop_tui.core.doctors import display_name
from secondop_tui.core.checklist_defaults import load_defaults
from secondop_tui.core.profile import PROFILE_FIELDS
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.text import as_text, one_line

TABLE = tables.CONFLICTS
READ_ONLY = "This workbook is open read-only: conflicts cannot be resolved."

THIS, THAT, BOTH = "this", "that", "both"

_KINDS = {tables.CONSULTATIONS: "Consultation", tables.DOCTORS: "Doctor",
          tables.OPINIONS: "Opinion", tables.CHECKLIST: "Checklist item",
          tables.QUESTIONS: "Own question", tables.SETTINGS: "Profile"}


@dataclass
class Conflict:
    """One open conflict, as stored (see :func:`merge.merge_workbooks`)."""

    doc_id: int
    kind: str  # "field", "text" or "deleted"
    table: str
    record: str  # the record's key (merge.record_key)
    field: str  # "phone", "credentials.board.status", "note"; "" for a whole record
    kept: Any
    kept_by: str
    other: Any
    other_by: str
    when: str

    @classmethod
    def from_doc(cls, doc: Any, doc_id: int) -> "Conflict":
        doc = doc if isinstance(doc, dict) else {}
        return cls(doc_id, as_text(doc.get("kind")), as_text(doc.get("table")),
                   as_text(doc.get("record")), as_text(doc.get("field")), doc.get("kept"),
                   as_text(doc.get("kept_by")), doc.get("other"),
                   as_text(doc.get("other_by")), as_text(doc.get("when")))

    @property
    def can_keep_both(self) -> bool:
        """Keeping both is offered where both fit in one place: two texts."""
        if self.kind == "text":
            return True
        return self.kind == "field" and isinstance(self.kept, str) \
            and isinstance(self.other, str)


def open_conflicts(store: WorkbookStore) -> list[Conflict]:
    """Every open conflict, oldest first."""
    return [Conflict.from_doc(doc, doc.doc_id) for doc in store.table(TABLE).all()]


def find_record(store: WorkbookStore, table: str, key: str) -> tuple[int, dict[str, Any]] | None:
    """The record a conflict is about (its id and data), if it still exists."""
    for doc in store.table(table).all():
        if merge.record_key(table, str(doc.doc_id), doc) == key:
            return doc.doc_id, doc
    return None


def affected(store: WorkbookStore) -> dict[str, set[Any]]:
    """The records with an open conflict, by table: ids, and item ids for the checklist
    (what the panes mark)."""
    found: dict[str, set[Any]] = {}
    for conflict in open_conflicts(store):
        if conflict.table == tables.CHECKLIST and conflict.record.startswith("item:"):
            found.setdefault(conflict.table, set()).add(conflict.record[5:])
            continue
        record = find_record(store, conflict.table, conflict.record)
        if record is not None:
            found.setdefault(conflict.table, set()).add(record[0])
    return found


# In words -----------------------------------------------------------------------------------------
def _field_label(conflict: Conflict) -> str:
    if conflict.table == tables.SETTINGS:
        key = conflict.field.split(".", 1)[1] if "." in conflict.field else conflict.field
        return dict((k, label) for k, label, _ in PROFILE_FIELDS).get(key, key)
    return conflict.field.replace("_", " ").replace(".", ": ")


def record_label(store: WorkbookStore, conflict: Conflict) -> str:
    """The record a conflict is about: "Doctor Dr Ames", "Consultation First opinion"."""
    kind = _KINDS.get(conflict.table, conflict.table.capitalize() or "Record")
    if conflict.table == tables.SETTINGS:
        return "Profile"
    record = find_record(store, conflict.table, conflict.record)
    if record is None:
        return f"{kind} (no longer in the workbook)"
    doc = record[1]
    if conflict.table == tables.DOCTORS:
        name = display_name(doc.get("name"), doc.get("degree"))
    elif conflict.table == tables.CONSULTATIONS:
        name = one_line(as_text(doc.get("title"))).strip() or "(untitled)"
    elif conflict.table == tables.CHECKLIST:
        found = load_defaults().find(conflict.record[5:])
        name = one_line(found[2].title if found else as_text(doc.get("title"))).strip() \
            or conflict.record[5:]
    elif conflict.table == tables.QUESTIONS:
        name = one_line(as_text(doc.get("text")))[:40]
    elif conflict.table == tables.OPINIONS:
        name = f"at consultation {doc.get('consultation_id')}"
    else:
        name = f"#{record[0]}"
    return f"{kind} {name}"


def describe(store: WorkbookStore, conflict: Conflict) -> str:
    """One line: what the conflict is about."""
    what = record_label(store, conflict)
    if conflict.kind == "deleted":
        return (f"{what}: deleted on {one_line(conflict.other_by)}, changed on "
                f"{one_line(conflict.kept_by)}; kept")
    if conflict.kind == "text":
        return f"{what}: {_field_label(conflict)} changed on both machines (both versions " \
               "are in it)"
    return f"{what}: {_field_label(conflict)} changed on both machines"


def shown_value(value: Any, room: int = 60) -> str:
    """A conflict's value on one safe line, shortened to ``room``."""
    if value is None:
        text = "(empty)"
    elif isinstance(value, str):
        text = one_line(value).strip() or "(empty)"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, list):
        text = "; ".join(one_line(as_text(v) if not isinstance(v, dict) else
                                  ", ".join(one_line(as_text(x)) for x in v.values() if x))
                         for v in value) or "(empty)"
    elif isinstance(value, dict):
        text = ", ".join(f"{k}: {one_line(as_text(v))}" for k, v in value.items() if v) \
            or "(empty)"
    else:
        text = one_line(as_text(value))
    return text if len(text) <= room else text[: room - 1] + "…"


def choices(conflict: Conflict) -> list[tuple[str, str]]:
    """(answer, words) for the ways to resolve a conflict."""
    if conflict.kind == "deleted":
        return [(THIS, f"Keep it (as changed on {one_line(conflict.kept_by)})"),
                (THAT, f"Delete it (as on {one_line(conflict.other_by)})")]
    if conflict.kind == "text":
        found = [(THIS, f"Keep this: the version from {one_line(conflict.kept_by)}"),
                 (THAT, f"Keep that: the version from {one_line(conflict.other_by)}")]
    else:
        found = [(THIS, f"Keep this: {shown_value(conflict.kept, 40)} "
                        f"(from {one_line(conflict.kept_by)})"),
                 (THAT, f"Keep that: {shown_value(conflict.other, 40)} "
                        f"(from {one_line(conflict.other_by)})")]
    if conflict.can_keep_both:
        found.append((BOTH, "Keep both"))
    return found


# Resolving ------------------------------------------------------------------------------------------
def _set_path(doc: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    """A copy of ``doc`` with the value at ``path`` replaced (nested copies, never in
    place)."""
    head, rest = path[0], path[1:]
    if rest:
        inner = doc.get(head)
        return {**doc, head: _set_path(inner if isinstance(inner, dict) else {}, rest, value)}
    return {**doc, head: value}


def _get_path(doc: Any, path: list[str]) -> Any:
    for part in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


def resolve(store: WorkbookStore, conflict: Conflict, answer: str) -> None:
    """Resolve one conflict: keep this version (the one in place), that one, or both;
    the conflict is then gone. A record deleted meanwhile leaves nothing to change."""
    store.ensure_writable(READ_ONLY)
    record = find_record(store, conflict.table, conflict.record)
    if record is not None:
        doc_id, doc = record
        path = conflict.field.split(".") if conflict.field else []
        if conflict.kind == "deleted":
            if answer == THAT:
                _delete(store, conflict.table, doc_id, doc)
        elif conflict.kind == "text" and path:
            text = _get_path(doc, path)
            if isinstance(text, str):
                store.update_record(conflict.table, doc_id,
                                    _set_path(doc, path, merge.resolve_text(text, answer)))
        elif path and answer in (THAT, BOTH):
            value = conflict.other
            if answer == BOTH:
                value = _both(_get_path(doc, path), conflict.other)
            store.update_record(conflict.table, doc_id, _set_path(doc, path, value))
    store.table(TABLE).remove(doc_ids=[conflict.doc_id])
    store.changed()


def _both(kept: Any, other: Any) -> Any:
    kept, other = as_text(kept), as_text(other)
    if not kept.strip():
        return other
    if not other.strip() or other in kept:
        return kept
    joiner = " / " if "\n" not in kept + other else "\n\n"
    return kept + joiner + other


def _delete(store: WorkbookStore, table: str, doc_id: int, doc: dict[str, Any]) -> None:
    if table == tables.CHECKLIST and not doc.get("user"):
        store.update_record(table, doc_id, {"deleted": True})
        return
    store.table(table).remove(doc_ids=[doc_id])
    if table == tables.CONSULTATIONS:
        opinions = store.table(tables.OPINIONS)
        gone = [d.doc_id for d in opinions.all() if d.get("consultation_id") == doc_id]
        if gone:
            opinions.remove(doc_ids=gone)


__all__ = ["BOTH", "THAT", "THIS", "Conflict", "affected", "choices", "describe",
           "find_record", "open_conflicts", "record_label", "resolve", "shown_value"]
