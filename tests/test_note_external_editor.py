"""The note opened in the user's own editor ($EDITOR, alt+e or F3): whatever the editor
saved is the user's text, even when the editor then fails (vim ends with status 1 when
the connection drops after a :w). It reaches the note, or a kept file that the next
start and ``check`` name; the editor's file is removed only when it holds nothing new."""

from __future__ import annotations

import stat
from pathlib import Path

from secondop_tui.core import kept_notes
from secondop_tui.core import notes as core
from secondop_tui.core.check import run_check
from secondop_tui.core.notes import new_consultation, save_note
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.dialogs.choice_dialog import ChoiceDialog
from secondop_tui.ui.panes.notes import NotesPane
from tests.helpers import wait_until


def editor(tmp_path: Path, monkeypatch, body: str) -> None:
    """Set $EDITOR to a shell script (``$1`` is the note's file)."""
    script = tmp_path / "editor.sh"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o700)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)


def note(store) -> str:
    [consultation] = core.list_consultations(store)
    return consultation.note


def editor_files(store) -> list[Path]:
    return sorted(store.paths.data_dir.glob(".note-edit-*"))


async def open_in_editor(pilot) -> NotesPane:
    await pilot.press("4")
    await wait_until(pilot, lambda: pilot.app.screen.query(NotesPane), "the Notes pane mounted")
    pane = pilot.app.screen.query_one(NotesPane)
    await wait_until(pilot, lambda: pane.current is not None, "a consultation selected")
    await pilot.press("enter", *"typed here", "f3")
    return pane


async def test_text_saved_before_the_editor_fails_reaches_the_note(make_app, store,
                                                                  tmp_path, monkeypatch):
    editor(tmp_path, monkeypatch, 'printf "\\nsaved in the editor\\n" >> "$1"\nexit 1')
    new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_in_editor(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceDialog),
                         "the dialog about the editor open")
        # In the store before any answer: a dropped connection saves it as it is.
        assert note(store) == "typed here\nsaved in the editor\n"
        assert pane.editor.text == "typed here\nsaved in the editor\n"
        await pilot.press("escape")  # keeps it
        await wait_until(pilot, lambda: not isinstance(app.screen, ChoiceDialog),
                         "the dialog about the editor closed")
        assert note(store) == "typed here\nsaved in the editor\n"
        assert editor_files(store) == []
        assert kept_notes.kept_notes(store.paths.data_dir) == []


async def test_the_note_can_be_put_back_after_a_failed_editor(make_app, store, tmp_path,
                                                             monkeypatch):
    editor(tmp_path, monkeypatch, 'printf "\\nsaved in the editor" >> "$1"\nexit 1')
    new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_in_editor(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceDialog),
                         "the dialog about the editor open")
        await pilot.press("u")
        await wait_until(pilot, lambda: note(store) == "typed here",
                         "the editor's text in the stored note")
        await wait_until(pilot, lambda: pane.editor.text == "typed here",
                         "the editor's text in the note shown")
        assert editor_files(store) == []


async def test_an_editor_failing_without_saving_leaves_the_note(make_app, store, tmp_path,
                                                               monkeypatch):
    ran = tmp_path / "ran"
    editor(tmp_path, monkeypatch, f'touch "{ran}"\nexit 1')
    new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_in_editor(pilot)
        await wait_until(pilot, ran.exists, "the editor run")
        await wait_until(pilot, lambda: editor_files(store) == [], "the editor's file removed")
        await pilot.pause()
        assert not isinstance(app.screen, ChoiceDialog)
        assert note(store) == "typed here" and pane.editor.text == "typed here"
        assert kept_notes.kept_notes(store.paths.data_dir) == []


async def test_text_the_note_cannot_take_is_kept_and_named(make_app, store, tmp_path,
                                                          monkeypatch):
    # Not UTF-8: taken in, it would be changed; it is kept whole instead.
    editor(tmp_path, monkeypatch, 'printf "\\n\\351t\\351 words" >> "$1"\nexit 0')
    new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_in_editor(pilot)
        data_dir = store.paths.data_dir
        await wait_until(pilot, lambda: kept_notes.kept_notes(data_dir) != [],
                         "a kept note written")
        await pilot.pause()
        assert note(store) == "typed here"
        assert editor_files(store) == []
    [kept] = kept_notes.kept_notes(store.paths.data_dir)
    assert kept.read_bytes() == b"typed here\n\xe9t\xe9 words"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    report, code = run_check(store.paths.data_dir)
    assert kept.name in report and code == 0


async def test_text_is_kept_when_the_note_cannot_be_changed(make_app, store, tmp_path,
                                                           monkeypatch):
    editor(tmp_path, monkeypatch, 'printf " and more" >> "$1"\nexit 0')
    new_consultation(store, title="Visit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await wait_until(pilot, lambda: app.screen.query(NotesPane), "the Notes pane mounted")
        pane = app.screen.query_one(NotesPane)
        await wait_until(pilot, lambda: pane.current is not None, "a consultation selected")
        await pilot.press("enter", *"typed here")
        await wait_until(pilot, lambda: pane.editor.text == "typed here",
                         "the editor's text in the note shown")
        pane.save_pending_edits()

        def refuse(*args):
            raise PermissionError("the workbook is read-only")

        monkeypatch.setattr(core, "save_note", refuse)
        await pilot.press("f3")
        data_dir = store.paths.data_dir
        await wait_until(pilot, lambda: kept_notes.kept_notes(data_dir) != [],
                         "a kept note written")
        assert app.is_running and pane.editor.text == "typed here"
    [kept] = kept_notes.kept_notes(store.paths.data_dir)
    assert kept.read_text() == "typed here and more"


def test_a_file_left_by_an_app_that_was_killed_is_kept_at_the_next_start(data_dir):
    store = WorkbookStore.open(data_dir)
    visit = new_consultation(store, title="Visit")
    other = new_consultation(store, title="Other")
    save_note(store, visit.doc_id, "before")
    save_note(store, other.doc_id, "other note")
    store.close()
    # What an app killed while the editor was open leaves: one file the editor saved
    # in, one it did not.
    changed = kept_notes.edit_file(data_dir, visit.doc_id, "before")
    changed.write_text("before, and words saved in the editor")
    untouched = kept_notes.edit_file(data_dir, other.doc_id, "other note")
    report, _ = run_check(data_dir)
    assert changed.name in report and untouched.name in report

    store = WorkbookStore.open(data_dir)
    try:
        [kept] = kept_notes.kept_notes(data_dir)
        assert kept.read_text() == "before, and words saved in the editor"
        assert kept.name.startswith(f"kept-note-{visit.doc_id}-")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert not changed.exists() and not untouched.exists()
        assert any(kept.name in notice for notice in store.notices)
    finally:
        store.close()
    report, code = run_check(data_dir)
    assert f"Kept notes: {kept.name}" in report and code == 0
    # A read-only open touches nothing.
    leftover = kept_notes.edit_file(data_dir, visit.doc_id, "something else")
    WorkbookStore.open(data_dir, read_only=True).close()
    assert leftover.exists()
