"""The data folder: private when the app creates it; left as it was when it was already
there (a shared 1777 folder keeps its sticky bit, a home folder stays open), with a
warning if others can look into it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from secondop_tui.cli import main
from secondop_tui.core.check import run_check
from secondop_tui.core.store import WorkbookStore
from tests.helpers import mode


def folder(path: Path, bits: int) -> Path:
    path.mkdir()
    os.chmod(path, bits)
    return path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "secondop_tui", *args], capture_output=True,
                          text=True, timeout=60)


def test_a_new_folder_and_its_missing_parents_are_private(tmp_path: Path):
    data_dir = tmp_path / "new" / "data"
    store = WorkbookStore.open(data_dir)
    assert mode(tmp_path / "new") == 0o700 and mode(data_dir) == 0o700
    assert mode(store.path) == 0o600
    assert not store.notices
    store.close()
    report, code = run_check(data_dir)
    assert code == 0 and "Problems:  none" in report


def test_an_existing_open_folder_keeps_its_mode_and_is_named(tmp_path: Path, capsys):
    data_dir = folder(tmp_path / "mine", 0o755)
    store = WorkbookStore.open(data_dir)
    assert mode(data_dir) == 0o755
    assert mode(store.path) == 0o600 and mode(store.paths.lock) == 0o600
    assert store.notices == [f"The data folder {data_dir} can be read by others: "
                             f"chmod 700 {data_dir}."]
    store.close()
    report, code = run_check(data_dir)
    assert code == 0
    assert f"the data folder {data_dir} can be read by others: chmod 700 {data_dir}" in report
    assert mode(data_dir) == 0o755
    # The command line says so once, on standard error; its output stays clean.
    out = run("--data-dir", str(data_dir), "export")
    assert out.returncode == 0 and "Traceback" not in out.stderr
    assert out.stderr.count("can be read by others") == 1
    assert "can be read" not in out.stdout
    assert mode(data_dir) == 0o755


def test_a_shared_sticky_folder_keeps_its_sticky_bit(tmp_path: Path):
    shared = folder(tmp_path / "shared", 0o1777)
    for args in (["export"], ["check"]):
        out = run("--data-dir", str(shared), *args)
        assert out.returncode == 0, out.stderr
        assert "is shared (mode 1777)" in out.stdout + out.stderr
    store = WorkbookStore.open(shared, autoflush=True)
    store.set_setting("x", 1)
    assert any("is shared (mode 1777)" in notice for notice in store.notices)
    store.close()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert mode(shared / "workbook.json") == 0o600


def test_export_creates_no_data_folder(tmp_path: Path):
    data_dir = tmp_path / "not-yet"
    out = run("--data-dir", str(data_dir), "export")
    assert out.returncode == 0 and "Traceback" not in out.stderr
    assert not data_dir.exists()


def test_a_home_folders_own_tmp_files_are_left_alone(tmp_path: Path, capsys):
    """Only the app's own temp files (".workbook.json.123.abcd0123.tmp") are stale; a
    folder the user also keeps other things in has ".something.tmp" files of its own."""
    home = folder(tmp_path / "home", 0o700)
    theirs = home / ".draft.tmp"
    theirs.write_text("mine")
    ours = home / ".workbook.json.4242.0123abcd.tmp"
    ours.write_text("half a save")
    assert main(["--data-dir", str(home), "check"]) == 0
    assert "1 temp file(s)" in capsys.readouterr().out
    WorkbookStore.open(home).close()
    assert theirs.read_text() == "mine" and not ours.exists()
