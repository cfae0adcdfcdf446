"""Every context of the app a key can be pressed in (panes, dialogs, screens), how to
open each, and how to tell whether the workbook changed: shared by the every-key walk
and the paste fuzzing."""

from __future__ import annotations

import asyncio
import json
import time
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.widgets import Input, TextArea

from secondop_tui.core.checklist import Checklist
from secondop_tui.core.notes import AgendaItem, list_consultations, set_questions
from tests.helpers import wait_until
from tests.helpers import seed_opinions


ARROWS = ["up", "down", "left", "right"]
PAGE_KEYS = ["home", "end", "pageup", "pagedown"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"

KEYS: list[str] = [
    *ARROWS,
    *(f"{mod}+{key}" for mod in ("shift", "ctrl", "alt", "ctrl+shift") for key in ARROWS),
    *PAGE_KEYS,
    *(f"{mod}+{key}" for mod in ("shift", "ctrl", "alt") for key in PAGE_KEYS),
    "insert", "delete", "backspace", "tab", "shift+tab", "escape", "enter", "space",
    *(f"f{n}" for n in range(1, 13)),
    # ctrl+q quits the app: tested once, separately (test_ctrl_q_saves_and_quits).
    *(f"ctrl+{c}" for c in LETTERS if c != "q"),
    *(f"alt+{c}" for c in LETTERS),
    # A few printable characters (most letters are pane keys, pressed above as such).
    "a", "Z", "5", "question_mark", "slash", "é", "€",
]

TYPING = {"a", "Z", "5", "question_mark", "slash", "é", "€", "space"}
# Keys that edit the text of a note being written.
NOTE_EDITS = TYPING | {"enter", "backspace", "delete", "ctrl+t", "alt+t",
                       # TextArea: delete a word or to the line's start / end, paste, undo
                       "ctrl+w", "ctrl+u", "ctrl+k", "ctrl+d", "ctrl+f", "ctrl+v", "ctrl+x",
                       "ctrl+z", "ctrl+y", "ctrl+shift+up", "ctrl+shift+down"}


@dataclass
class Context:
    name: str
    # Opens the context from the workbook screen (no dialog open); returns when the
    # context has its focus.
    open: Callable[[object, object], Awaitable[None]]
    # Keys that may change the workbook here: bound (where they are pressed) to an
    # action that writes.
    changes: set[str] = field(default_factory=set)


# ---------------------------------------------------------------------------------------
# Opening each context


def key_event(key: str) -> events.Key:
    """The event Pilot's ``press`` sends for ``key``."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


async def settle(pilot, what: str = "the keys handled", timeout: float = 30.0,
                 handled: int = 0) -> None:
    """Until ``handled`` keys have been handed on and every key received is handled to its end: its widget and the widgets its
    messages bubbled through have run what it set off, the screen it opened has focused
    its first field (see ``key_order.py``). A condition, looked at every few milliseconds,
    with no wait for the CPU to idle."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while app.is_running and (app.keys_pending() or app.keys_handled < handled):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.002)
    if app.is_running:
        await app.workers.wait_for_complete()


async def press(pilot, *keys: str) -> None:
    """Pilot's ``press`` without its waits for an idle CPU (up to a second a key while
    the screen redraws): each key waits for the one before to be handled."""
    for key in keys:
        app = pilot.app
        handled = app.keys_handled + 1
        app.post_message(key_event(key))
        await settle(pilot, f"{key} handled", handled=handled)


async def show_pane(pilot, key: str, pane_id: str) -> None:
    app = pilot.app
    await press(pilot, key)
    await wait_until(pilot, lambda: app.screen.active_pane == pane_id
                     and app.focused is not None
                     and any(n.id == f"{pane_id}-pane" for n in app.focused.ancestors_with_self)
                     and getattr(app.screen.query_one(f"#{pane_id}-pane"), "ready", True),
                     f"the {pane_id} pane")


async def go_to_item(pilot, item_id: str) -> None:
    from secondop_tui.ui.panes.checklist import ChecklistPane

    pane = pilot.app.screen.query_one(ChecklistPane)
    if f"item:{item_id}" not in pane.options._id_to_option:
        # A key before deleted the item (delete), or folded its group (left): back
        checklist = Checklist(pilot.app.store)
        checklist.restore_item(item_id)
        pane._unfold(checklist.item(item_id).group)
        pane.rebuild()
    pane.options.highlighted = pane.options.get_option_index(f"item:{item_id}")
    await pilot.pause()


async def opened(pilot, keys: list[str], screen_name: str) -> None:
    app = pilot.app
    await press(pilot, *keys)
    await wait_until(pilot, lambda: type(app.screen).__name__ == screen_name
                     and app.screen.is_mounted and app.focused is not None
                     and app.focused.screen is app.screen,
                     f"{screen_name} open with its focus")


def pane(key: str, pane_id: str, *, item: str | None = None, then: list[str] = (),
         screen: str | None = None):
    async def open_(app, pilot) -> None:
        await show_pane(pilot, key, pane_id)
        if item is not None:
            await go_to_item(pilot, item)
        if screen is not None:
            await opened(pilot, list(then), screen)
        elif then:
            await press(pilot, *then)
            await settle(pilot)
    return open_


async def open_note(app, pilot) -> None:
    await show_pane(pilot, "4", "notes")
    await press(pilot, "enter")
    await wait_until(pilot, lambda: isinstance(app.focused, TextArea), "the note editor")


async def open_filter(app, pilot) -> None:
    await show_pane(pilot, "3", "doctors")
    await press(pilot, "slash")
    await wait_until(pilot, lambda: isinstance(app.focused, Input), "the filter")


async def open_pick(app, pilot) -> None:
    from secondop_tui.ui.commands import visit_pack

    visit_pack(app)
    await wait_until(pilot, lambda: type(app.screen).__name__ == "PickDialog"
                     and app.focused is not None, "the pick dialog")


def pushed(make, screen_name: str, *, focus: bool = True):
    """A dialog pushed with nothing waiting for its answer (the passphrase dialogs: an
    answer would encrypt the workbook, which no key may do here)."""
    async def open_(app, pilot) -> None:
        await show_pane(pilot, "1", "guidance")
        app.push_screen(make(app))
        await wait_until(pilot, lambda: type(app.screen).__name__ == screen_name
                         and app.screen.is_mounted
                         and (not focus or app.focused is not None
                              and app.focused.screen is app.screen),
                         f"{screen_name} open")
    return open_


def passphrase_dialog(name: str):
    from secondop_tui.ui.dialogs import passphrase_dialog as dialogs

    return getattr(dialogs, name)


def sync_dialog(app):
    from secondop_tui.ui.dialogs.sync_dialog import SyncDialog

    return SyncDialog(app.store)


INSURANCE = "insurance.referral"
FORM_SAVES = {"ctrl+s", "f2", "alt+s"}

CONTEXTS = [
    # Panes
    Context("guidance", pane("1", "guidance")),
    Context("checklist", pane("2", "checklist", item=INSURANCE),
            # tick, move the item, fold its group (kept in the workbook), delete (u undoes)
            {"space", "shift+up", "shift+down", "left", "right", "enter", "delete"}),
    Context("doctors", pane("3", "doctors")),
    Context("notes list", pane("4", "notes"), {"ctrl+t", "alt+t"}),  # a time stamp
    Context("note editor", open_note, NOTE_EDITS),
    Context("doctors filter", open_filter),
    # Dialogs
    Context("checklist item form", pane("2", "checklist", then=["a"],
                                        screen="ChecklistItemDialog")),
    Context("checklist note form", pane("2", "checklist", item=INSURANCE, then=["n"],
                                        screen="ChecklistItemDialog"), FORM_SAVES | {"enter"}),
    Context("due date form", pane("2", "checklist", item=INSURANCE, then=["d"],
                                  screen="ChecklistItemDialog"), FORM_SAVES | {"enter"}),
    Context("insurance call form", pane("2", "checklist", item=INSURANCE, then=["l"],
                                        screen="ChecklistCallDialog"), FORM_SAVES | {"enter"}),
    Context("calls list", pane("2", "checklist", item=INSURANCE, then=["c"],
                               screen="ChecklistCallsDialog")),
    # enter presses the focused button, the first: Delete
    Context("confirm dialog", pane("3", "doctors", then=["d"], screen="ChoiceDialog"),
            {"enter"}),
    Context("doctor form", pane("3", "doctors", then=["a"], screen="DoctorFormDialog")),
    Context("doctor details", pane("3", "doctors", then=["v"], screen="DoctorDetailDialog")),
    Context("new consultation", pane("4", "notes", then=["n"], screen="NotesNewDialog"),
            FORM_SAVES | {"enter"}),
    Context("question picker", pane("4", "notes", then=["f4"], screen="NotesQuestionsDialog"),
            FORM_SAVES),
    Context("opinion form", pane("4", "notes", then=["f6"], screen="OpinionDialog"),
            FORM_SAVES),
    Context("profile form", pane("4", "notes", then=["ctrl+l", "d"], screen="ProfileDialog"),
            FORM_SAVES),
    Context("notes export", pane("4", "notes", then=["f8"], screen="NotesExportDialog")),
    Context("timeline export", pane("4", "notes", then=["ctrl+l", "x"],
                                    screen="ExportTextDialog")),
    Context("pick dialog", open_pick),
    Context("passphrase at start", pushed(
        lambda app: passphrase_dialog("UnlockDialog")(app.data_dir), "UnlockDialog")),
    Context("encrypt form", pushed(lambda app: passphrase_dialog("EncryptDialog")(),
                                   "EncryptDialog")),
    Context("change passphrase form", pushed(
        lambda app: passphrase_dialog("ChangePassphraseDialog")(), "ChangePassphraseDialog")),
    Context("decrypt form", pushed(lambda app: passphrase_dialog("DecryptDialog")(),
                                   "DecryptDialog")),
    Context("shared passphrase", pushed(
        lambda app: passphrase_dialog("SharedPassphraseDialog")(b"", b""),
        "SharedPassphraseDialog")),
    # Sync now on a workbook not synced: the dialog says how to set it up.
    Context("sync dialog", pushed(lambda app: sync_dialog(app), "SyncDialog")),
    Context("recovery key", pushed(
        lambda app: passphrase_dialog("RecoveryKeyDialog")("AGE-SECRET-KEY-1EXAMPLE"),
        "RecoveryKeyDialog", focus=False)),
    # Screens
    Context("help", pane("2", "checklist", then=["f1"], screen="HelpScreen")),
    Context("command palette", pane("1", "guidance", then=["ctrl+p"],
                                    screen="CommandPalette"), {"enter"}),
    Context("guidance contents", pane("1", "guidance", then=["t"],
                                      screen="GuidanceContentsScreen")),
    Context("consultation mode", pane("4", "notes", then=["f5"], screen="ConsultationScreen"),
            NOTE_EDITS | {"alt+m", "f8", "alt+a", "f2", "alt+w", "f3", "alt+d", "f9"}),
    Context("compare opinions", pane("4", "notes", then=["f7"], screen="CompareScreen")),
    Context("timeline", pane("4", "notes", then=["ctrl+l"], screen="TimelineScreen")),
]


# ---------------------------------------------------------------------------------------
# The walk


def seed(store) -> None:
    """Something in every list: two doctors with consultations and opinions, questions
    on a consultation's agenda, a logged insurance call."""
    seed_opinions(store, 2)
    for visit in list_consultations(store):
        set_questions(store, visit.doc_id, [AgendaItem("What stage is it?"),
                                            AgendaItem("Which treatment first?")])
    Checklist(store).add_call(INSURANCE, "18 Nov 2026", "Jane", "A123", "covered")


def workbook(app, store) -> str:
    """The workbook as it stands, with what widgets still hold (a note being typed)."""
    app.collect_pending_edits()
    return stored(store)


def stored(store) -> str:
    """What the store holds, as text to compare.

    Leaves out where the guidance is being read: any key that scrolls it moves the
    reading position, which the pane remembers on a timer (where the reader is, not
    anything they entered)."""
    from secondop_tui.core.store import SETTINGS_TABLE
    from secondop_tui.ui.panes.guidance import POSITION_SETTING

    data = store.storage.read()
    settings = {key: kept for key, doc in data.get(SETTINGS_TABLE, {}).items()
                if (kept := {k: v for k, v in doc.items() if k != POSITION_SETTING})}
    return json.dumps({**data, SETTINGS_TABLE: settings}, sort_keys=True, default=str)


def difference(before: str, after: str) -> str:
    """Which records a key changed, for the failure message."""
    old, new = json.loads(before), json.loads(after)
    changed = []
    for table in sorted(set(old) | set(new)):
        rows_old, rows_new = old.get(table, {}), new.get(table, {})
        for key in sorted(set(rows_old) | set(rows_new)):
            if rows_old.get(key) != rows_new.get(key):
                changed.append(f"{table}[{key}]: {rows_old.get(key)!r} -> {rows_new.get(key)!r}"[:300])
    return "; ".join(changed)


def where(app) -> tuple[object, object]:
    return app.screen, app.focused


async def back_to_the_workbook(pilot) -> None:
    """Escape out of whatever is open (a dialog, a screen, a note or filter being
    typed); what escape does not close (a form that asks whether to discard) is closed
    without its answer."""
    app = pilot.app

    def in_something() -> bool:
        return len(app.screen_stack) > 1 or isinstance(app.focused, (Input, TextArea))

    for _ in range(3):
        if not in_something():
            break
        await press(pilot, "escape")
    while len(app.screen_stack) > 1:
        await app.pop_screen()
        await settle(pilot)
    app.clear_notifications()
