"""The command line: version, check, restore, and the core staying free of Textual."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import secondop_tui.core
from secondop_tui import __version__
from secondop_tui.cli import main
from secondop_tui.core.schema import SCHEMA_VERSION
from secondop_tui.core import backups
from secondop_tui.core.errors import WorkbookDamaged
from secondop_tui.core.store import WorkbookStore


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None):
    return subprocess.run([sys.executable, "-m", "secondop_tui", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})}, cwd=cwd)


NO_TEXTUAL = """
import sys
from secondop_tui.cli import main
from secondop_tui.core.schema import SCHEMA_VERSION
try:
    main({argv!r}[1:])
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
                 ["secondop-tui", "--data-dir", str(data_dir), "export"],
                 ["secondop-tui", "--data-dir", str(data_dir), "export", "--format", "html"],
                 ["secondop-tui", "--data-dir", str(data_dir), "export", "--only", "calendar"],
                 ["secondop-tui", "--data-dir", str(data_dir), "export", "--only", "contacts"],
                 ["secondop-tui", "--data-dir", str(data_dir), "import", "contacts",
                  str(Path(__file__).parent / "data" / "contacts" / "khard.vcf"), "--yes"],
                 ["secondop-tui", "--data-dir", str(data_dir), "sync"],
                 ["secondop-tui", "--data-dir", str(data_dir), "history"]):
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
    assert "healthy" in report and f"Schema:    {SCHEMA_VERSION}" in report \
        and "doctors 1" in report
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


def workbook_holding(doctor: str) -> bytes:
    from secondop_tui.core import codec, schema

    raw = schema.new_workbook()
    raw["doctors"] = {"1": {"name": doctor}}
    return codec.encode(raw)


NOW = time.time()


def put(path: Path, content: bytes, age: float) -> None:
    """Write a file last modified ``age`` seconds before NOW (the same NOW for all)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_bytes(content)
    os.utime(path, (NOW - age, NOW - age))


@pytest.mark.parametrize("newest", ["previous save", "startup backup", "same time"])
def test_restore_newest_is_the_backup_the_damaged_dialog_offers(data_dir: Path, capsys,
                                                                 newest: str):
    """One choice of "the newest good backup", whichever of the two kinds it is. On a
    tie the previous save wins: a session's backup is taken before its first save."""
    ages = {"previous save": (60, 3600), "startup backup": (3600, 60), "same time": (60, 60)}
    previous_age, backup_age = ages[newest]
    put(data_dir / "workbook.prev.json", workbook_holding("Dr Previous"), age=previous_age)
    put(backups.backup_dir(data_dir) / "workbook-20261101-090000.json",
        workbook_holding("Dr Backup"), age=backup_age)
    put(backups.backup_dir(data_dir) / "workbook-20261102-090000.json", b"{broken", age=0)
    (data_dir / "workbook.json").write_bytes(b"{damaged")
    with pytest.raises(WorkbookDamaged) as caught:
        WorkbookStore.open(data_dir)
    offered = caught.value.backup
    expected = "Dr Backup" if newest == "startup backup" else "Dr Previous"
    assert offered is not None and offered.path == backups.find(data_dir, "newest")
    assert main(["--data-dir", str(data_dir), "restore", "newest"]) == 0
    assert f"from {offered.path}" in capsys.readouterr().out
    assert expected.encode() in (data_dir / "workbook.json").read_bytes()


def test_restore_by_the_names_check_lists(data_dir: Path, tmp_path: Path, monkeypatch,
                                          capsys):
    WorkbookStore.open(data_dir).close()
    put(data_dir / "workbook.prev.json", workbook_holding("Dr Previous"), age=60)
    put(data_dir / "workbook.unsaved-20261120-093000.json", workbook_holding("Dr Unsaved"),
        age=30)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # names are looked up in the data folder, not here
    for name, doctor in [("workbook.prev.json", "Dr Previous"),
                         ("workbook.unsaved-20261120-093000.json", "Dr Unsaved")]:
        assert main(["--data-dir", str(data_dir), "restore", name]) == 0, name
        assert doctor.encode() in (data_dir / "workbook.json").read_bytes()
    before = (data_dir / "workbook.json").read_bytes()
    assert main(["--data-dir", str(data_dir), "restore", "workbook.json"]) == 2
    assert "the workbook itself" in capsys.readouterr().err
    assert main(["--data-dir", str(data_dir), "restore", "nowhere/workbook.prev.json"]) == 2
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


@pytest.mark.parametrize("command", [["check"], ["history"], ["export"]])
def test_a_reader_that_stops_early_gets_no_traceback(data_dir: Path, command):
    """`secondop-tui check | head -1`: when the reader has gone, the command ends quietly
    with the status a broken pipe gives, whichever command it is."""
    WorkbookStore.open(data_dir).close()
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line
    try:
        out = subprocess.run([sys.executable, "-c", "from secondop_tui.cli import run; run()",
                              "--data-dir", str(data_dir), *command],
                             stdout=write, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)
    assert "Traceback" not in out.stderr, out.stderr
    assert out.returncode == 141, (out.returncode, out.stderr)
