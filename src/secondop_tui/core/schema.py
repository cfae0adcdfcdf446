"""The workbook's schema version and the migrations between versions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from secondop_tui import __version__
from secondop_tui.core import clock
from secondop_tui.core.checklist_defaults import upgrade_workbook
from secondop_tui.core.codec import META_ID, META_TABLE, schema_of

SCHEMA_VERSION = 2

Raw = dict[str, Any]

# MIGRATIONS[n] turns raw data of version n into version n + 1. They run on the raw
# tables before TinyDB sees them, after a backup of the file has been taken.


def _checklist_v2(raw: Raw) -> Raw:
    """Schema 2: the checklist's default set 2 (a booking phase, one task per item, a
    duplicate and an item that could never be ticked retired). What the user ticked,
    wrote or logged stays; see :func:`secondop_tui.core.checklist_defaults.upgrade_table`."""
    return upgrade_workbook(raw, 2)


MIGRATIONS: dict[int, Callable[[Raw], Raw]] = {1: _checklist_v2}


def now_iso() -> str:
    """The current local time, to the second, with its offset."""
    return clock.now_with_offset().isoformat(timespec="seconds")


def new_workbook() -> Raw:
    """Raw data of an empty workbook at the current schema version. Its random ``id``
    tells one workbook from another (the calendar's and the contacts' UIDs hold it)."""
    # deferred: start-up speed (loaded only on the path that uses it)
    import uuid

    return {
        META_TABLE: {
            META_ID: {"schema": SCHEMA_VERSION, "created": now_iso(), "app_version": __version__,
                      "id": uuid.uuid4().hex}
        }
    }


def migrate(raw: Raw, target: int | None = None) -> Raw:
    """Run the migrations from the data's version up to ``target`` (the current one)."""
    target = SCHEMA_VERSION if target is None else target
    version = schema_of(raw)
    while version < target:
        step = MIGRATIONS.get(version)
        if step is None:
            raise RuntimeError(f"no migration from schema {version} to {version + 1}")
        raw = step(raw)
        version += 1
        raw[META_TABLE][META_ID]["schema"] = version
    raw[META_TABLE][META_ID]["app_version"] = __version__
    return raw
