"""The packaged default checklist (``assets/checklist.json``) and what a newer default
set changes in a workbook: read by the checklist, and by the schema's migrations while a
workbook is opened, before any store exists (so this module never imports the store).
Never imports Textual.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, NamedTuple

from secondop_tui.core import tables
from secondop_tui.core.content import assets_dir

TABLE = tables.CHECKLIST


# The packaged defaults ---------------------------------------------------------------
class DefaultItem(NamedTuple):
    id: str
    title: str
    why: str = ""
    insurance_log: bool = False


class DefaultGroup(NamedTuple):
    id: str
    title: str
    items: tuple[DefaultItem, ...]


class RetiredItem(NamedTuple):
    """A default item an earlier version had and this one dropped. Its wording is kept
    so that a workbook that used it keeps it, as the user's own item; ``replaced_by``
    is the item a link to it now goes to."""

    id: str
    group: str
    title: str
    why: str = ""
    insurance_log: bool = False
    replaced_by: str = ""


class DefaultChange(NamedTuple):
    """What changed in the default set at ``version``: items moved to another group
    (their ids stay) and items retired."""

    version: int
    moved: tuple[str, ...] = ()
    retired: tuple[RetiredItem, ...] = ()


class DefaultSet(NamedTuple):
    version: int
    groups: tuple[DefaultGroup, ...]
    changes: tuple[DefaultChange, ...] = ()

    def find(self, item_id: str) -> tuple[DefaultGroup, int, DefaultItem] | None:
        for group in self.groups:
            for index, item in enumerate(group.items):
                if item.id == item_id:
                    return group, index, item
        return None

    def current_id(self, item_id: str) -> str:
        """The id a link to ``item_id`` goes to: itself, or what replaced a retired item."""
        seen = {item_id}
        while self.find(item_id) is None:
            retired = next((r for c in self.changes for r in c.retired if r.id == item_id),
                           None)
            if retired is None or not retired.replaced_by or retired.replaced_by in seen:
                break
            item_id = retired.replaced_by
            seen.add(item_id)
        return item_id


def parse_defaults(raw: dict[str, Any]) -> DefaultSet:
    """A default set from the data of ``checklist.json``."""
    return DefaultSet(
        version=int(raw.get("version", 1)),
        groups=tuple(
            DefaultGroup(g["id"], g["title"], tuple(
                DefaultItem(i["id"], i["title"], i.get("why", ""),
                            bool(i.get("insurance_log", False)))
                for i in g["items"]))
            for g in raw["groups"]),
        changes=tuple(
            DefaultChange(int(c["version"]), tuple(c.get("moved", [])), tuple(
                RetiredItem(r["id"], r["group"], r["title"], r.get("why", ""),
                            bool(r.get("insurance_log", False)), r.get("replaced_by", ""))
                for r in c.get("retired", [])))
            for c in raw.get("changes", [])),
    )


@lru_cache(maxsize=1)
def _packaged_defaults() -> DefaultSet:
    return parse_defaults(
        json.loads((assets_dir() / "checklist.json").read_text(encoding="utf-8")))


def load_defaults() -> DefaultSet:
    """The packaged default checklist (groups by phase, items with stable ids)."""
    return _packaged_defaults()


def _used(state: dict[str, Any]) -> bool:
    """Whether the user did anything with an item: ticked it, wrote a note, set a due
    date or logged a call (and did not delete it)."""
    if state.get("deleted"):
        return False
    return bool(state.get("done") or str(state.get("note") or "").strip()
                or state.get("due") or state.get("calls"))


def upgrade_table(docs: dict[str, dict[str, Any]], change: DefaultChange
                  ) -> dict[str, dict[str, Any]]:
    """The raw checklist table (record id -> record) brought up to ``change.version``.

    Ticks, notes, due dates, calls and the user's own items stay as they are; new and
    reworded defaults need nothing (the workbook keeps only state, keyed by id). An
    item moved to another group loses its place among the old group's items and takes
    its default place in the new one. A retired item the user used becomes their own
    item, with the wording it had; one they never used is dropped.
    """
    retired = {r.id: r for r in change.retired}
    moved = set(change.moved)
    result: dict[str, dict[str, Any]] = {}
    for doc_id, doc in docs.items():
        item_id = doc.get("id")
        doc = dict(doc)
        if item_id in moved:
            doc.pop("order", None)
        if item_id in retired and not doc.get("user"):
            if not _used(doc):
                continue
            old = retired[item_id]
            doc.update(user=True, group=old.group, title=old.title, why=old.why)
            if old.insurance_log:
                doc["insurance_log"] = True
        result[doc_id] = doc
    return result


def upgrade_workbook(raw: dict[str, Any], version: int,
                     defaults: DefaultSet | None = None) -> dict[str, Any]:
    """Apply the default set's change at ``version`` to raw workbook data (a migration
    step; see :mod:`secondop_tui.core.schema`)."""
    defaults = defaults or load_defaults()
    change = next((c for c in defaults.changes if c.version == version), None)
    if change is not None and TABLE in raw:
        raw[TABLE] = upgrade_table(raw[TABLE], change)
    return raw
