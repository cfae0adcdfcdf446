"""Merging two versions of a workbook record by record, against the version both last
shared: the heart of sync, with no git, no files and no Textual in it.

The unit is the record (a consultation, a doctor, an opinion, a checklist item's state,
an own question, the profile). A record is known by a stable key, not by its place in
the file: a consultation, a doctor, an opinion or an own question by the ``uid`` that
:func:`give_uids` gives it before its first sync; a checklist item by its item id; the
profile and the settings by their one record. A record changed on one side only takes
that change. A field changed on both sides to different values keeps this machine's
value in place and puts the other into a conflict, a record of the ``conflicts`` table
that both machines see until someone resolves it (:mod:`secondop_tui.core.conflicts`).
Text written freely (a consultation's note, a doctor's notes, a checklist item's note)
is merged line by line: edits to different parts both stay; edits to the same lines keep
both versions inside the text, between marker lines that name the machine that wrote
each. A record deleted on one side and changed on the other is kept, with a conflict
that says so. Nothing either side wrote is ever dropped without a conflict naming it.

Ids: a record's place (its id in its table) once published never changes. A record this
machine added since the last sync whose id the other side used meanwhile moves to a
free id, and what refers to it here (a consultation's doctor, an opinion's consultation,
an agenda's own question) moves with it.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from merge3 import Merge3

from secondop_tui.core import tables
from secondop_tui.core.codec import META_TABLE

Raw = dict[str, Any]

UID = "uid"  # the field that holds a record's stable key
CONFLICTS = tables.CONFLICTS
PROFILE = "profile"  # the settings key of the profile (core.profile.SETTING)

# Tables whose records are known by their uid (given at the first sync).
UID_TABLES = (tables.CONSULTATIONS, tables.DOCTORS, tables.OPINIONS, tables.QUESTIONS,
              CONFLICTS)
# Fields merged as text, line by line.
TEXT_FIELDS = {(tables.CONSULTATIONS, "note"), (tables.DOCTORS, "notes"),
               (tables.CHECKLIST, "note")}
# Fields where one side simply wins (this machine's): the place of a checklist item in
# its group (renumbered at every move, so both sides change it without meaning to
# disagree). The settings other than the profile (the theme, animations) and the meta
# record are preferences and bookkeeping, merged the same way.
SILENT_FIELDS = {(tables.CHECKLIST, "order")}

# The lines that hold two versions of the same part of a text.
MARK_START = "=== Sync conflict: this part was changed on two machines. From {who}: ==="
MARK_OTHER = "=== From {who}: ==="
MARK_END = "=== End of the sync conflict ==="
_MARK_START = re.compile(r"^=== Sync conflict: this part was changed on two machines\. "
                         r"From (.*): ===$")
_MARK_OTHER = re.compile(r"^=== From (.*): ===$")

_MISSING: Any = object()


# Keys and uids ----------------------------------------------------------------------------
def new_uid() -> str:
    """A fresh stable key for a record (48 random bits as hex)."""
    return os.urandom(6).hex()


def record_key(table: str, doc_id: str, doc: dict[str, Any]) -> str:
    """The key that identifies a record across machines (see the module's docstring)."""
    if table == tables.CHECKLIST:
        item = doc.get("id")
        if isinstance(item, str) and item:
            return "item:" + item
    elif table in UID_TABLES:
        uid = doc.get(UID)
        if isinstance(uid, str) and uid:
            return "uid:" + uid
    return "doc:" + str(doc_id)


def give_uids(raw: Raw) -> int:
    """Give every record of the tables known by uid that has none a fresh uid, in
    place (each such record is replaced by a new dict). Returns how many got one."""
    given = 0
    for name in UID_TABLES:
        table = raw.get(name)
        if not isinstance(table, dict):
            continue
        for doc_id, doc in list(table.items()):
            if isinstance(doc, dict) and not (isinstance(doc.get(UID), str) and doc[UID]):
                table[doc_id] = {**doc, UID: new_uid()}
                given += 1
    return given


# The result ---------------------------------------------------------------------------------
@dataclass
class MergeResult:
    """The merged workbook and what the merge had to ask the user about."""

    data: Raw
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # the new ones


@dataclass
class _Context:
    ours_name: str
    theirs_name: str
    when: str
    result: Raw = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    known: set[str] = field(default_factory=set)  # conflicts already in either side
    our_opinions: set[Any] = field(default_factory=set)  # uids of this machine's opinions

    def add_conflict(self, kind: str, table: str, key: str, path: str, *,
                     kept: Any = None, other: Any = None, kept_by: str = "",
                     other_by: str = "") -> None:
        record = {"kind": kind, "table": table, "record": key, "field": path,
                  "kept": kept, "kept_by": kept_by or self.ours_name,
                  "other": other, "other_by": other_by or self.theirs_name,
                  "when": self.when}
        signature = conflict_signature(record)
        if signature in self.known:
            return  # the same conflict, found again (a sync redone after a crash)
        self.known.add(signature)
        self.conflicts.append({UID: new_uid(), **record})


def conflict_signature(record: dict[str, Any]) -> str:
    """What makes two conflicts the same one, whenever and by whom it was found."""
    return json.dumps([record.get(k) for k in ("kind", "table", "record", "field", "kept",
                                                "other")], sort_keys=True, default=str)


# Comparing ------------------------------------------------------------------------------------
def same(a: Any, b: Any) -> bool:
    """Equal as JSON values (``True`` is not ``1``), quickly when they are one object."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    return a == b


# Text -------------------------------------------------------------------------------------------
_matcher = partial(difflib.SequenceMatcher, autojunk=False)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _ended(lines: list[str]) -> list[str]:
    """The lines with the last one ended, so a marker line can follow."""
    if lines and not lines[-1].endswith(("\n", "\r")):
        return [*lines[:-1], lines[-1] + "\n"]
    return lines


def _contains(big: list[str], small: list[str]) -> bool:
    """Whether ``small`` appears in ``big`` as a run of whole lines."""
    if not small:
        return True
    n = len(small)
    stripped = [line.rstrip("\r\n") for line in small]
    run = [line.rstrip("\r\n") for line in big]
    return any(run[i:i + n] == stripped for i in range(len(run) - n + 1))


def merge_text(base: str, ours: str, theirs: str, ours_name: str, theirs_name: str
               ) -> tuple[str, bool]:
    """Merge two edits of one text, line by line. Returns the text and whether it holds
    two versions of some part (a conflict). Lines both sides added at the same place,
    where the text had none, are all kept (this machine's first); lines both sides
    changed differently are kept both, between marker lines naming each machine."""
    out: list[str] = []
    conflict = False
    merger = Merge3(_lines(base), _lines(ours), _lines(theirs),
                    sequence_matcher=_matcher)  # type: ignore[arg-type]
    for group in merger.merge_groups():
        if group[0] != "conflict":
            out.extend(group[1])
            continue
        _, was, mine, other = group
        if _contains(mine, other):
            out.extend(mine)  # ours holds theirs already (a merge made before)
        elif _contains(other, mine):
            out.extend(other)
        elif not was:
            out.extend(_ended(mine))  # both only added lines here: keep them all
            out.extend(other)
        else:
            conflict = True
            out.append(MARK_START.format(who=_who(ours_name)) + "\n")
            out.extend(_ended(mine))
            out.append(MARK_OTHER.format(who=_who(theirs_name)) + "\n")
            out.extend(_ended(other))
            out.append(MARK_END + "\n")
    return "".join(out), conflict


def _who(name: str) -> str:
    """A machine's name as a marker line shows it: one line, no control characters."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(name)).strip()
    return (text or "another machine")[:60]


def conflict_blocks(text: str) -> list[tuple[int, int, list[str], list[str]]]:
    """The marked two-version parts of a text: (first line, line after the end, this
    version's lines, the other's lines), by line index into ``text.splitlines(True)``."""
    lines = _lines(text)
    blocks = []
    i = 0
    while i < len(lines):
        if _MARK_START.match(lines[i].rstrip("\r\n")):
            j = i + 1
            while j < len(lines) and not _MARK_OTHER.match(lines[j].rstrip("\r\n")):
                j += 1
            k = j + 1
            while k < len(lines) and lines[k].rstrip("\r\n") != MARK_END:
                k += 1
            if j < len(lines) and k < len(lines):
                blocks.append((i, k + 1, lines[i + 1:j], lines[j + 1:k]))
                i = k + 1
                continue
        i += 1
    return blocks


def resolve_text(text: str, keep: str) -> str:
    """The text with each marked two-version part replaced by one of its versions
    (``keep`` is "this" or "that") or by both, unmarked ("both")."""
    lines = _lines(text)
    out: list[str] = []
    at = 0
    for start, end, mine, other in conflict_blocks(text):
        out.extend(lines[at:start])
        out.extend(mine if keep == "this" else other if keep == "that" else mine + other)
        at = end
    out.extend(lines[at:])
    return "".join(out)


# Lists ------------------------------------------------------------------------------------------
def _token(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def merge_list(base: list[Any], ours: list[Any], theirs: list[Any]) -> list[Any] | None:
    """Merge two edits of a list (calls logged, plan steps, an agenda) element by
    element, or None when both changed the same elements differently. Elements both
    sides added at the same place are all kept (this machine's first)."""
    lookup: dict[str, Any] = {}
    seqs = []
    for seq in (base, ours, theirs):
        tokens = []
        for value in seq:
            token = _token(value)
            lookup.setdefault(token, value)
            tokens.append(token)
        seqs.append(tokens)
    out: list[str] = []
    merger = Merge3(*seqs, sequence_matcher=_matcher)  # type: ignore[arg-type]
    for group in merger.merge_groups():
        if group[0] != "conflict":
            out.extend(group[1])
            continue
        _, was, mine, other = group
        if was:
            return None
        out.extend(mine)
        out.extend(other)
    return [lookup[token] for token in out]


# Records ------------------------------------------------------------------------------------------
def _merge_value(ctx: _Context, table: str, key: str, path: str, top: str,
                 b: Any, o: Any, t: Any, *, silent: bool) -> Any:
    """One value of a record (``path`` names it, ``top`` is its field)."""
    if same(o, t):
        return o
    if same(o, b):
        return t
    if same(t, b):
        return o
    if silent:
        return o
    if isinstance(o, dict) and isinstance(t, dict):
        base = b if isinstance(b, dict) else {}
        return _merge_fields(ctx, table, key, path, base, o, t, top=top)
    if (table, top) in TEXT_FIELDS and isinstance(o, str) and isinstance(t, str) \
            and path == top:
        text, conflict = merge_text(b if isinstance(b, str) else "", o, t,
                                    ctx.ours_name, ctx.theirs_name)
        if conflict:
            ctx.add_conflict("text", table, key, path)
        return text
    if isinstance(o, list) and isinstance(t, list):
        merged = merge_list(b if isinstance(b, list) else [], o, t)
        if merged is not None:
            return merged
    ctx.add_conflict("field", table, key, path, kept=None if o is _MISSING else o,
                     other=None if t is _MISSING else t)
    return o


def _merge_fields(ctx: _Context, table: str, key: str, path: str, b: dict[str, Any],
                  o: dict[str, Any], t: dict[str, Any], *, top: str = "") -> dict[str, Any]:
    """Merge two edits of a record (or of a value that is an object), field by field."""
    out: dict[str, Any] = {}
    for name in _union(o, t, b):
        here = f"{path}.{name}" if path else name
        field_top = top or name
        silent = (table, field_top) in SILENT_FIELDS or _silent_setting(table, field_top)
        value = _merge_value(ctx, table, key, here, field_top, b.get(name, _MISSING),
                             o.get(name, _MISSING), t.get(name, _MISSING), silent=silent)
        if value is not _MISSING:
            out[name] = value
    return out


def _silent_setting(table: str, field_top: str) -> bool:
    return field_top == UID or table == META_TABLE or \
        (table == tables.SETTINGS and field_top != PROFILE)


def _union(*dicts: dict[str, Any]) -> Iterator[str]:
    seen: set[str] = set()
    for d in dicts:
        for name in d:
            if name not in seen:
                seen.add(name)
                yield name


# Ids ----------------------------------------------------------------------------------------------
def _keyed(name: str, table: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """key -> (id, record) for one table; the first record wins a key used twice."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for doc_id, doc in table.items():
        if isinstance(doc, dict):
            found.setdefault(record_key(name, doc_id, doc), (str(doc_id), doc))
    return found


def _place_ours(names: Iterable[str], base: Raw, ours: Raw, theirs: Raw
                ) -> dict[str, dict[str, str]]:
    """For each table, this machine's record ids that must move (old id -> new id): a
    record the other side knows goes to the other side's id; one whose id the other
    side gave to another record moves to a free id."""
    moves: dict[str, dict[str, str]] = {}
    for name in names:
        mine = ours.get(name) or {}
        other = theirs.get(name) or {}
        other_keys = {key: doc_id for key, (doc_id, _) in _keyed(name, other).items()}
        other_at = {doc_id: key for key, doc_id in other_keys.items()}
        # A free id is above every id a record holds or a reference names, on either
        # side: a record moved there must not be taken for a deleted one still named.
        numbers = [int(i) for t in (base.get(name) or {}, mine, other) for i in t
                   if str(i).isdigit()]
        numbers += [int(i) for side in (base, ours, theirs) for i in _references(side, name)
                    if i.isdigit()]
        free = max(numbers, default=0) + 1
        taken: set[str] = set(other_at)
        # Ids the other side still names though it deleted the record: a record added
        # here at such an id must not be taken for the deleted one there.
        base_keyed = _keyed(name, base.get(name) or {})
        named_there = _references(theirs, name) - set(other)
        table_moves: dict[str, str] = {}
        for key, (doc_id, _) in _keyed(name, mine).items():
            target = other_keys.get(key)
            if target is None:
                if doc_id in taken or (doc_id in named_there and key not in base_keyed):
                    target = str(free)
                    free += 1
                else:
                    target = doc_id
            taken.add(target)
            if target != doc_id:
                table_moves[doc_id] = target
        # A reference here to a record deleted here must not land on a record the other
        # side added at that id meanwhile: it moves to an id nobody uses (it still
        # reads as a record that was removed).
        base_keys = {doc_id: key for key, (doc_id, _) in _keyed(name, base.get(name) or {})
                     .items()}
        for ref in sorted(_references(ours, name) - set(mine), key=_number):
            if ref in other_at and other_at[ref] != base_keys.get(ref):
                table_moves[ref] = str(free)
                free += 1
        if table_moves:
            moves[name] = table_moves
    return moves


def _number(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _references(data: Raw, name: str) -> set[str]:
    """The ids of table ``name`` that records of ``data`` refer to."""
    found: set[str] = set()
    if name == tables.DOCTORS:
        for doc in (data.get(tables.CONSULTATIONS) or {}).values():
            if isinstance(doc, dict) and _is_id(doc.get("doctor_id")):
                found.add(str(doc["doctor_id"]))
    elif name == tables.CONSULTATIONS:
        for doc in (data.get(tables.OPINIONS) or {}).values():
            if isinstance(doc, dict) and _is_id(doc.get("consultation_id")):
                found.add(str(doc["consultation_id"]))
    elif name == tables.QUESTIONS:
        for doc in (data.get(tables.CONSULTATIONS) or {}).values():
            agenda = doc.get("questions") if isinstance(doc, dict) else None
            for item in agenda if isinstance(agenda, list) else []:
                qid = item.get("question_id") if isinstance(item, dict) else None
                if isinstance(qid, str) and qid.startswith("own."):
                    found.add(qid[4:])
    return found


def _remap_refs(ours: Raw, moves: dict[str, dict[str, str]]) -> Raw:
    """This machine's data with its moved records at their new ids, and what refers to
    them following: a consultation's doctor, an opinion's consultation, an agenda
    question's own question (``own.N``)."""
    out = dict(ours)
    for name, table_moves in moves.items():
        table = ours.get(name) or {}
        out[name] = {table_moves.get(str(doc_id), str(doc_id)): doc
                     for doc_id, doc in table.items()}
    doctors = moves.get(tables.DOCTORS, {})
    consultations = moves.get(tables.CONSULTATIONS, {})
    questions = moves.get(tables.QUESTIONS, {})
    if doctors or questions:
        table = out.get(tables.CONSULTATIONS) or {}
        changed = {}
        for doc_id, doc in table.items():
            new = doc
            ref = doc.get("doctor_id")
            if _is_id(ref) and str(ref) in doctors:
                new = {**new, "doctor_id": int(doctors[str(ref)])}
            agenda = doc.get("questions")
            if questions and isinstance(agenda, list):
                moved = [_moved_question(item, questions) for item in agenda]
                if any(a is not b for a, b in zip(moved, agenda)):
                    new = {**new, "questions": moved}
            if new is not doc:
                changed[doc_id] = new
        if changed:
            out[tables.CONSULTATIONS] = {**table, **changed}
    if consultations:
        table = out.get(tables.OPINIONS) or {}
        changed = {}
        for doc_id, doc in table.items():
            ref = doc.get("consultation_id")
            if _is_id(ref) and str(ref) in consultations:
                changed[doc_id] = {**doc, "consultation_id": int(consultations[str(ref)])}
        if changed:
            out[tables.OPINIONS] = {**table, **changed}
    return out


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _moved_question(item: Any, moves: dict[str, str]) -> Any:
    if isinstance(item, dict):
        qid = item.get("question_id")
        if isinstance(qid, str) and qid.startswith("own.") and qid[4:] in moves:
            return {**item, "question_id": f"own.{moves[qid[4:]]}"}
    return item


# The whole workbook ---------------------------------------------------------------------------------
def _same_records_moved(base: Raw, ours: Raw, moves: dict[str, dict[str, str]]
                        ) -> dict[str, dict[str, str]]:
    """The moves of this machine's records that apply to the last synced version too:
    where it holds the same record at the old id (or this machine deleted it)."""
    out: dict[str, dict[str, str]] = {}
    for name, table_moves in moves.items():
        before = base.get(name) or {}
        mine = ours.get(name) or {}
        kept = {old: new for old, new in table_moves.items() if old in before and (
            old not in mine or record_key(name, old, before[old])
            == record_key(name, old, mine[old]))}
        if kept:
            out[name] = kept
    return out


def merge_workbooks(base: Raw, ours: Raw, theirs: Raw, *, ours_name: str,
                    theirs_name: str, when: str) -> MergeResult:
    """Merge this machine's workbook (``ours``) and the other side's (``theirs``)
    against the version both last shared (``base``; an empty workbook when there was
    none). All three are raw workbook data at the same schema; none is changed. The
    result keeps every record at the other side's id, this machine's new records at
    ids of their own; see the module's docstring for the rules."""
    names = list(_union(theirs, ours))
    moves = _place_ours(names, base, ours, theirs)
    ours_before, ours = ours, _remap_refs(ours, moves)
    # The last synced version moves alike where it holds the same records, so that what
    # this machine left as it was still reads as unchanged.
    base = _remap_refs(base, _same_records_moved(base, ours_before, moves))
    ctx = _Context(ours_name, theirs_name, when)
    ctx.our_opinions = {doc.get(UID) for doc in (ours.get(tables.OPINIONS) or {}).values()
                        if isinstance(doc, dict)}
    for side in (ours, theirs):
        for doc in (side.get(CONFLICTS) or {}).values():
            if isinstance(doc, dict):
                ctx.known.add(conflict_signature(doc))
    deleted: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {}
    for name in names:
        ctx.result[name] = _merge_table(ctx, name, base.get(name) or {},
                                        ours.get(name) or {}, theirs.get(name) or {},
                                        deleted.setdefault(name, {}))
    _fold_opinions(ctx)
    _keep_consultations_of_opinions(ctx, deleted.get(tables.CONSULTATIONS, {}))
    if ctx.conflicts:
        table = ctx.result.setdefault(CONFLICTS, {})
        numbers = [int(i) for i in table if i.isdigit()]
        free = max(numbers, default=0) + 1
        for record in ctx.conflicts:
            table[str(free)] = record
            free += 1
    return MergeResult(ctx.result, ctx.conflicts)


def _merge_table(ctx: _Context, name: str, base: dict[str, Any], ours: dict[str, Any],
                 theirs: dict[str, Any], deleted: dict[str, tuple[str, dict[str, Any]]]
                 ) -> dict[str, Any]:
    b_keyed, o_keyed, t_keyed = _keyed(name, base), _keyed(name, ours), _keyed(name, theirs)
    placed: list[tuple[int, str, dict[str, Any]]] = []
    for key in _union(t_keyed, o_keyed, b_keyed):
        b = b_keyed.get(key)
        o = o_keyed.get(key)
        t = t_keyed.get(key)
        doc_id = (t or o or b)[0]  # type: ignore[index]
        doc = _merge_record(ctx, name, key, b and b[1], o and o[1], t and t[1])
        if doc is None:
            if b is not None:
                deleted[key] = b
            continue
        placed.append((int(doc_id) if doc_id.isdigit() else 0, doc_id, doc))
    placed.sort(key=lambda item: (item[0], item[1]))
    return {doc_id: doc for _, doc_id, doc in placed}


def _changed(b: dict[str, Any], doc: dict[str, Any], table: str) -> bool:
    """Whether a record differs from its base in anything but silent fields."""
    for name in _union(b, doc):
        if (table, name) in SILENT_FIELDS:
            continue
        if not same(b.get(name, _MISSING), doc.get(name, _MISSING)):
            return True
    return False


def _merge_record(ctx: _Context, table: str, key: str, b: dict[str, Any] | None,
                  o: dict[str, Any] | None, t: dict[str, Any] | None
                  ) -> dict[str, Any] | None:
    if o is None and t is None:
        return None
    if b is None:
        if o is None:
            return t
        if t is None or o is t:
            return o
        return _merge_fields(ctx, table, key, "", {}, o, t)  # added on both sides
    if o is None or t is None:
        kept, by_deleter, by_changer = (t, ctx.ours_name, ctx.theirs_name) if o is None \
            else (o, ctx.theirs_name, ctx.ours_name)
        assert kept is not None
        if not _changed(b, kept, table):
            return None  # deleted on one side, untouched on the other
        if table == CONFLICTS:
            return None  # a conflict resolved on one side stays resolved
        ctx.add_conflict("deleted", table, key, "", kept_by=by_changer,
                         other_by=by_deleter)
        return kept
    if o is t or same(o, t):
        return o
    if same(o, b):
        return t
    if same(t, b):
        return o
    merged = _merge_fields(ctx, table, key, "", b, o, t)
    if table == tables.CHECKLIST:
        merged = _undelete_used_item(ctx, key, b, o, t, merged)
    return merged


def _undelete_used_item(ctx: _Context, key: str, b: dict[str, Any], o: dict[str, Any],
                        t: dict[str, Any], merged: dict[str, Any]) -> dict[str, Any]:
    """A default checklist item deleted on one side (its state says ``deleted``) and
    ticked or written in on the other is kept, and the conflict says so."""
    if not merged.get("deleted") or b.get("deleted"):
        return merged
    deleter, changer = (o, t) if o.get("deleted") else (t, o)
    rest = {name for name in _union(b, changer) if name not in ("deleted", "order")}
    if not any(not same(b.get(n, _MISSING), changer.get(n, _MISSING)) for n in rest):
        return merged
    by_changer = ctx.theirs_name if changer is t else ctx.ours_name
    by_deleter = ctx.ours_name if deleter is o else ctx.theirs_name
    ctx.add_conflict("deleted", tables.CHECKLIST, key, "", kept_by=by_changer,
                     other_by=by_deleter)
    return {**merged, "deleted": False}


def _fold_opinions(ctx: _Context) -> None:
    """One opinion per consultation: two sides that each wrote the first opinion of the
    same consultation end with one record, holding both (differences as conflicts)."""
    table = ctx.result.get(tables.OPINIONS)
    if not table:
        return
    first: dict[Any, str] = {}
    gone = []
    for doc_id, doc in table.items():
        ref = doc.get("consultation_id")
        if not _is_id(ref):
            continue
        if ref not in first:
            first[ref] = doc_id
            continue
        keeper_id = first[ref]
        keeper = table[keeper_id]
        key = record_key(tables.OPINIONS, keeper_id, keeper)
        # This machine's values stay in place, the other side's go to conflicts.
        mine, other = (keeper, doc) if keeper.get(UID) in ctx.our_opinions else (doc, keeper)
        merged = _merge_fields(ctx, tables.OPINIONS, key, "", {}, mine, other)
        table[keeper_id] = {**merged, UID: keeper.get(UID)} if UID in keeper else merged
        gone.append(doc_id)
    for doc_id in gone:
        del table[doc_id]


def _keep_consultations_of_opinions(ctx: _Context,
                                    deleted: dict[str, tuple[str, dict[str, Any]]]) -> None:
    """An opinion kept (it was changed on one side) keeps the consultation it belongs
    to, even if the other side deleted that consultation."""
    if not deleted:
        return
    opinions = ctx.result.get(tables.OPINIONS) or {}
    wanted = {doc.get("consultation_id") for doc in opinions.values()}
    table = ctx.result.setdefault(tables.CONSULTATIONS, {})
    for key, (doc_id, doc) in deleted.items():
        if doc_id.isdigit() and int(doc_id) in wanted and doc_id not in table:
            table[doc_id] = doc
            ctx.add_conflict("deleted", tables.CONSULTATIONS, key, "")
    ctx.result[tables.CONSULTATIONS] = dict(sorted(
        table.items(), key=lambda item: (int(item[0]) if item[0].isdigit() else 0, item[0])))


# What changed, in words -------------------------------------------------------------------------------
_NOUNS = {
    tables.CONSULTATIONS: ("consultation", "consultations"),
    tables.DOCTORS: ("doctor", "doctors"),
    tables.OPINIONS: ("opinion", "opinions"),
    tables.CHECKLIST: ("checklist item", "checklist items"),
    tables.QUESTIONS: ("own question", "own questions"),
}
NOTE_FIELDS = frozenset({"note", "questions"})


def count_changes(before: Raw, after: Raw) -> dict[tuple[str, str], int]:
    """How many records of each kind were added, changed or deleted from ``before`` to
    ``after``: {(noun, verb): count}, nouns such as "note" and "doctor"."""
    counts: dict[tuple[str, str], int] = {}

    def add(noun: str, verb: str, n: int = 1) -> None:
        counts[(noun, verb)] = counts.get((noun, verb), 0) + n

    for name in _union(after, before):
        if name == META_TABLE:
            continue
        old = _keyed(name, before.get(name) or {})
        new = _keyed(name, after.get(name) or {})
        if name == tables.SETTINGS:
            o = next(iter(old.values()), ("", {}))[1]
            n = next(iter(new.values()), ("", {}))[1]
            if not same(o.get(PROFILE, _MISSING), n.get(PROFILE, _MISSING)):
                add("profile", "changed")
            continue
        if name == CONFLICTS:
            if len(new.keys() - old.keys()):
                add("conflict", "found", len(new.keys() - old.keys()))
            if len(old.keys() - new.keys()):
                add("conflict", "resolved", len(old.keys() - new.keys()))
            continue
        singular = _NOUNS.get(name, ("record", "records"))[0]
        for key, (_, doc) in new.items():
            was = old.get(key)
            if was is None:
                add(singular, "added")
                continue
            was_doc = was[1]
            if was_doc is doc or not _changed(was_doc, doc, name):
                continue
            if name == tables.CONSULTATIONS and all(
                    same(was_doc.get(f, _MISSING), doc.get(f, _MISSING))
                    for f in _union(was_doc, doc) if f not in NOTE_FIELDS):
                add("note", "changed")
            elif name == tables.CHECKLIST:
                calls = _count_calls(doc) - _count_calls(was_doc)
                if calls > 0:
                    add("call", "logged", calls)
                rest = {f for f in _union(was_doc, doc) if f not in ("calls", "order")}
                if calls <= 0 or any(not same(was_doc.get(f, _MISSING), doc.get(f, _MISSING))
                                     for f in rest):
                    add(singular, "changed")
            else:
                add(singular, "changed")
        for key in old.keys() - new.keys():
            add(singular, "deleted")
    return counts


def _count_calls(doc: dict[str, Any]) -> int:
    calls = doc.get("calls")
    return len(calls) if isinstance(calls, list) else 0


_PLURALS = {"note": "notes", "profile": "profile", "conflict": "conflicts", "call": "calls",
            **dict(_NOUNS.values())}
_ORDER = ["note", "consultation", "doctor", "opinion", "checklist item", "call",
          "own question", "profile", "record", "conflict"]


def describe_changes(counts: dict[tuple[str, str], int]) -> list[str]:
    """The counts of :func:`count_changes` in words: ["3 notes changed", "1 doctor
    added"], in a fixed order; empty when nothing changed."""
    parts = []
    for (noun, verb), n in sorted(counts.items(), key=lambda item: (
            _ORDER.index(item[0][0]) if item[0][0] in _ORDER else len(_ORDER),
            item[0][1])):
        if noun == "profile":
            parts.append("the profile changed")
        else:
            parts.append(f"{n} {noun if n == 1 else _PLURALS.get(noun, noun + 's')} {verb}")
    return parts
