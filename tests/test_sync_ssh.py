"""Sync over a real OpenSSH login: a bare repository reached through a local ``sshd``
with a throw-away key, two data folders syncing through it with the command line; a key
the server does not know, and a port nobody listens on, refused in words."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from secondop_tui.core.doctors import Doctor, add_doctor, list_doctors
from secondop_tui.core.store import WorkbookStore
from tests.system_needs import free_port, keygen

pytestmark = [pytest.mark.e2e]


def ssh_env(key: Path) -> dict[str, str]:
    """What a user with their own key in ~/.ssh/config would have: sync passes
    GIT_SSH_COMMAND on as it is."""
    command = (f"ssh -F /dev/null -i {key} -o IdentitiesOnly=yes -o BatchMode=yes "
               "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
               "-o LogLevel=ERROR")
    return {**os.environ, "GIT_SSH_COMMAND": command}


def cli(data_dir: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Standard input is not a terminal: ssh may not ask anything (BatchMode).
    return subprocess.run([sys.executable, "-m", "secondop_tui", "--data-dir", str(data_dir),
                           *args], capture_output=True, text=True, timeout=180, env=env,
                          stdin=subprocess.DEVNULL)


def add(data_dir: Path, name: str) -> None:
    store = WorkbookStore.open(data_dir, autoflush=True)
    try:
        add_doctor(store, Doctor(name=name))
    finally:
        store.close()


def test_two_machines_sync_over_ssh(ssh_server: dict, tmp_path: Path):
    bare = tmp_path / "server" / "workbook.git"
    bare.parent.mkdir()
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    url = f"ssh://{ssh_server['user']}@127.0.0.1:{ssh_server['port']}{bare}"
    env = ssh_env(ssh_server["key"])
    laptop, desktop = tmp_path / "laptop", tmp_path / "desktop"
    add(laptop, "Dr Ames")
    out = cli(laptop, "sync", "setup", url, "--machine", "laptop", env=env)
    assert out.returncode == 0, out.stderr
    assert "first version went out" in out.stdout
    out = cli(desktop, "sync", "setup", "--clone", url, "--machine", "desktop", env=env)
    assert out.returncode == 0, out.stderr
    add(laptop, "Dr Laptop")
    add(desktop, "Dr Desktop")
    for folder in (laptop, desktop, laptop):
        out = cli(folder, "sync", env=env)
        assert out.returncode == 0, out.stderr
    assert (laptop / "workbook.json").read_bytes() == (desktop / "workbook.json").read_bytes()
    store = WorkbookStore.open(laptop, read_only=True)
    assert {d.name for d in list_doctors(store)} == {"Dr Ames", "Dr Laptop", "Dr Desktop"}
    store.close()
    history = cli(laptop, "history", env=env)
    assert "desktop" in history.stdout and "laptop" in history.stdout

    # A key the server does not know: refused, in words, nothing changed.
    stranger = tmp_path / "stranger"
    keygen(stranger)
    before = (laptop / "workbook.json").read_bytes()
    out = cli(laptop, "sync", env=ssh_env(stranger))
    assert out.returncode == 1
    assert "refused this machine" in out.stderr and "ssh-add" in out.stderr, out.stderr
    assert (laptop / "workbook.json").read_bytes() == before


def test_an_ssh_remote_nobody_answers_is_unreachable(tmp_path: Path, ssh_server: dict):
    laptop = tmp_path / "laptop"
    add(laptop, "Dr Ames")
    url = f"ssh://{ssh_server['user']}@127.0.0.1:{free_port()}/nowhere.git"
    out = cli(laptop, "sync", "setup", url, env=ssh_env(ssh_server["key"]))
    assert out.returncode == 1
    assert "Could not reach the remote" in out.stderr and "Connection refused" in out.stderr
    assert not (laptop / "sync").exists()  # nothing half set up
