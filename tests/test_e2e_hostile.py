"""The installed app in a real terminal against what a hostile tester sent: arrows on
the first screen, a paste full of escape sequences, a terminal whose input ends without
a hangup signal, a pane key at any moment of start-up, and a hangup right after a long
burst on a busy machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from secondop_tui.core import notes
from secondop_tui.core.checklist import Checklist
from secondop_tui.core.store import WorkbookStore
from tests.helpers import open_the_note, workbook_with_a_consultation
from tests.pty_terminal import Terminal, installed_command

# All of it runs again in the loaded pass, but the sweep of start-up moments, of which
# the loaded pass takes three.
pytestmark = pytest.mark.e2e

PASTE = ("\x1b[200~Lab results:\x1b[1m\tHb 12\x1b[0m\nnext line: ask about dose and timing"
         "\x1b[201~")
PASTED = "Lab results:\tHb 12\nnext line: ask about dose and timing"
LEFT, RIGHT, UP = "\x1b[D", "\x1b[C", "\x1b[A"


def read_back(data_dir: Path) -> WorkbookStore:
    return WorkbookStore.open(data_dir, read_only=True)


def note_of(data_dir: Path, doc_id: int) -> str:
    store = read_back(data_dir)
    try:
        return notes.get_consultation(store, doc_id).note
    finally:
        store.close()


def start(data_dir: Path, cwd: Path, **kwargs) -> Terminal:
    return Terminal([installed_command(), "--data-dir", str(data_dir)], cwd=str(cwd), **kwargs)


def wait_quit(term: Terminal, timeout: float = 60.0) -> int:
    term.send("ctrl+q")
    return term.wait_exit(timeout=timeout)


@pytest.mark.loaded
def test_left_arrow_on_every_first_screen_keeps_the_app_running(tmp_path: Path):
    data_dir = tmp_path / "data"
    term = start(data_dir, tmp_path)
    try:
        term.wait_for("Guidance", "Notes")
        for pane in ("", "3", "4"):
            if pane:
                term.send(pane)
            term.send(LEFT, RIGHT, UP, LEFT)
        term.send("f1")
        term.wait_for("escape closes")
        term.send(LEFT, "escape")
        term.wait_gone("escape closes")
        term.send("1")
        term.wait_for("What a second opinion is")
        assert wait_quit(term) == 0
    finally:
        term.close()


@pytest.mark.loaded
def test_a_pasted_escape_sequence_lands_as_text_and_runs_nothing(tmp_path: Path):
    data_dir = tmp_path / "data"
    doc_id = workbook_with_a_consultation(data_dir)
    store = read_back(data_dir)
    checklist_before = [(i.id, i.title, i.done) for g in Checklist(store).groups()
                        for i in g.items]
    store.close()
    term = start(data_dir, tmp_path)
    try:
        open_the_note(term)
        term.type("before ")
        os.write(term.fd, PASTE.encode())
        term.type(" after")
        term.wait_for("dose and timing after")
        screen = term.display
        assert "Add a checklist item" not in screen
        term.send("escape")
        assert wait_quit(term) == 0
    finally:
        term.close()
    assert note_of(data_dir, doc_id) == "before " + PASTED + " after"
    store = read_back(data_dir)
    try:
        assert [(i.id, i.title, i.done) for g in Checklist(store).groups()
                for i in g.items] == checklist_before
    finally:
        store.close()


@pytest.mark.loaded
def test_the_end_of_input_without_a_hangup_saves_and_leaves(tmp_path: Path):
    """A terminal that goes away without sending SIGHUP: the input ends. The app saves
    what was typed, releases the lock and leaves, instead of spinning."""
    data_dir = tmp_path / "data"
    doc_id = workbook_with_a_consultation(data_dir)
    fifo = tmp_path / "keys"
    os.mkfifo(fifo)
    # The app's screen in a pty, its keyboard a pipe that the test closes.
    launcher = (f"import os; fd = os.open({str(fifo)!r}, os.O_RDONLY); os.dup2(fd, 0); "
                f"os.execv({installed_command()!r}, [{installed_command()!r}, "
                f"'--data-dir', {str(data_dir)!r}])")
    term = Terminal([sys.executable, "-c", launcher], cwd=str(tmp_path))
    keys = os.open(fifo, os.O_WRONLY)
    try:
        term.wait_for("Guidance", "Notes")
        os.write(keys, b"4")
        term.wait_for("Visit at the cancer center")
        os.write(keys, b"\r")
        os.write(keys, b"typed before the window closed")
        term.wait_for("the window closed")
        os.close(keys)
        keys = -1
        assert term.wait_exit(timeout=60) == 0
    finally:
        if keys >= 0:
            os.close(keys)
        term.close()
    assert note_of(data_dir, doc_id) == "typed before the window closed"
    WorkbookStore.open(data_dir).close()  # the lock was released


def moment_marks(ms: int) -> list:
    if ms % 100:
        return [pytest.mark.slow]
    return [pytest.mark.loaded] if ms in (0, 500, 1000) else []


@pytest.mark.parametrize("at", [pytest.param(ms / 1000, marks=moment_marks(ms))
                                for ms in range(0, 2001, 20)])
def test_a_pane_key_at_any_moment_of_start_up_shows_that_pane(tmp_path: Path, at: float):
    """Sent 0 to 2 s after launch (every 100 ms here; every 20 ms with --long): the tab
    bar, the content and the Footer all end on the Notes pane."""
    data_dir = tmp_path / "data"
    term = start(data_dir, tmp_path)
    try:
        time.sleep(at)  # the moment is what this test is about
        term.send("4", delay=0)
        term.wait_for("No consultations yet", timeout=60)
        # The Notes keys in the Footer, and the note pane's n opens its own form.
        term.send("n")
        term.wait_for("New consultation", timeout=60)
        assert "What a second opinion is" not in term.display
        term.send("escape")
        term.wait_gone("New consultation", timeout=60)
        assert wait_quit(term) == 0
    finally:
        term.close()


def busy_machine(per_core: int = 2) -> list[subprocess.Popen]:
    """CPU-bound processes, ``per_core`` for each core, ended by the caller."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(per_core * (os.cpu_count() or 1))]


@pytest.mark.loaded
def test_a_hangup_right_after_500_characters_on_a_busy_machine_keeps_them_all(tmp_path):
    data_dir = tmp_path / "data"
    doc_id = workbook_with_a_consultation(data_dir)
    term = start(data_dir, tmp_path)
    load: list[subprocess.Popen] = []
    try:
        open_the_note(term)
        burst = ("The surgeon said the margins were clear; ask about radiation dose. "
                 * 8)[:500]
        assert len(burst) == 500
        load = busy_machine()
        os.write(term.fd, burst.encode())
        term.signal(signal.SIGHUP)
        assert term.wait_exit(timeout=120) == 0
    finally:
        for process in load:
            process.kill()
            process.wait()
        term.close()
    assert note_of(data_dir, doc_id) == burst
    WorkbookStore.open(data_dir).close()
