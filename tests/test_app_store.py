"""The app's side of the store: startup questions, save warnings, conflicts, signals."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from textual.widgets import Static

from secondop_tui.core import codec
from secondop_tui.core.errors import WorkbookDamaged, WorkbookLocked
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.app import SecondOpinionApp
from secondop_tui.ui.workbook_screen import WorkbookScreen
from secondop_tui.ui.dialogs.choice_dialog import ChoiceDialog
from tests.helpers import HOLDER, settled, wait_until


def open_problem(data_dir: Path):
    try:
        return WorkbookStore.open(data_dir), None
    except (WorkbookLocked, WorkbookDamaged) as error:
        return None, error


def edit_by_hand(store) -> None:
    """The app's value saved, then changed in the file behind the app's back."""
    store.set_setting("mine", "app value")
    store.flush()
    raw = codec.decode(store.path.read_bytes())
    raw["settings"]["1"]["mine"] = "hand edit"
    store.path.write_bytes(codec.encode(raw))


async def test_second_copy_offers_read_only(data_dir: Path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(data_dir)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout and holder.stdout.readline().strip() == "HOLDING"
        store, problem = open_problem(data_dir)
        assert isinstance(problem, WorkbookLocked)
        app = SecondOpinionApp(problem=problem, data_dir=data_dir, watch_signals=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, ChoiceDialog)
            body = str(app.screen.query_one(".dialog-body", Static).render())
            assert f"process {holder.pid}" in body
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, WorkbookScreen)
            assert app.store is not None and app.store.read_only
            assert "READ-ONLY" in app.sub_title
            await pilot.press("ctrl+q")
    finally:
        holder.kill()
        holder.wait()


async def test_second_copy_can_quit(data_dir: Path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(data_dir)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout and holder.stdout.readline().strip() == "HOLDING"
        _, problem = open_problem(data_dir)
        app = SecondOpinionApp(problem=problem, data_dir=data_dir, watch_signals=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("q")
            await pilot.pause()
        assert app.store is None
    finally:
        holder.kill()
        holder.wait()


async def test_damaged_workbook_restore_from_dialog(data_dir: Path):
    for n in range(2):
        store = WorkbookStore.open(data_dir, autoflush=True)
        store.table("notes").insert({"text": f"note {n}"})
        store.changed()
        store.close()
    (data_dir / "workbook.json").write_bytes(b"\x00\x00garbage")
    _, problem = open_problem(data_dir)
    assert isinstance(problem, WorkbookDamaged)
    app = SecondOpinionApp(problem=problem, data_dir=data_dir, watch_signals=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        body = str(app.screen.query_one(".dialog-body", Static).render())
        assert "damaged" in app.screen.dialog_title and "kept as" in body
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, WorkbookScreen)
        assert not app.store.read_only
        assert len(app.store.table("notes")) >= 1
        await pilot.press("ctrl+q")
    assert list(data_dir.glob("workbook.damaged-*.json"))[0].read_bytes() == b"\x00\x00garbage"


async def test_a_restore_that_fails_says_why_and_asks_again(data_dir: Path, monkeypatch):
    from secondop_tui.ui import startup

    store = WorkbookStore.open(data_dir, autoflush=True)
    store.table("notes").insert({"text": "kept"})
    store.changed()
    store.close()
    (data_dir / "workbook.json").write_bytes(b"\x00\x00garbage")
    _, problem = open_problem(data_dir)
    assert isinstance(problem, WorkbookDamaged) and problem.backup is not None

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(startup, "restore_backup", full_disk)
    app = SecondOpinionApp(problem=problem, data_dir=data_dir, watch_signals=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first = app.screen
        await pilot.press("b")
        await wait_until(pilot, lambda: app.screen is not first
                         and isinstance(app.screen, ChoiceDialog), "the question again")
        assert "damaged" in app.screen.dialog_title
        assert any("Could not restore the backup" in n.message and "No space" in n.message
                   for n in app._notifications)
        assert app.store is None
        await pilot.press("q")
    assert (data_dir / "workbook.json").read_bytes() == b"\x00\x00garbage"


async def test_damaged_workbook_started_read_only_offers_no_restore(data_dir: Path):
    """--read-only writes nothing: the dialog says a restore needs a normal start."""
    for n in range(2):
        store = WorkbookStore.open(data_dir, autoflush=True)
        store.table("notes").insert({"text": f"note {n}"})
        store.changed()
        store.close()
    (data_dir / "workbook.json").write_bytes(b"\x00\x00garbage")
    try:
        WorkbookStore.open(data_dir, read_only=True)
    except WorkbookDamaged as error:
        problem = error
    assert problem.backup is not None
    before = sorted(p.name for p in data_dir.iterdir())
    app = SecondOpinionApp(problem=problem, data_dir=data_dir, watch_signals=False,
                           read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog)
        assert [c.value for c in dialog.choices] == ["read-only", "quit"]
        body = str(dialog.query_one(".dialog-body", Static).render())
        assert "needs a normal start (without --read-only)" in body
        await pilot.press("b")  # not offered: nothing happens
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("r")  # the backup, read-only
        await pilot.pause()
        assert isinstance(app.screen, WorkbookScreen)
        assert app.store is not None and app.store.read_only
        assert len(app.store.table("notes")) >= 1
        await pilot.press("ctrl+q")
    assert (data_dir / "workbook.json").read_bytes() == b"\x00\x00garbage"
    assert sorted(p.name for p in data_dir.iterdir()) == before  # nothing written


async def test_damaged_without_backup_opens_empty_read_only(data_dir: Path):
    data_dir.mkdir(mode=0o700)
    (data_dir / "workbook.json").write_bytes(b"{")
    _, problem = open_problem(data_dir)
    app = SecondOpinionApp(problem=problem, data_dir=data_dir, watch_signals=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert app.store is not None and app.store.read_only
        await pilot.press("ctrl+q")
    assert (data_dir / "workbook.json").read_bytes() == b"{"


async def test_a_change_made_through_the_store_alone_is_saved(make_app, store):
    """Nobody tells the app: the store announces the change and the app saves it, once
    for the writes of one step, and counts each write for what is built from the store."""
    from tests.helpers import wait_until

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        version = app.workbook_version
        saves = []
        real_save = app.save_in_background
        app.save_in_background = lambda: (saves.append(1), real_save())[1]
        store.set_setting("said", "by the store alone")
        store.set_setting("and", "again")
        assert app.workbook_version == version + 2
        await wait_until(pilot, lambda: b"by the store alone" in store.path.read_bytes(),
                         "the change saved")
        assert len(saves) == 1
        assert "saved" in app.sub_title
        # A write on another thread is saved too, by the app's own thread.
        thread = threading.Thread(target=store.set_setting, args=("thread", "from a worker"))
        thread.start()
        thread.join()
        await wait_until(pilot, lambda: b"from a worker" in store.path.read_bytes(),
                         "the other thread's change saved")
        assert app.workbook_version == version + 3


async def test_failed_save_shows_a_persistent_warning_and_recovers(make_app, store, monkeypatch):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        real_write = os.write
        monkeypatch.setattr(os, "write", lambda fd, data: (_ for _ in ()).throw(
            OSError(errno.ENOSPC, "No space left on device")))
        store.set_setting("note", "typed on a full disk")
        app.changed()
        await app.workers.wait_for_complete()
        await pilot.pause()
        warning = app.screen.query_one("#save-warning", Static)
        assert warning.has_class("-visible")
        assert "NOT SAVED" in str(warning.render()) and "disk is full" in str(warning.render())
        assert "NOT SAVED" in app.sub_title
        # Quitting now asks first.
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("s")  # stay
        await pilot.pause()
        monkeypatch.setattr(os, "write", real_write)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not warning.has_class("-visible")
    assert b"typed on a full disk" in store.path.read_bytes()


async def test_external_edit_asks_before_overwriting(make_app, store):
    edit_by_hand(store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        store.set_setting("more", 1)
        app.changed()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        assert b"hand edit" in store.path.read_bytes()
        await pilot.press("l")  # reload from disk
        await pilot.pause()
        assert store.get_setting("mine") == "hand edit"
        assert list(store.paths.data_dir.glob("workbook.mine-*.json"))


async def test_a_reload_from_disk_reaches_the_screens_that_show_the_store(make_app, store,
                                                                         monkeypatch):
    from secondop_tui.ui.screens.timeline_screen import TimelineScreen

    reloaded = []
    monkeypatch.setattr(TimelineScreen, "on_workbook_reloaded",
                        lambda self: reloaded.append(self))
    edit_by_hand(store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        timeline = TimelineScreen(store)
        await app.push_screen(timeline)
        await pilot.pause()
        store.set_setting("more", 1)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("l")  # reload from disk
        await pilot.pause()
        assert reloaded == [timeline]
        assert app.screen is timeline
        await pilot.press("escape")
        await pilot.pause()
        app.answer_conflict("reload")  # a closed screen hears nothing
        assert reloaded == [timeline]


async def test_quit_and_hangup_while_an_external_edit_is_unanswered(make_app, store,
                                                                   monkeypatch):
    """ctrl+q waits for the answer (and says so); a hangup before it keeps both versions."""
    monkeypatch.setattr("threading.Timer.start", lambda self: None)
    store.set_setting("mine", "app value")
    store.flush()
    raw = codec.decode(store.path.read_bytes())
    raw["settings"]["1"]["mine"] = "hand edit"
    theirs = codec.encode(raw)
    store.path.write_bytes(theirs)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        store.set_setting("typed", "PRECIOUSWORDS")
        app.changed()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ChoiceDialog)
        assert any("choose which version" in n.message for n in app._notifications)
        app.on_terminate_signal(signal.SIGHUP)
        await pilot.pause()
    assert store.closed and not store.lock.held
    assert store.path.read_bytes() == theirs
    [aside] = store.paths.data_dir.glob("workbook.unsaved-*.json")
    assert b"PRECIOUSWORDS" in aside.read_bytes()


async def test_sighup_saves_and_releases_the_lock(make_app, store, monkeypatch):
    from secondop_tui.ui.leaving import HangupWatchdog

    exits = []
    monkeypatch.setattr(HangupWatchdog, "start", lambda self: exits.append(self))
    app = make_app(leave_if_stuck=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        store.set_setting("typed", "before the line dropped")
        app.on_terminate_signal(signal.SIGHUP)
        await pilot.pause()
    assert store.closed and not store.lock.held
    assert b"before the line dropped" in store.path.read_bytes()
    assert exits, "a watchdog that ends the process if leaving gets stuck was started"
    WorkbookStore.open(store.paths.data_dir).close()  # lock is free


async def test_a_hangup_does_not_wait_for_ever_on_a_key_that_cannot_end(
        make_app, store, monkeypatch):
    """A key held in the app's order of keys whose handling can no longer end (its
    widget went away, or it has been held past the limit): after a hangup no other key
    comes to move it on, so the app lets go of it itself, saves, releases the lock and
    leaves, instead of waiting for it (and holding the lock) for ever."""
    from textual import events

    from secondop_tui.ui import key_order
    from secondop_tui.ui.leaving import HangupWatchdog

    monkeypatch.setattr(HangupWatchdog, "start", lambda self: None)
    app = make_app(leave_if_stuck=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        store.set_setting("typed", "before the line dropped")
        # A key whose handling stopped part-way, long ago.
        app._held_key = events.Key("x", "x")
        app._held_since -= key_order.KEY_GIVE_UP + 1
        app.on_terminate_signal(signal.SIGHUP)
        await wait_until(pilot, lambda: store.closed, "the workbook saved and closed",
                         workers=False)
    assert not store.lock.held
    assert b"before the line dropped" in store.path.read_bytes()


@pytest.mark.parametrize("pane", ["guidance", "checklist", "doctors", "notes"])
def test_each_pane_snapshot(snap_compare, store, pane):
    app = SecondOpinionApp(store=store, watch_signals=False)
    keys = {"guidance": "1", "checklist": "2", "doctors": "3", "notes": "4"}
    assert snap_compare(app, run_before=settled(keys[pane]), terminal_size=(80, 24))


@pytest.mark.parametrize("then", ["escape", "ctrl+s"])
async def test_external_edit_found_while_typing_waits_for_the_typist(make_app, store, then):
    """A hand edit found by the save that typing started: no question pops up under the
    typist's fingers (its answers are letters: "like" would reload the workbook). The
    note takes every key; a line says what happened; leaving the note, or ctrl+s, asks."""
    from secondop_tui.core import notes
    from tests.helpers import burst_handled, open_notes_pane, post_burst, wait_until

    visit = notes.new_consultation(store, title="Visit")
    edit_by_hand(store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_notes_pane(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane.editor.has_focus, "the note has the keys")
        post_burst(app, *"first ")
        await burst_handled(pilot)
        pane.editor.commit_text()  # the save typing starts finds the hand edit
        await wait_until(pilot, lambda: app.conflict_waiting, "the hand edit found")
        post_burst(app, *"like keeping both", "space")
        await burst_handled(pilot)
        assert not isinstance(app.screen, ChoiceDialog)
        assert pane.editor.text == "first like keeping both "
        warning = app.screen.query_one("#save-warning", Static)
        assert "changed outside the app" in str(warning.render())
        assert "NOT SAVED" in app.sub_title
        assert b"hand edit" in store.path.read_bytes()  # nothing overwritten
        await pilot.press(then)
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceDialog),
                         "the question asked")
        await pilot.press("k")  # keep mine
        await wait_until(pilot, lambda: not app.conflict_waiting
                         and notes.get_consultation(store, visit.doc_id).note
                         in store.path.read_text(encoding="utf-8")
                         and "first like keeping both " in store.path.read_text(encoding="utf-8"),
                         "the app's version saved")
        assert list(store.paths.data_dir.glob("workbook.external-*.json"))
        assert not warning.has_class("-visible")
