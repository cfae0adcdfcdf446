"""The installed app on an encrypted workbook, in a real pseudo-terminal: what is typed
reaches no file in plain form, while the app runs and after it quits, and the note's
round trip through $EDITOR leaves nothing behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from secondop_tui.core import encryption, kept_notes
from secondop_tui.core.store import WorkbookStore
from tests.helpers import (PANES, PASSPHRASE, encrypted, files_holding, open_the_note,
                           poll_until, workbook_with_a_consultation)
from tests.pty_terminal import Terminal, installed_command

pytestmark = [pytest.mark.e2e, pytest.mark.loaded]

TYPED_NOTE = "Xylocarpheno"
TYPED_DOCTOR = "Dr Wobblequist"
TYPED_ITEM_NOTE = "Plinthavorn"
TYPED = (TYPED_NOTE, TYPED_DOCTOR, TYPED_ITEM_NOTE)


def start(data_dir: Path, cwd: Path, env: dict | None = None) -> Terminal:
    term = Terminal([installed_command(), "--data-dir", str(data_dir)], cwd=str(cwd),
                    env=env)
    term.wait_for("This workbook is encrypted")
    assert not any(title in term.display for title in PANES)
    term.type(PASSPHRASE)
    term.send("enter")
    return term


def saved(data_dir: Path, key, word: str) -> bool:
    store = WorkbookStore.open(data_dir, read_only=True, key=key)
    try:
        return word in str(store.storage.read())
    finally:
        store.close()


def test_typed_words_reach_no_file_in_plain_form(tmp_path: Path):
    data_dir = tmp_path / "data"
    workbook_with_a_consultation(data_dir)
    key = encrypted(data_dir)
    term = start(data_dir, tmp_path)
    try:
        open_the_note(term)
        term.type(f"the pathologist said {TYPED_NOTE} ", delay=0.01)
        term.send("escape")
        term.wait_for("n New")  # back in the list (a key at once would read as alt+key)
        term.send("3")
        term.wait_for("Filter (/)")
        term.send("a")
        term.wait_for("Add a doctor")
        term.type(TYPED_DOCTOR, delay=0.01)
        term.send("ctrl+s")
        term.wait_gone("Add a doctor")
        term.send("2")
        term.wait_for("Overall")
        term.send("down", "n")
        term.wait_for("Note and due date")
        term.type(TYPED_ITEM_NOTE, delay=0.01)
        term.send("ctrl+s")
        term.wait_gone("Note and due date")
        for word in TYPED:
            poll_until(lambda: saved(data_dir, key, word), f"{word} saved")
        assert files_holding(data_dir, TYPED) == []  # while the app runs
        term.send("ctrl+q")
        assert os.waitstatus_to_exitcode(term.wait_exit()) == 0
    finally:
        term.close()
    assert files_holding(data_dir, TYPED) == []  # after it quits
    assert encryption.plain_copies(data_dir) == []


def test_editor_round_trip_uses_a_private_temp_folder_and_removes_it(tmp_path: Path):
    data_dir = tmp_path / "data"
    workbook_with_a_consultation(data_dir)
    key = encrypted(data_dir)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    seen = tmp_path / "seen-by-the-editor.txt"
    editor = tmp_path / "editor.sh"
    # The editor writes where its file is, adds a word, and saves.
    editor.write_text(f"#!/bin/sh\necho \"$1\" > {seen}\nprintf '{TYPED_NOTE}' >> \"$1\"\n")
    editor.chmod(0o700)
    term = start(data_dir, tmp_path, env={"EDITOR": str(editor), "VISUAL": str(editor),
                                          "XDG_RUNTIME_DIR": str(runtime)})
    try:
        open_the_note(term)
        term.send("escape")
        term.wait_for("n New")
        term.send("\x1bOR")  # F3: the note in $EDITOR
        poll_until(lambda: saved(data_dir, key, TYPED_NOTE), "the editor's text saved")
        used = Path(seen.read_text().strip())
        assert used.parent.parent == runtime and used.parent.name.startswith(
            kept_notes.EDIT_FOLDER_PREFIX)
        poll_until(lambda: not used.parent.exists(), "the private temp folder removed")
        assert files_holding(data_dir, [TYPED_NOTE]) == []
        term.send("ctrl+q")
        assert os.waitstatus_to_exitcode(term.wait_exit()) == 0
    finally:
        term.close()
    assert list(runtime.iterdir()) == []


def test_encrypt_on_the_terminal_asks_twice_with_a_hint_and_shows_the_key(tmp_path: Path):
    """``secondop-tui encrypt`` typed at a terminal: a weak passphrase gets a hint and a
    question (never a refusal), two that differ are asked again, and the recovery key
    is shown once at the end."""
    data_dir = tmp_path / "data"
    workbook_with_a_consultation(data_dir)
    term = Terminal([installed_command(), "--data-dir", str(data_dir), "encrypt"],
                    cwd=str(tmp_path), rows=40)

    def prompts(text: str) -> int:
        return term.display.count(text)

    try:
        term.wait_for("There is no reset.", "New passphrase:")  # (long lines wrap)
        term.type("password1")
        term.send("enter")
        term.wait_for("Strength: very weak", "Keep this passphrase anyway?")
        term.send("enter")  # no: choose another
        poll_until(lambda: prompts("New passphrase:") == 2, "asked again")
        term.type("walking the dog by the river")
        term.send("enter")
        term.wait_for("Strength: strong", "The same passphrase again:")
        term.type("walking the dog by the sea")
        term.send("enter")
        term.wait_for("The two did not match")
        poll_until(lambda: prompts("New passphrase:") == 3, "asked once more")
        term.type("walking the dog by the river")
        term.send("enter")
        poll_until(lambda: prompts("The same passphrase again:") == 2, "asked to repeat")
        term.type("walking the dog by the river")
        term.send("enter")
        screen = term.wait_for("AGE-SECRET-KEY-1", timeout=120)
        assert os.waitstatus_to_exitcode(term.wait_exit()) == 0
    finally:
        term.close()
    assert "shownthisonceonly" in "".join(screen.split())
    recovery = next(word for word in screen.split() if word.startswith("AGE-SECRET-KEY-1"))
    assert encryption.unlock(data_dir, "walking the dog by the river").recipient == \
        encryption.unlock(data_dir, recovery).recipient
