"""Typing a consultation note in the installed app, then losing it the hard ways.

SIGHUP (the SSH connection dropping) and SIGTERM must lose nothing; SIGKILL may lose at
most the last second of typing. Afterwards the workbook loads, ``check`` passes and the
export holds the words.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from secondop_tui.core import notes
from secondop_tui.core.store import WorkbookStore
from tests.helpers import open_the_note, poll_until, workbook_with_a_consultation
from tests.pty_terminal import Terminal, installed_command

pytestmark = [pytest.mark.e2e, pytest.mark.loaded]


def note_text(data_dir: Path, doc_id: int) -> str:
    store = WorkbookStore.open(data_dir, read_only=True)
    try:
        consultation = notes.get_consultation(store, doc_id)
        assert consultation is not None
        return consultation.note
    finally:
        store.close()


def open_note(data_dir: Path, tmp_path: Path) -> Terminal:
    term = Terminal([installed_command(), "--data-dir", str(data_dir)], cwd=str(tmp_path))
    try:
        open_the_note(term)
    except BaseException:
        term.close()  # never leave the app running behind a failed test
        raise
    return term


def type_words(term: Terminal, words: str) -> None:
    term.type(words, delay=0.01)  # a fast typist: 100 characters a second


def checks_and_exports(data_dir: Path) -> str:
    command = installed_command()
    check = subprocess.run([command, "--data-dir", str(data_dir), "check"],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    export = subprocess.run([command, "--data-dir", str(data_dir), "export", "--only", "notes"],
                            capture_output=True, text=True, timeout=60)
    assert export.returncode == 0, export.stderr
    return export.stdout


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
def test_hangup_while_typing_loses_nothing(tmp_path: Path, sig: int):
    data_dir = tmp_path / "data"
    doc_id = workbook_with_a_consultation(data_dir)
    term = open_note(data_dir, tmp_path)
    try:
        words = "the doctor said stage two and suggested surgery first "
        type_words(term, words)
        term.wait_for("stage two")
        term.signal(sig)  # at once: the last keystrokes are still in the debounce window
        term.wait_exit()
    finally:
        term.close()
    assert words.strip() in note_text(data_dir, doc_id)
    assert "suggested surgery first" in checks_and_exports(data_dir)
    WorkbookStore.open(data_dir).close()  # the lock was released


def test_hangup_right_after_a_burst_keeps_the_whole_burst(tmp_path: Path):
    """A fast typist or a slow link delivers keys together; the connection drops a
    moment later, before they are all on screen: every key that reached the app is
    saved."""
    data_dir = tmp_path / "data"
    doc_id = workbook_with_a_consultation(data_dir)
    term = open_note(data_dir, tmp_path)
    try:
        burst = "she said the margins were clear and no more surgery is needed. "
        os.write(term.fd, burst.encode())
        time.sleep(0.05)  # the moment between the burst and the dropped connection
        term.signal(signal.SIGHUP)
        term.wait_exit()
    finally:
        term.close()
    assert burst.strip() in note_text(data_dir, doc_id)


def test_sigkill_while_typing_loses_at_most_the_last_second(tmp_path: Path):
    data_dir = tmp_path / "data"
    doc_id = workbook_with_a_consultation(data_dir)
    term = open_note(data_dir, tmp_path)
    try:
        first = "ask about clinical trials at this center "
        type_words(term, first)
        term.wait_for("clinical trials at this center")
        # The words are saved (half a second after the last key; later on a busy machine)...
        poll_until(lambda: first.strip() in note_text(data_dir, doc_id), "the first words saved")
        type_words(term, "and the last words ")
        term.signal(signal.SIGKILL)  # ...then the app is killed mid-typing
        term.wait_exit()
    finally:
        term.close()
    assert first.strip() in note_text(data_dir, doc_id)
    assert "clinical trials at this center" in checks_and_exports(data_dir)
    WorkbookStore.open(data_dir).close()  # no stale lock after SIGKILL


def editor_script(tmp_path: Path) -> tuple[Path, Path]:
    """An editor like vim over SSH: it saves (:w), then reads the terminal; a hangup,
    or the terminal gone, ends it with status 1, as vim does."""
    saved = tmp_path / "saved-in-editor"
    script = tmp_path / "editor.sh"
    script.write_text(
        "#!/bin/sh\n"
        "trap 'exit 1' HUP\n"
        'printf "\\nsaved in the editor before the drop" >> "$1"\n'
        f'touch "{saved}"\n'
        "while IFS= read -r line; do :; done\n"
        "exit 1\n")
    script.chmod(0o700)
    return script, saved


def open_in_editor(data_dir: Path, tmp_path: Path, script: Path, saved: Path) -> Terminal:
    term = Terminal([installed_command(), "--data-dir", str(data_dir)], cwd=str(tmp_path),
                    env={"EDITOR": str(script), "VISUAL": ""})
    try:
        term.wait_for("Guidance", "Notes")
        term.send("4")
        term.wait_for("Visit at the cancer center")
        term.wait_for("typed first")
        term.send("\x1bOR")  # F3: the note in $EDITOR
        poll_until(saved.exists, "the editor ran", timeout=20,
                   state=lambda: f"the screen:\n{term.display}")
    except BaseException:
        term.close()
        raise
    return term


def workbook_with_a_note(data_dir: Path) -> int:
    doc_id = workbook_with_a_consultation(data_dir)
    store = WorkbookStore.open(data_dir, autoflush=True)
    notes.save_note(store, doc_id, "typed first")
    store.close()
    return doc_id


def test_a_connection_drop_keeps_what_the_editor_saved(tmp_path: Path):
    data_dir = tmp_path / "data"
    doc_id = workbook_with_a_note(data_dir)
    script, saved = editor_script(tmp_path)
    term = open_in_editor(data_dir, tmp_path, script, saved)
    try:
        os.close(term.fd)  # the connection drops: the app and the editor get SIGHUP
        term.wait_exit(timeout=15)
    finally:
        term.close()
    assert note_text(data_dir, doc_id) == "typed first\nsaved in the editor before the drop"
    assert list(data_dir.glob(".note-edit-*")) == []
    assert "saved in the editor before the drop" in checks_and_exports(data_dir)


def test_an_app_killed_while_the_editor_is_open_leaves_a_kept_note(tmp_path: Path):
    data_dir = tmp_path / "data"
    doc_id = workbook_with_a_note(data_dir)
    script, saved = editor_script(tmp_path)
    term = open_in_editor(data_dir, tmp_path, script, saved)
    try:
        term.signal(signal.SIGKILL)
        term.wait_exit(timeout=15)
    finally:
        term.close()
    [left] = data_dir.glob(".note-edit-*")
    command = installed_command()
    check = subprocess.run([command, "--data-dir", str(data_dir), "check"],
                           capture_output=True, text=True, timeout=60)
    assert left.name in check.stdout
    store = WorkbookStore.open(data_dir)  # the next start
    try:
        [kept] = data_dir.glob("kept-note-*.txt")
        assert any(kept.name in notice for notice in store.notices)
    finally:
        store.close()
    assert kept.read_text() == "typed first\nsaved in the editor before the drop"
    assert not left.exists()
    check = subprocess.run([command, "--data-dir", str(data_dir), "check"],
                           capture_output=True, text=True, timeout=60)
    assert kept.name in check.stdout and check.returncode == 0
    assert note_text(data_dir, doc_id) == "typed first"


def test_ctrl_c_in_the_editor_is_the_editors(tmp_path: Path):
    """vim and others take ctrl+c as a key; the app waiting for the editor must not be
    stopped by it."""
    data_dir = tmp_path / "data"
    doc_id = workbook_with_a_note(data_dir)
    saved = tmp_path / "saved-in-editor"
    script = tmp_path / "editor.sh"
    script.write_text(
        "#!/bin/sh\n"
        "trap ':' INT\n"  # like vim: ctrl+c does not end it
        'printf "\\nafter ctrl+c" >> "$1"\n'
        f'touch "{saved}"\n'
        'while IFS= read -r line; do [ "$line" = done ] && exit 0; done\n'
        "exit 1\n")
    script.chmod(0o700)
    term = open_in_editor(data_dir, tmp_path, script, saved)
    try:
        term.send("\x03")  # ctrl+c while the editor has the terminal
        term.type("done\r")
        term.wait_for("typed first", "after ctrl+c")  # back in the app, the note taken in
        assert term.alive and os.waitpid(term.pid, os.WNOHANG) == (0, 0)
        term.send("ctrl+q")
        term.wait_exit(timeout=15)
    finally:
        term.close()
    assert note_text(data_dir, doc_id) == "typed first\nafter ctrl+c"
