"""A big export: the same bytes as the export in memory, and no half-written file."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from secondop_tui.core import export
from secondop_tui.core.export import export_file, export_workbook
from secondop_tui.core.notes import new_consultation, save_note
from secondop_tui.core.store import WorkbookStore

pytestmark = pytest.mark.skipif(sys.platform == "win32",
                                reason="file size limits (resource) are POSIX only")

NOTE = "the surgeon explained why the plan starts with chemotherapy. " * 70  # about 4 KB


def fill(data_dir: Path, consultations: int) -> WorkbookStore:
    store = WorkbookStore.open(data_dir)
    for n in range(consultations):
        visit = new_consultation(store, title=f"Visit {n}")
        save_note(store, visit.doc_id, f"Visit {n}: {NOTE}")
    store.flush()
    return store


@pytest.fixture
def workbook(data_dir: Path) -> WorkbookStore:
    store = fill(data_dir, 40)
    yield store
    store.close()


def test_an_export_to_a_file_writes_the_same_text(workbook, data_dir: Path, tmp_path: Path):
    for fmt in export.FORMATS:
        target = tmp_path / f"all.{fmt}"
        with export_file(target) as out:
            export_workbook(data_dir, out, None, fmt)
        assert target.read_text(encoding="utf-8") == export.export(workbook, None, fmt)
        assert (target.stat().st_mode & 0o777) == 0o600


def test_the_parts_are_loaded_once(workbook, data_dir: Path, tmp_path: Path, monkeypatch):
    parts = export.load_parts()
    assert list(parts) == ["checklist", "doctors", "notes", "comparison", "timeline",
                           "guidance", export.VISIT_PACK, export.CALENDAR, export.CONTACTS]
    assert [name for name, part in parts.items() if not part.whole] == [
        "guidance", export.VISIT_PACK, export.CALENDAR, export.CONTACTS]
    assert [name for name, part in parts.items() if part.is_file] == [export.CALENDAR,
                                                                      export.CONTACTS]

    def import_module(name):
        raise AssertionError(f"{name} imported again")

    monkeypatch.setattr(export.importlib, "import_module", import_module)
    target = tmp_path / "all.txt"
    with export_file(target) as out:
        export_workbook(data_dir, out)
    assert target.read_text(encoding="utf-8") == export.export(workbook)


def test_a_failing_part_leaves_no_file(workbook, data_dir: Path, tmp_path: Path,
                                       monkeypatch):
    def broken(store, fmt):  # the timeline comes late, after the notes were written
        raise RuntimeError("the timeline cannot be drawn")

    parts = export.load_parts()
    monkeypatch.setitem(parts, "timeline", replace(parts["timeline"], render=broken))
    target = tmp_path / "broken.txt"
    with pytest.raises(RuntimeError, match="the timeline cannot be drawn"):
        with export_file(target) as out:
            export_workbook(data_dir, out)
    assert not target.exists()


# The command itself, as a user runs it ----------------------------------------------------
@pytest.fixture
def big_workbook(data_dir: Path) -> WorkbookStore:
    """Over a megabyte of JSON, far more than a pipe holds."""
    store = fill(data_dir, 300)
    assert (data_dir / "workbook.json").stat().st_size >= 1_000_000
    yield store
    store.close()


def run(data_dir: Path, *args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "secondop_tui", "--data-dir", str(data_dir),
                           "export", *args], capture_output=True, text=True, timeout=60,
                          **options)


def test_the_command_prints_a_big_export_whole(big_workbook, data_dir: Path, tmp_path: Path):
    out = run(data_dir, "--only", "notes")
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout == export.export(big_workbook, "notes")
    target = tmp_path / "notes.md"
    out = run(data_dir, "--only", "notes", "--format", "markdown", "-o", str(target))
    assert out.returncode == 0 and out.stderr == f"Wrote {target}.\n"
    assert target.read_text(encoding="utf-8") == export.export(big_workbook, "notes",
                                                               "markdown")


@pytest.mark.parametrize("consultations", [40, 300], ids=["small", "big"])
def test_a_reader_that_stops_early_ends_the_export_quietly(consultations, data_dir: Path):
    fill(data_dir, consultations).close()  # far more than a pipe holds
    with subprocess.Popen([sys.executable, "-m", "secondop_tui", "--data-dir", str(data_dir),
                           "export"], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout.read(100)  # what "| head" does: read a little, then go away
        proc.stdout.close()
        errors = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 141
    assert errors == ""  # no traceback


def test_the_command_says_so_when_the_export_does_not_fit(big_workbook, data_dir: Path,
                                                          tmp_path: Path):
    import resource

    whole = len(export.export(big_workbook, "notes").encode())
    target = tmp_path / "notes.txt"

    def limit_file_size():  # room for part of it only, as on a nearly full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (whole * 3 // 4, whole * 3 // 4))

    out = run(data_dir, "--only", "notes", "-o", str(target), preexec_fn=limit_file_size)
    assert out.returncode == 1
    assert out.stderr == f"secondop-tui: could not write {target}: File too large.\n"
    assert not target.exists()


def test_a_damaged_workbook_is_reported_once(big_workbook, data_dir: Path):
    workbook = data_dir / "workbook.json"
    workbook.write_bytes(workbook.read_bytes()[:-5000])  # cut short, and still big
    out = run(data_dir)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.count("damaged") == 1, out.stderr


def test_a_failed_export_leaves_the_old_file_whole(big_workbook, data_dir: Path,
                                                          tmp_path: Path):
    """The export goes into a temp file beside the target, renamed over it only when
    whole: an export that does not fit leaves the previous one exactly as it was."""
    import resource

    whole = len(export.export(big_workbook, "notes").encode())
    target = tmp_path / "notes.txt"
    old = b"last week's export\n" * 1000
    target.write_bytes(old)

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (whole * 3 // 4, whole * 3 // 4))

    out = run(data_dir, "--only", "notes", "-o", str(target), "--force",
              preexec_fn=limit_file_size)
    assert target.exists() and target.read_bytes() == old
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "File too large" in out.stderr and "left as it was" in out.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    out = run(data_dir, "--only", "notes", "-o", str(target), "--force")
    assert out.returncode == 0, out.stderr
    assert target.read_text(encoding="utf-8") == export.export(big_workbook, "notes")


def test_a_big_export_prints_what_fits_in_a_narrow_locale(big_workbook, data_dir: Path):
    visits = sorted(doc.doc_id for doc in big_workbook.table("consultations").all())
    for doc_id in (visits[0], visits[-1]):  # the first and the last
        save_note(big_workbook, doc_id, "naïve — 🙂 ψ")
    big_workbook.flush()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONIOENCODING", "LANG") and not k.startswith("LC_")}
    out = subprocess.run([sys.executable, "-m", "secondop_tui", "--data-dir", str(data_dir),
                          "export", "--only", "notes"], capture_output=True, timeout=60,
                         env={**env, "LC_ALL": "C", "PYTHONUTF8": "0"})
    stderr = out.stderr.decode("ascii", "replace")
    assert out.returncode == 0 and "Traceback" not in stderr, stderr
    assert out.stdout.decode("ascii").count("na?ve ? ? ?") == 2
    assert stderr.count("printed as") == 1 and "8 characters" in stderr, stderr
