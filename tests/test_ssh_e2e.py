"""Over a real SSH connection: use the app, then drop the connection while typing.

An OpenSSH server is started on the loopback address with a throw-away host key and
user key; ``ssh -tt`` logs in and starts the installed ``secondop-tui`` there, inside a
real pseudo-terminal. The ssh client is killed mid-typing, as when a laptop lid closes:
the server hangs up the remote terminal, and the app must save every word it received
and release the workbook.
"""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from secondop_tui.core import notes
from secondop_tui.core.lock import WorkbookLock, read_holder
from secondop_tui.core.store import WorkbookStore
from tests.helpers import DEADLINE, PANES, poll_until
from tests.pty_terminal import Terminal, installed_command
from tests.system_needs import free_port, missing, port_open

pytestmark = [pytest.mark.e2e, pytest.mark.loaded]

SSHD = "/usr/sbin/sshd"


def keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test",
                    "-f", str(path)], check=True, timeout=30)


@pytest.fixture
def ssh_server(tmp_path: Path):
    """An sshd on 127.0.0.1 that lets the current user in with a throw-away key."""
    for program in (SSHD, shutil.which("ssh"), shutil.which("ssh-keygen")):
        if not program or not os.path.exists(program):
            missing("OpenSSH is not installed (Debian: apt-get install openssh-server)")
    user = getpass.getuser()
    privsep = Path("/run/sshd")  # sshd refuses to start without it
    if not privsep.is_dir():
        if os.geteuid() != 0:
            missing("sshd needs /run/sshd, which only root can create")
        privsep.mkdir(mode=0o755, parents=True, exist_ok=True)
    keys = tmp_path / "ssh"
    keys.mkdir(mode=0o700)
    keygen(keys / "host_key")
    keygen(keys / "user_key")
    authorized = keys / "authorized_keys"
    authorized.write_text((keys / "user_key.pub").read_text())
    port = free_port()
    config = keys / "sshd_config"
    config.write_text("\n".join([
        "ListenAddress 127.0.0.1",
        f"Port {port}",
        f"HostKey {keys / 'host_key'}",
        f"AuthorizedKeysFile {authorized}",
        "StrictModes no",
        "PidFile none",
        "UsePAM no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        f"PermitRootLogin {'yes' if os.geteuid() == 0 else 'no'}",
        f"AllowUsers {user}",
        "PrintMotd no",
        "PrintLastLog no",
        "",
    ]))
    log = open(keys / "sshd.log", "wb")
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + DEADLINE
        while not port_open(port):
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                missing(f"sshd did not start: {(keys / 'sshd.log').read_text()[-2000:]}")
            time.sleep(0.05)
        yield {"port": port, "user": user, "key": keys / "user_key",
               "log": keys / "sshd.log"}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


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
