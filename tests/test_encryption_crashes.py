"""SIGKILL during ``encrypt``, ``decrypt`` and ``passphrase``, at every step of each.

The command runs in a process of its own; the core calls ``encryption.checkpoint`` as
each step of a switch is done (``encryption.STEPS``), and the process kills itself with
SIGKILL at the step chosen: a deterministic list of crash points, not a race. After
each, the workbook opens with the old passphrase or the new one (or none, when that is
the state), the note is whole, and once a writer has opened it (which finishes or undoes
the switch) nothing is left half way: all copies sealed, or none, and no key left over.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from secondop_tui.core import encryption, notes
from secondop_tui.core.check import run_check
from secondop_tui.core.errors import PassphraseNeeded, WrongPassphrase
from secondop_tui.core.store import WorkbookStore
from tests import key_memo
from tests.helpers import (
    NEW_PASSPHRASE,
    PASSPHRASE,
    SECRET_NOTE,
    encrypted,
    files_holding,
    private_workbook,
)

KILL_AT = key_memo.PRELUDE + r"""
import os, signal
from secondop_tui import cli
from secondop_tui.core import encryption

step, nth = sys.argv[1], int(sys.argv[2])
seen = []

def kill_here(name):
    if name == step:
        seen.append(name)
        if len(seen) == nth:
            os.kill(os.getpid(), signal.SIGKILL)

encryption.on_checkpoint = kill_here
sys.exit(cli.main(sys.argv[3:]))
"""

# (command, step, which time the step is reached): every step of each switch, and a
# copy's step both at the first copy and at a later one.
CRASH_POINTS = [(command, step, 1) for command, steps in encryption.STEPS.items()
                for step in steps] + [("encrypt", "copy sealed", 3),
                                      ("decrypt", "copy opened", 3)]
# The step at a later copy (not only the first): with --long.
CASES = [pytest.param(*point, id=f"{point[0]}-{point[1].replace(' ', '-')}-{point[2]}",
                      marks=[pytest.mark.slow] if point[2] > 1 else [])
         for point in CRASH_POINTS]
SECRETS_GIVEN = {"encrypt": f"{PASSPHRASE}\n", "decrypt": f"{PASSPHRASE}\n",
                 "passphrase": f"{PASSPHRASE}\n{NEW_PASSPHRASE}\n"}


def run_until_killed(data_dir: Path, command: str, step: str, nth: int
                     ) -> subprocess.CompletedProcess:
    read_end, write_end = os.pipe()
    os.write(write_end, SECRETS_GIVEN[command].encode())
    os.close(write_end)
    try:
        return subprocess.run(
            [sys.executable, "-c", KILL_AT, step, str(nth), "--data-dir", str(data_dir),
             command, "--passphrase-fd", str(read_end)],
            capture_output=True, text=True, timeout=180, pass_fds=(read_end,),
            stdin=subprocess.DEVNULL)
    finally:
        os.close(read_end)


def opened_after_the_crash(data_dir: Path) -> tuple[str, str]:
    """Open the workbook as the next start would (a writer: it finishes or undoes the
    switch); (how it opened, the note). Fails if it opens with neither passphrase."""
    try:
        store = WorkbookStore.open(data_dir)
        how = "plain"
    except PassphraseNeeded:
        for how, passphrase in (("old passphrase", PASSPHRASE),
                                ("new passphrase", NEW_PASSPHRASE)):
            try:
                key = encryption.unlock(data_dir, passphrase)
                break
            except WrongPassphrase:
                continue
        else:
            raise AssertionError("the workbook opens with neither passphrase")
        store = WorkbookStore.open(data_dir, key=key)
    try:
        note = notes.get_consultation(store, 1).note
    finally:
        store.close()
    return how, note


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[bool, Path]:
    """The workbook each case starts from, made once (encrypting costs the key derivation,
    a few seconds): with a previous save and three backups, plain and encrypted."""
    plain = tmp_path_factory.mktemp("plain") / "data"
    private_workbook(plain, starts=4)
    sealed = tmp_path_factory.mktemp("sealed") / "data"
    shutil.copytree(plain, sealed)
    encrypted(sealed)
    return {False: plain, True: sealed}


@pytest.mark.parametrize("command, step, nth", CASES)
def test_sigkill_at_each_step_leaves_the_old_state_or_the_new(data_dir: Path, command: str,
                                                              step: str, nth: int,
                                                              workbooks: dict[bool, Path]):
    shutil.copytree(workbooks[command != "encrypt"], data_dir)
    killed = run_until_killed(data_dir, command, step, nth)
    assert killed.returncode == -signal.SIGKILL, (
        f"the step was never reached (exit {killed.returncode}): {killed.stderr}")

    how, note = opened_after_the_crash(data_dir)
    assert SECRET_NOTE in note
    expected = {"encrypt": {"plain", "old passphrase"},
                "decrypt": {"old passphrase", "plain"},
                "passphrase": {"old passphrase", "new passphrase"}}[command]
    assert how in expected, how
    assert not (data_dir / encryption.SWITCH_NAME).exists()
    assert not list(data_dir.glob(".*.tmp")) and not list(data_dir.glob("backups/.*.tmp"))
    if how == "plain":
        assert not (data_dir / encryption.KEY_NAME).exists()
        assert encryption.sealed_copies(data_dir) == []
    else:
        assert files_holding(data_dir) == [], "something is left plain"
        assert encryption.key_file_state(data_dir) == "intact"
    report, code = run_check(data_dir)
    assert code == 0 and "Problems:  none" in report, report
