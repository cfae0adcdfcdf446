"""A big export shared with a helper process: the same bytes, and no half-written file."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from secondop_tui.core import export
from secondop_tui.core.export import SHARE_FROM, HelperFailed, Parts, write_export, write_parts
from secondop_tui.core.notes import new_consultation, save_note
from secondop_tui.core.store import WorkbookStore

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="shared only where fork is")


def many_parts(count: int = SHARE_FROM + 50, *, failing_at: int | None = None) -> Parts:
    def part(n: int):
        if n == failing_at:
            raise RuntimeError(f"part {n} cannot be rendered")
        yield f"part {n}: ✓ " + "words " * 20 + "\n"

    return Parts(part(n) for n in range(count))


def expected(count: int = SHARE_FROM + 50) -> str:
    return "".join(f"part {n}: ✓ " + "words " * 20 + "\n" for n in range(count))


def test_a_shared_export_writes_the_same_file(tmp_path: Path, monkeypatch):
    forks = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    target = write_export(many_parts(), tmp_path / "shared.txt", share=True)
    assert forks == [1]
    assert target.read_text(encoding="utf-8") == expected()
    assert (target.stat().st_mode & 0o777) == 0o600


def test_a_small_export_is_not_shared(monkeypatch):
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked for a small export"))
    out = io.StringIO()
    write_parts(many_parts(SHARE_FROM - 1), out, share=True)
    assert out.getvalue() == expected(SHARE_FROM - 1)


def test_a_failing_second_half_leaves_no_file(tmp_path: Path):
    target = tmp_path / "broken.txt"
    with pytest.raises(HelperFailed, match="part 210 cannot be rendered"):
        write_export(many_parts(failing_at=SHARE_FROM + 10), target, share=True)
    assert not target.exists()


def test_a_full_disk_in_the_second_half_is_reported_in_words(tmp_path: Path, monkeypatch):
    real_write = os.write

    def write(fd, data):  # the helper's writes go straight to the file's descriptor
        if b"part 240" in bytes(data):
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    target = tmp_path / "full.txt"
    with pytest.raises(HelperFailed) as failed:
        write_export(many_parts(), target, share=True)
    assert str(failed.value) == "No space left on device"
    assert not target.exists()


def test_a_failing_first_half_stops_the_helper_writing(tmp_path: Path):
    target = tmp_path / "broken.txt"
    with target.open("w", encoding="utf-8") as out:
        with pytest.raises(RuntimeError, match="part 3 cannot"):
            write_parts(many_parts(failing_at=3), out, share=True)
    # Nothing of the second half was written after the failure.
    assert "part 200" not in target.read_text(encoding="utf-8")


@pytest.fixture
def big_workbook(data_dir: Path) -> WorkbookStore:
    store = WorkbookStore.open(data_dir)
    for n in range(SHARE_FROM + 20):
        visit = new_consultation(store, title=f"Visit {n}")
        save_note(store, visit.doc_id, f"Visit {n}: " + "the plan was explained. " * 40)
    store.flush()
    yield store
    store.close()


def test_the_command_shares_a_big_export_and_prints_it_whole(big_workbook, data_dir: Path,
                                                              tmp_path: Path):
    command = [sys.executable, "-m", "secondop_tui", "--data-dir", str(data_dir), "export",
               "--only", "notes"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout == export.export(big_workbook, "notes")
    target = tmp_path / "notes.md"
    out = subprocess.run([*command, "--format", "markdown", "-o", str(target)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert target.read_text(encoding="utf-8") == export.export(big_workbook, "notes",
                                                               "markdown")


def test_a_reader_that_stops_early_ends_a_shared_export_quietly(big_workbook, data_dir: Path):
    with subprocess.Popen([sys.executable, "-m", "secondop_tui", "--data-dir", str(data_dir),
                           "export"], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout.read(100)
        proc.stdout.close()
        errors = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 141
    assert errors == ""


def test_the_command_says_so_when_the_second_half_does_not_fit(big_workbook, data_dir: Path,
                                                                tmp_path: Path):
    import resource

    whole = len(export.export(big_workbook, "notes").encode())
    target = tmp_path / "notes.txt"

    def limit_file_size():  # room for the first half only, as on a nearly full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (whole * 3 // 4, whole * 3 // 4))

    out = subprocess.run([sys.executable, "-m", "secondop_tui", "--data-dir", str(data_dir),
                          "export", "--only", "notes", "-o", str(target)],
                         capture_output=True, text=True, timeout=60,
                         preexec_fn=limit_file_size)
    assert out.returncode == 1
    assert out.stderr == f"secondop-tui: could not write {target}: File too large.\n"
    assert not target.exists()
