"""The installed command, in a real pseudo-terminal at 80x24, driven by keys only."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from secondop_tui.core import codec
from secondop_tui.ui.panes.guidance import REMEMBER_EVERY
from tests.helpers import PANES
from tests.pty_terminal import Terminal, installed_command

pytestmark = [pytest.mark.e2e, pytest.mark.loaded]

@pytest.fixture
def app_terminal(tmp_path: Path):
    data_dir = tmp_path / "data"
    term = Terminal([installed_command(), "--data-dir", str(data_dir)], cwd=str(tmp_path))
    term.data_dir = data_dir  # type: ignore[attr-defined]
    yield term
    term.close()


def test_start_switch_panes_and_quit(app_terminal: Terminal):
    term = app_terminal
    term.wait_for(*PANES)
    term.wait_for("saved")
    for key, title in (("2", "Checklist"), ("3", "Doctors"), ("4", "Notes"), ("1", "Guidance")):
        term.send(key)
        term.send("f1")  # help names the pane that is showing
        term.wait_for(f"Keys in the {title} pane")
        term.send("escape")
        term.wait_gone("Keys in")
    term.send("ctrl+q")
    assert os.waitstatus_to_exitcode(term.wait_exit()) == 0
    data_dir: Path = term.data_dir  # type: ignore[attr-defined]
    raw = codec.decode((data_dir / "workbook.json").read_bytes())
    assert raw["_meta"]["1"]["schema"] >= 1
    from secondop_tui.core.store import WorkbookStore

    WorkbookStore.open(data_dir).close()  # the lock was released


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
def test_hangup_and_terminate_exit_cleanly_and_unlock(app_terminal: Terminal, sig: int):
    term = app_terminal
    term.wait_for(*PANES)
    term.signal(sig)
    term.wait_exit()
    from secondop_tui.core.store import WorkbookStore

    WorkbookStore.open(term.data_dir).close()  # type: ignore[attr-defined]


def test_second_copy_in_a_terminal_offers_read_only(app_terminal: Terminal, tmp_path: Path):
    first = app_terminal
    first.wait_for(*PANES)
    second = Terminal([installed_command(), "--data-dir", str(first.data_dir)],  # type: ignore[attr-defined]
                      cwd=str(tmp_path))
    try:
        second.wait_for("already open", f"process {first.pid}")
        second.send("r")
        second.wait_for("READ-ONLY", *PANES)
        second.send("ctrl+q")
        second.wait_exit()
    finally:
        second.close()
    first.send("ctrl+q")
    first.wait_exit()


# An idle screen is silent --------------------------------------------------------------
# While nobody types and saving works, the one thing the app runs by itself is the
# guidance's look at the reading position, every REMEMBER_EVERY seconds (a blinking
# cursor had the same period; the 10 s retry of a save runs only after a failed one).
# A few of those periods without a byte show that nothing is redrawn by itself.
IDLE_SECONDS = 3 * REMEMBER_EVERY + 0.2


def first_idle_output(term: Terminal, timeout: float = 20.0) -> bytes:
    """Watch IDLE_SECONDS at a time until one passes without a byte written (b""), or
    until ``timeout``: then what the last one wrote. What a key or a switch draws can
    come late on a busy machine, so one window with output proves nothing by itself; a
    thing that redraws by itself writes in every window."""
    deadline = time.monotonic() + timeout
    while True:
        start = time.monotonic()
        time.sleep(IDLE_SECONDS)  # the measurement itself: idleness takes time
        written = b"".join(data for _, data in term.bytes_since(start))
        if not written or time.monotonic() > deadline:
            return written


def test_an_idle_screen_writes_nothing(tmp_path: Path):
    """Over a slow link, and for a screen reader, nothing must be sent while nobody
    types: on each pane, and in a note being written."""
    from secondop_tui.core import notes
    from secondop_tui.core.store import WorkbookStore

    data_dir = tmp_path / "data"
    store = WorkbookStore.open(data_dir, autoflush=True)
    notes.new_consultation(store, title="Visit at the cancer center")
    store.close()
    # As a person starts it: with animations (the tests' default turns them off).
    term = Terminal([installed_command(), "--data-dir", str(data_dir)], cwd=str(tmp_path),
                    env={"TEXTUAL_ANIMATIONS": "full"})
    try:
        term.wait_for(*PANES, "saved")
        found = {}
        for key, shown, where in (
                ("1", "1/23", "the Guidance pane"),
                ("2", "Overall", "the Checklist pane"),
                ("3", "Filter (/)", "the Doctors pane"),
                ("4", "n New", "the Notes pane"),
                ("enter", "alt+q Questions", "a note being written")):
            term.send(key)
            term.wait_for(shown)
            if key == "enter":
                term.wait_gone("n New")  # in the note, whose keys the Footer shows
            written = first_idle_output(term)
            if written:
                found[where] = f"{len(written)} bytes: {written[:160]!r}"
        assert not found, f"written in every {IDLE_SECONDS} s while idle: {found}"
    finally:
        term.close()
