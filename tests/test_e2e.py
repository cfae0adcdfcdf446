"""The installed command, in a real pseudo-terminal at 80x24, driven by keys only."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from secondop_tui.core import codec
from tests.pty_terminal import Terminal, installed_command

pytestmark = [pytest.mark.e2e, pytest.mark.loaded]

PANES = ("Guidance", "Checklist", "Doctors", "Notes")


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
