"""Over a real SSH connection: use the app, then drop the connection while typing.

An OpenSSH server is started on the loopback address with a throw-away host key and
user key; ``ssh -tt`` logs in and starts the installed ``secondop-tui`` there, inside a
real pseudo-terminal. The ssh client is killed mid-typing, as when a laptop lid closes:
the server hangs up the remote terminal, and the app must save every word it received
and release the workbook.
"""

from __future__ import annotations

import shlex
import signal
import subprocess
from pathlib import Path

import pytest

from secondop_tui.core import notes
from secondop_tui.core.lock import WorkbookLock, read_holder
from secondop_tui.core.store import WorkbookStore
from tests.helpers import PANES, poll_until
from tests.pty_terminal import Terminal, installed_command

pytestmark = [pytest.mark.e2e, pytest.mark.loaded]

def ssh_command(server: dict, remote: str) -> list[str]:
    return ["ssh", "-tt", "-F", "/dev/null", "-i", str(server["key"]),
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-p", str(server["port"]),
            f"{server['user']}@127.0.0.1", remote]


def wait_until_unlocked(data_dir: Path, timeout: float = 30.0) -> None:
    lock = WorkbookLock(data_dir / "workbook.lock")
    poll_until(lock.is_free, "the workbook unlocked", timeout=timeout, interval=0.1,
               state=lambda: f"locked by {read_holder(lock.path)}")


def test_ssh_session_dropped_mid_typing_loses_nothing(ssh_server: dict, tmp_path: Path):
    data_dir = tmp_path / "remote-data"
    remote = (f"env TERM=xterm-256color SECONDOP_TUI_DATA_DIR={shlex.quote(str(data_dir))} "
              f"{shlex.quote(installed_command())}")
    term = Terminal(ssh_command(ssh_server, remote), cols=80, rows=24, cwd=str(tmp_path))
    try:
        term.wait_for(*PANES, "saved", timeout=40)
        term.send("2")
        term.wait_for("Overall")
        term.send("\x1bs")  # alt+s: the escape prefix survives the connection
        term.wait_for("All changes are saved")
        term.send("f1")
        term.wait_for("Keys in the Checklist pane")
        term.send("escape")
        term.wait_gone("Keys in the")
        term.send("3")
        term.wait_for("No doctors yet")
        term.send("4")
        term.wait_for("No consultations yet")
        term.send("n")
        term.wait_for("New consultation")
        term.type("Visit over SSH")
        term.send("enter")
        term.wait_for("Visit over SSH", "no questions picked")
        holder = read_holder(data_dir / "workbook.lock")
        assert holder is not None and holder.pid, "the remote app holds the workbook"

        confirmed = "tumour board on Tuesday, scans to bring "
        term.type(confirmed, delay=0.01)
        term.wait_for("scans to bring")  # the remote app has these: it drew them
        tail = "and the pathology slides"
        term.type(tail)
        term.signal(signal.SIGKILL)  # the connection drops mid-typing
        term.wait_exit()
    finally:
        term.close()

    wait_until_unlocked(data_dir)  # the remote app got SIGHUP, saved and let go
    store = WorkbookStore.open(data_dir, read_only=True)
    try:
        (visit,) = notes.list_consultations(store)
    finally:
        store.close()
    assert visit.title == "Visit over SSH"
    # Every word the app received is there, in order; the words still in flight when
    # the connection died may be missing, but nothing is garbled.
    typed = confirmed + tail
    assert visit.note.startswith(confirmed.rstrip()), visit.note
    assert typed.startswith(visit.note), visit.note

    command = installed_command()
    check = subprocess.run([command, "--data-dir", str(data_dir), "check"],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    export = subprocess.run([command, "--data-dir", str(data_dir), "export", "--only",
                             "notes"], capture_output=True, text=True, timeout=60)
    assert export.returncode == 0, export.stderr
    assert "tumour board on Tuesday, scans to bring" in export.stdout
    WorkbookStore.open(data_dir).close()  # writable again: nobody holds it
