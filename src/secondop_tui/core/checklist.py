"""The preparation checklist: packaged default items plus the user's own state.

The default items live in ``assets/checklist.json``. The workbook keeps only what the
user did, keyed by each item's stable id (ticked, note, due date, insurance call log,
order, "deleted" for defaults), plus the items the user added. A newer default set can
therefore add or reword items without touching anything the user ticked or wrote. What
a default set retires or moves is listed in its ``changes``, and a schema migration
(:func:`secondop_tui.core.checklist_defaults.upgrade_workbook`) keeps a retired item the user used as their own.
Never imports Textual.
"""

from __future__ import annotations

import os
from datetime import date
from collections.abc import Callable
from typing import Any, NamedTuple

from tinydb import Query

from secondop_tui.core import clock, tables
from secondop_tui.core.dates import DateError, format_date, parse_date, stored_date
from secondop_tui.core.checklist_defaults import (
    DefaultChange,
    DefaultGroup,
    DefaultItem,
    DefaultSet,
    RetiredItem,
    load_defaults,
    parse_defaults,
    upgrade_table,
    upgrade_workbook,
)
from secondop_tui.core.store import WorkbookStore
from secondop_tui.core.text import escape_controls, one_line, wrap

TABLE = tables.CHECKLIST
TITLE_LIMIT = 200
WRAP = 80


class ChecklistError(ValueError):
    """A change the checklist refuses; the message says why, in plain words."""


# What the user sees ------------------------------------------------------------------
class CallEntry(NamedTuple):
    """One call to the insurer: when, who, the reference number and what was said."""

    day: date
    who: str
    reference: str
    said: str

    def heading(self, line: Callable[[str], str] = one_line) -> str:
        """When, to whom and the reference, on one line ("Thu 5 Nov 2026, spoke to Bo,
        ref R2"); ``line`` makes each of the user's words safe for where it is shown."""
        parts = [format_date(self.day)]
        if self.who:
            parts.append(f"spoke to {line(self.who)}")
        if self.reference:
            parts.append(f"ref {line(self.reference)}")
        return ", ".join(parts)


class ChecklistItem(NamedTuple):
    """A default or user item merged with the user's state."""

    id: str
    group: str
    title: str
    why: str = ""
    done: bool = False
    note: str = ""
    due: date | None = None
    calls: tuple[CallEntry, ...] = ()
    is_default: bool = True
    insurance_log: bool = False
    deleted: bool = False

    def overdue(self, today: date | None = None) -> bool:
        """Due before today and not done."""
        today = today or clock.today()
        return self.due is not None and not self.done and self.due < today


class ChecklistGroup(NamedTuple):
    id: str
    title: str
    items: tuple[ChecklistItem, ...] = ()

    @property
    def done(self) -> int:
        return sum(item.done for item in self.items)

    @property
    def total(self) -> int:
        return len(self.items)


def progress_words(done: int, total: int) -> str:
    """``"3/8 done"``."""
    return f"{done}/{total} done"


def progress_bar(done: int, total: int, width: int = 10) -> str:
    """A text bar such as ``[###-------]``, readable without colour."""
    filled = round(width * done / total) if total else 0
    if done and not filled:
        filled = 1  # any progress shows
    if done < total and filled == width:
        filled = width - 1  # and a bar is only full when everything is done
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def _calls_from(raw: list[dict[str, Any]]) -> tuple[CallEntry, ...]:
    calls = []
    for entry in raw or []:
        day = stored_date(entry.get("date"))
        if day is None:
            continue
        calls.append(CallEntry(day, entry.get("who", ""), entry.get("reference", ""),
                               entry.get("said", "")))
    return tuple(calls)


class Checklist:
    """The checklist of one workbook. Every change is written through the store at once."""

    def __init__(self, store: WorkbookStore, defaults: DefaultSet | None = None) -> None:
        self.store = store
        self.defaults = defaults or load_defaults()

    # Reading ------------------------------------------------------------------------
    @property
    def table(self):
        return self.store.table(TABLE)

    def _states(self) -> dict[str, dict[str, Any]]:
        return {doc["id"]: dict(doc) for doc in self.table.all() if "id" in doc}

    def _merge(self, state: dict[str, Any] | None, group: str, default: DefaultItem | None
               ) -> ChecklistItem:
        state = state or {}
        return ChecklistItem(
            id=default.id if default else state["id"],
            group=group,
            title=default.title if default else state.get("title", ""),
            why=default.why if default else state.get("why", ""),
            done=bool(state.get("done", False)),
            note=state.get("note", ""),
            due=stored_date(state.get("due")),
            calls=_calls_from(state.get("calls", [])),
            is_default=default is not None,
            insurance_log=(default.insurance_log if default
                           else bool(state.get("insurance_log", False))),
            deleted=bool(state.get("deleted", False)),
        )

    def groups(self, *, include_deleted: bool = False) -> list[ChecklistGroup]:
        """Every group in default order, its items in the user's order."""
        states = self._states()
        result = []
        for group in self.defaults.groups:
            ranked: list[tuple[float, int, ChecklistItem]] = []
            for index, default in enumerate(group.items):
                state = states.get(default.id, {})
                item = self._merge(state, group.id, default)
                ranked.append((state.get("order", float(index)), 0, item))
            for state in states.values():
                if state.get("user") and state.get("group") == group.id:
                    item = self._merge(state, group.id, None)
                    ranked.append((state.get("order", 1e9), 1, item))
            ranked.sort(key=lambda r: (r[0], r[1]))
            items = tuple(r[2] for r in ranked if include_deleted or not r[2].deleted)
            result.append(ChecklistGroup(group.id, group.title, items))
        return result

    def item(self, item_id: str) -> ChecklistItem | None:
        for group in self.groups(include_deleted=True):
            for item in group.items:
                if item.id == item_id:
                    return item
        return None

    def progress(self) -> tuple[int, int]:
        """(done, total) over every item that is not deleted."""
        groups = self.groups()
        return sum(g.done for g in groups), sum(g.total for g in groups)

    def group_title(self, group_id: str) -> str:
        for group in self.defaults.groups:
            if group.id == group_id:
                return group.title
        raise ChecklistError(f"There is no checklist group called {group_id!r}.")

    # Changing -----------------------------------------------------------------------
    def _require(self, item_id: str) -> ChecklistItem:
        item = self.item(item_id)
        if item is None:
            raise ChecklistError("That checklist item no longer exists.")
        return item

    def _write(self, item_id: str, changes: dict[str, Any]) -> None:
        # Never touch the documents TinyDB hands back: update through the table.
        doc = Query()
        if self.table.contains(doc.id == item_id):
            self.table.update(changes, doc.id == item_id)
        else:
            self.table.insert({"id": item_id, **changes})
        self.store.changed()

    def toggle(self, item_id: str) -> bool:
        """Tick or untick; returns the new state."""
        item = self._require(item_id)
        self._write(item_id, {"done": not item.done})
        return not item.done

    @staticmethod
    def clean_title(title: str) -> str:
        text = " ".join(title.split())
        if not text:
            raise ChecklistError("Please type a title: an item cannot be empty.")
        if len(text) > TITLE_LIMIT:
            raise ChecklistError(f"Please keep the title under {TITLE_LIMIT} characters; "
                                 "put the details in the note.")
        return text

    def add_item(self, group_id: str, title: str, why: str = "", *,
                 after: str | None = None) -> str:
        """Add the user's own item to a group (at the end, or just after ``after``)."""
        self.group_title(group_id)
        text = self.clean_title(title)
        item_id = f"user.{os.urandom(6).hex()}"
        group = next(g for g in self.groups(include_deleted=True) if g.id == group_id)
        ids = [i.id for i in group.items]
        position = ids.index(after) + 1 if after in ids else len(ids)
        ids.insert(position, item_id)
        self.table.insert({"id": item_id, "user": True, "group": group_id, "title": text,
                           "why": " ".join(why.split()), "done": False, "order": 1e9})
        self._renumber(ids)
        self.store.changed()
        return item_id

    def edit_item(self, item_id: str, *, title: str | None = None, why: str | None = None
                  ) -> None:
        """Reword one of the user's own items (default items keep the packaged wording)."""
        item = self._require(item_id)
        changes: dict[str, Any] = {}
        if title is not None and title != item.title:
            if item.is_default:
                raise ChecklistError("Default items keep their wording so updates can "
                                     "improve it; add a note instead.")
            changes["title"] = self.clean_title(title)
        if why is not None and why != item.why and not item.is_default:
            changes["why"] = " ".join(why.split())
        if changes:
            self._write(item_id, changes)

    def set_note(self, item_id: str, note: str) -> None:
        self._require(item_id)
        self._write(item_id, {"note": note.rstrip()})

    def set_due(self, item_id: str, text: str) -> date | None:
        """Set the due date from typed text (empty clears it). Raises DateError."""
        self._require(item_id)
        due = parse_date(text) if text.strip() else None
        self._write(item_id, {"due": due.isoformat() if due else None})
        return due

    @staticmethod
    def _clean_call(day: str | date, who: str, reference: str, said: str) -> CallEntry:
        if isinstance(day, str):
            day = parse_date(day) if day.strip() else clock.today()
        if not (who.strip() or reference.strip() or said.strip()):
            raise ChecklistError("Please fill in at least who you spoke to, the reference "
                                 "number or what was said.")
        return CallEntry(day, who.strip(), reference.strip(), said.strip())

    @staticmethod
    def _call_record(entry: CallEntry) -> dict[str, str]:
        return {"date": entry.day.isoformat(), "who": entry.who,
                "reference": entry.reference, "said": entry.said}

    def _call_log(self, item_id: str) -> list[dict[str, Any]]:
        item = self._require(item_id)
        if not item.insurance_log:
            raise ChecklistError("Only the insurance items keep a call log.")
        return list(self._states().get(item_id, {}).get("calls", []))

    @staticmethod
    def _stored_position(calls: list[dict[str, Any]], index: int) -> int:
        # ``index`` counts the calls as shown (ChecklistItem.calls); a stored entry whose
        # date cannot be read is not shown, so it is skipped here too and left alone.
        shown = [position for position, entry in enumerate(calls) if _calls_from([entry])]
        if not 0 <= index < len(shown):
            raise ChecklistError("That call is no longer in the log.")
        return shown[index]

    def add_call(self, item_id: str, day: str | date, who: str, reference: str,
                 said: str) -> CallEntry:
        """Log one insurer call on an insurance item. ``day`` may be typed text."""
        calls = self._call_log(item_id)
        entry = self._clean_call(day, who, reference, said)
        calls.append(self._call_record(entry))
        self._write(item_id, {"calls": calls})
        return entry

    def edit_call(self, item_id: str, index: int, day: str | date, who: str,
                  reference: str, said: str) -> CallEntry:
        """Replace the call at ``index`` (its place in ``ChecklistItem.calls``), checked
        as :meth:`add_call` checks a new one."""
        calls = self._call_log(item_id)
        position = self._stored_position(calls, index)
        entry = self._clean_call(day, who, reference, said)
        calls[position] = self._call_record(entry)
        self._write(item_id, {"calls": calls})
        return entry

    def delete_call(self, item_id: str, index: int) -> CallEntry:
        """Remove the call at ``index`` (its place in ``ChecklistItem.calls``); returns it."""
        calls = self._call_log(item_id)
        position = self._stored_position(calls, index)
        [entry] = _calls_from([calls.pop(position)])
        self._write(item_id, {"calls": calls})
        return entry

    def delete_item(self, item_id: str) -> dict[str, Any]:
        """Delete an item; returns what :meth:`undo_delete` needs to bring it back."""
        item = self._require(item_id)
        state = self._states().get(item_id, {"id": item_id})
        if item.is_default:
            self._write(item_id, {"deleted": True})
        else:
            self.table.remove(Query().id == item_id)
            self.store.changed()
        return state

    def undo_delete(self, saved: dict[str, Any]) -> None:
        """Bring back an item exactly as it was before :meth:`delete_item`."""
        item_id = saved["id"]
        self.table.remove(Query().id == item_id)
        self.table.insert({**saved, "deleted": False})
        self.store.changed()

    def restore_item(self, item_id: str) -> bool:
        """Bring back one deleted default; returns whether it had been deleted."""
        item = self._require(item_id)
        if not item.deleted:
            return False
        self._write(item_id, {"deleted": False})
        return True

    def restore_defaults(self) -> int:
        """Bring back every deleted default (the user's own items stay); returns how many."""
        restored = 0
        for group in self.groups(include_deleted=True):
            for item in group.items:
                if item.deleted:
                    self.table.update({"deleted": False}, Query().id == item.id)
                    restored += 1
        if restored:
            self.store.changed()
        return restored

    def move_item(self, item_id: str, delta: int) -> bool:
        """Move an item up (negative) or down within its group; False at either end."""
        item = self._require(item_id)
        group = next(g for g in self.groups() if g.id == item.group)
        ids = [i.id for i in group.items]
        index = ids.index(item_id)
        target = index + delta
        if not 0 <= target < len(ids):
            return False
        ids.insert(target, ids.pop(index))
        self._renumber(ids)
        self.store.changed()
        return True

    def _renumber(self, ids: list[str]) -> None:
        # Deleted defaults keep their old order value; visible ones get 0, 1, 2...
        doc = Query()
        existing = {d["id"] for d in self.table.all() if "id" in d}
        for position, item_id in enumerate(ids):
            if item_id in existing:
                self.table.update({"order": float(position)}, doc.id == item_id)
            else:
                self.table.insert({"id": item_id, "order": float(position)})


# Export ------------------------------------------------------------------------------
def _wrapped(text: str, indent: str) -> list[str]:
    lines: list[str] = []
    for paragraph in escape_controls(text).splitlines() or [""]:
        lines.extend(wrap(paragraph, indent, indent, WRAP))
    return lines


def render(store: WorkbookStore, fmt: str = "text") -> str:
    """The checklist as plain text or Markdown: groups, state, notes, due dates, calls."""
    checklist = Checklist(store)
    today = clock.today()
    done, total = checklist.progress()
    markdown = fmt == "markdown"
    out: list[str] = []
    heading = f"Checklist: {progress_words(done, total)}"
    out += [f"## {heading}" if markdown else heading,
            "" if markdown else "=" * len(heading), ""]
    if markdown:
        out.pop(1)
    for group in checklist.groups():
        title = f"{group.title} ({progress_words(group.done, group.total)})"
        out += [f"### {title}" if markdown else title]
        if not markdown:
            out.append("-" * len(title))
        out.append("")
        for item in group.items:
            box = "[x]" if item.done else "[ ]"
            lead = f"- {box} " if markdown else f"{box} "
            pad = " " * len(lead)
            title_lines = _wrapped(one_line(item.title), pad)
            title_lines[0] = lead + title_lines[0][len(pad):]
            out += title_lines
            if item.due:
                flag = " (OVERDUE)" if item.overdue(today) else ""
                out.append(f"{pad}Due: {format_date(item.due)}{flag}")
            if item.note:
                out.append(f"{pad}Note:")
                out += _wrapped(item.note, pad + "  ")
            if item.calls:
                out.append(f"{pad}Insurance calls:")
                for call in item.calls:
                    line = call.heading() + (f": {call.said}" if call.said else "")
                    wrapped = _wrapped(line.replace("\n", " "), pad + "    ")
                    wrapped[0] = pad + "  - " + wrapped[0].lstrip()
                    out += wrapped
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


__all__ = ["CallEntry", "Checklist", "ChecklistError", "ChecklistGroup", "ChecklistItem",
           "DateError", "DefaultChange", "DefaultGroup", "DefaultItem", "DefaultSet",
           "RetiredItem", "load_defaults", "parse_defaults", "progress_bar", "progress_words",
           "render", "upgrade_table", "upgrade_workbook"]
