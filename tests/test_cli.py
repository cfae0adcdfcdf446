"""The command line: version, check, restore, and the core staying free of Textual."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import secondop_tui.core
from secondop_tui import __version__
from secondop_tui.cli import main
from secondop_tui.core import backups
from secondop_tui.core.store import WorkbookStore


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None):
    return subprocess.run([sys.executable, "-m", "secondop_tui", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})}, cwd=cwd)


NO_TEXTUAL = """
import sys, runpy
sys.argv = {argv!r}
try:
    runpy.run_module("secondop_tui", run_name="__main__")
except SystemExit:
    pass
loaded = [m for m in sys.modules if m == "textual" or m.startswith("textual.")]
print("TEXTUAL-LOADED" if loaded else "NO-TEXTUAL", file=sys.stderr)
"""


def test_core_never_imports_textual():
    modules = [m.name for m in pkgutil.walk_packages(secondop_tui.core.__path__,
                                                     "secondop_tui.core.")]
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules) +
            "assert not [m for m in sys.modules if m.split('.')[0] == 'textual'], 'textual'\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    for source in Path(secondop_tui.core.__path__[0]).glob("*.py"):
        text = source.read_text()
        assert "import textual" not in text and "from textual" not in text, source


def test_version_check_and_export_import_no_textual(data_dir: Path):
    for argv in (["secondop-tui", "--version"],
                 ["secondop-tui", "--data-dir", str(data_dir), "check"],
                 ["secondop-tui", "--data-dir", str(data_dir), "export"]):
        out = subprocess.run([sys.executable, "-c", NO_TEXTUAL.format(argv=argv)],
                             capture_output=True, text=True, timeout=60)
        assert "NO-TEXTUAL" in out.stderr, (argv, out.stderr)


def test_version(capsys):
    out = run_cli("--version")
    assert out.stdout.strip() == f"secondop-tui {__version__}"


def test_help_mentions_commands_and_not_advice():
    out = run_cli("--help")
    assert out.returncode == 0
    for word in ("check", "restore", "export", "--data-dir", "not medical advice"):
        assert word in out.stdout


def test_check_healthy_and_damaged(data_dir: Path, capsys):
    assert main(["--data-dir", str(data_dir), "check"]) == 0
    assert "no workbook yet" in capsys.readouterr().out
    store = WorkbookStore.open(data_dir, autoflush=True)
    store.table("doctors").insert({"name": "Dr A"})
    store.changed()
    store.close()
    assert main(["--data-dir", str(data_dir), "check"]) == 0
    report = capsys.readouterr().out
    assert "healthy" in report and "Schema:    1" in report and "doctors 1" in report
    assert str(data_dir / "workbook.json") in report
    (data_dir / "workbook.json").write_text('{"_meta": ')
    assert main(["--data-dir", str(data_dir), "check"]) == 1
    assert "DAMAGED" in capsys.readouterr().out


def test_check_lists_backups_and_holder(data_dir: Path, capsys):
    for n in range(2):
        store = WorkbookStore.open(data_dir, autoflush=True)
        store.set_setting("n", n)
        store.close()
    store = WorkbookStore.open(data_dir)
    main(["--data-dir", str(data_dir), "check"])
    report = capsys.readouterr().out
    store.close()
    assert "Backups:   1" in report and "workbook-" in report
    assert f"process {os.getpid()}" in report


def test_data_dir_from_environment(tmp_path: Path):
    target = tmp_path / "from-env"
    out = run_cli("check", env={"SECONDOP_TUI_DATA_DIR": str(target)})
    assert str(target / "workbook.json") in out.stdout


def test_restore_keeps_the_current_file_aside(data_dir: Path, capsys):
    for n in range(2):
        store = WorkbookStore.open(data_dir, autoflush=True)
        store.table("notes").insert({"text": f"note {n}"})
        store.changed()
        store.close()
    backup = backups.list_backups(data_dir)[0].path
    current = (data_dir / "workbook.json").read_bytes()
    assert main(["--data-dir", str(data_dir), "restore", backup.name]) == 0
    printed = capsys.readouterr().out
    assert "kept as" in printed
    aside = next(data_dir.glob("workbook.before-restore-*.json"))
    assert aside.read_bytes() == current
    assert (data_dir / "workbook.json").read_bytes() == backup.read_bytes()


def test_restore_refuses_a_damaged_backup_and_a_missing_one(data_dir: Path, tmp_path, capsys):
    WorkbookStore.open(data_dir).close()
    bad = tmp_path / "bad.json"
    bad.write_text("nope")
    before = (data_dir / "workbook.json").read_bytes()
    assert main(["--data-dir", str(data_dir), "restore", str(bad)]) == 1
    assert main(["--data-dir", str(data_dir), "restore", "no-such-backup"]) == 2
    assert (data_dir / "workbook.json").read_bytes() == before


def test_export_refuses_to_overwrite(data_dir: Path, tmp_path: Path):
    WorkbookStore.open(data_dir).close()
    target = tmp_path / "out.txt"
    target.write_text("keep me")
    out = run_cli("--data-dir", str(data_dir), "export", "-o", str(target))
    assert out.returncode == 1 and "already exists" in out.stderr
    assert target.read_text() == "keep me"
    out = run_cli("--data-dir", str(data_dir), "export", "-o", str(target), "--force")
    assert out.returncode == 0
    assert (target.stat().st_mode & 0o777) == 0o600


def test_unusable_data_dir_gets_a_clear_message(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    out = run_cli("--data-dir", str(blocker / "sub"))
    assert out.returncode == 1
    assert "cannot be used" in out.stderr
    assert json  # keep import used
