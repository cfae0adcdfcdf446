"""Where an export goes: a file is written beside itself and swapped in, and nothing that is
not a regular file (a device, a pipe, a folder) is ever replaced, truncated, made private
or removed. And what an export prints in a locale that cannot show every character."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from secondop_tui.core import export
from secondop_tui.core.notes import new_consultation, save_note
from secondop_tui.core.store import WorkbookStore

ROOT = os.geteuid() == 0
NOTE = "naïve — 🙂 ψ"


def run(data_dir: Path, *args: str, env: dict | None = None,
        **options) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "secondop_tui", "--data-dir", str(data_dir),
                           *args], capture_output=True, text=True, timeout=60,
                          env=env if env is not None else os.environ.copy(), **options)


@pytest.fixture
def workbook(data_dir: Path) -> Path:
    store = WorkbookStore.open(data_dir)
    visit = new_consultation(store, title="Second opinion")
    save_note(store, visit.doc_id, NOTE)
    store.close()
    return data_dir


def node(path: Path) -> tuple[int, int, int, int]:
    """What must not change about a path that is not ours to replace."""
    st = os.lstat(path)
    return st.st_mode, st.st_ino, st.st_rdev, st.st_uid


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.fixture
def device(tmp_path: Path):
    """A character device made here (a copy of /dev/null or /dev/full), so that even the
    old behaviour (chmod, unlink) can only ever harm a node of the test's own."""
    def make(name: str, major: int, minor: int) -> Path:
        if not ROOT:
            pytest.skip("making a device node needs root")
        path = tmp_path / "devices" / name
        path.parent.mkdir(exist_ok=True)
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
            os.chmod(path, 0o666)
            with open(path, "wb"):
                pass
        except OSError as error:  # a container without mknod, a nodev file system
            pytest.skip(f"no device node here: {error}")
        return path
    return make


# A file: beside, then renamed ---------------------------------------------------------------
def test_a_failed_export_leaves_the_old_file_whole(workbook: Path, tmp_path: Path):
    """RLIMIT_FSIZE as a nearly full disk: the export does not fit, so --force must keep
    the previous export exactly as it was (it used to be truncated, then deleted)."""
    import resource

    target = tmp_path / "out" / "export.txt"
    target.parent.mkdir()
    old = b"the export from last week\n" * 10
    target.write_bytes(old)
    whole = len(run(workbook, "export").stdout.encode())
    assert whole > 400

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (whole // 2, whole // 2))

    out = run(workbook, "export", "-o", str(target), "--force", preexec_fn=limit_file_size)
    assert target.exists() and target.read_bytes() == old
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr == (f"secondop-tui: could not write {target}: File too large. "
                          f"{target} was left as it was.\n")
    assert no_temp_files(target.parent)


def test_a_full_disk_keeps_the_old_file_and_removes_the_temp_file(workbook: Path,
                                                                   tmp_path: Path,
                                                                   monkeypatch):
    target = tmp_path / "export.txt"
    target.write_text("keep me")
    store = WorkbookStore.open(workbook, read_only=True)
    text = export.export(store)
    real_fsync = os.fsync

    def fsync(fd):  # where a full disk is told at the latest
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="No space left"):
        export.write_export(text, target, force=True)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert target.read_text() == "keep me"
    assert no_temp_files(tmp_path)
    export.write_export(text, target, force=True)
    assert target.read_text(encoding="utf-8") == text
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_force_replaces_a_file_and_keeps_a_link_a_link(workbook: Path, tmp_path: Path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    os.chmod(real, 0o644)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    out = run(workbook, "export", "-o", str(link), "--force")
    assert out.returncode == 0, out.stderr
    assert link.is_symlink() and NOTE in real.read_text(encoding="utf-8")
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert no_temp_files(tmp_path)


def test_without_force_nothing_existing_is_touched(workbook: Path, tmp_path: Path):
    target = tmp_path / "export.txt"
    target.write_text("keep me")
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "nowhere.txt")
    for path in (target, dangling):
        out = run(workbook, "export", "-o", str(path))
        assert out.returncode == 1 and "already exists" in out.stderr
    assert target.read_text() == "keep me" and dangling.is_symlink()
    assert not (tmp_path / "nowhere.txt").exists()
    assert no_temp_files(tmp_path)


# Not a file: written as a stream, or refused ------------------------------------------------
def test_a_copy_of_dev_null_is_written_to_and_never_changed(workbook: Path, device):
    null = device("null", 1, 3)
    before = node(null)
    for args in ([], ["--force"]):
        out = run(workbook, "export", "-o", str(null), *args)
        assert out.returncode == 0, out.stderr
        assert out.stderr == ""  # no "Wrote": it is not a file
        assert node(null) == before  # not chmod 0600, not replaced by a file


def test_a_copy_of_dev_full_is_refused_and_never_removed(workbook: Path, device):
    full = device("full", 1, 7)
    before = node(full)
    out = run(workbook, "export", "-o", str(full), "--force")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "will not write to" in out.stderr and "it is a device, not a file" in out.stderr
    assert node(full) == before
    assert no_temp_files(full.parent)


def test_a_link_to_a_device_leaves_both_alone(workbook: Path, device, tmp_path: Path):
    null = device("null", 1, 3)
    link = tmp_path / "to-null"
    link.symlink_to(null)
    before = node(null), node(link)
    out = run(workbook, "export", "-o", str(link), "--force")
    assert out.returncode == 0, out.stderr
    assert (node(null), node(link)) == before


def test_the_real_dev_null_and_dev_full_are_left_alone(workbook: Path):
    for name in ("/dev/null", "/dev/full"):
        if not os.path.exists(name):
            continue
        before = node(Path(name))
        out = run(workbook, "export", "-o", name, "--force")
        assert "Traceback" not in out.stderr
        assert out.returncode == (0 if name == "/dev/null" else 1), out.stderr
        assert stat.S_ISCHR(os.stat(name).st_mode)
        assert node(Path(name)) == before


def test_a_pipe_is_written_as_a_stream(workbook: Path, tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o644)
    os.chmod(fifo, 0o644)
    before = node(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    out = run(workbook, "export", "-o", str(fifo), "--force")
    reader.join(timeout=30)
    assert out.returncode == 0, out.stderr
    assert NOTE in got[0].decode("utf-8")
    assert node(fifo) == before


def test_dash_and_dev_stdout_are_standard_output_in_utf8(workbook: Path, tmp_path: Path):
    whole = run(workbook, "export").stdout
    assert NOTE in whole
    here = tmp_path / "here"
    here.mkdir()
    for target in ("-", "/dev/stdout"):
        out = run(workbook, "export", "-o", target, env=LOCALES["C"][0], cwd=here)
        assert out.returncode == 0 and out.stdout == whole and out.stderr == "", target
    assert not os.listdir(here)  # no file called "-"


def test_a_folder_is_refused(workbook: Path, tmp_path: Path):
    folder = tmp_path / "folder"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    (folder / "inside.txt").write_text("mine")
    before = node(folder)
    for args in ([], ["--force"]):
        out = run(workbook, "export", "-o", str(folder), *args)
        assert out.returncode == 1 and "Traceback" not in out.stderr
        assert "it is a folder" in out.stderr
    assert node(folder) == before and os.listdir(folder) == ["inside.txt"]


def test_the_apps_dialogs_write_no_pipe_nor_device(tmp_path: Path, device):
    """The dialogs (F8 notes, visit pack, comparison, timeline) write through
    write_export: a pipe or a device is refused, not written, made private or removed."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o644)
    os.chmod(fifo, 0o644)
    # A reader, so that even a writer that opens the pipe never blocks.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        targets = [fifo, tmp_path]
        if ROOT:
            targets.append(device("null", 1, 3))
        for target in targets:
            before = node(target)
            try:
                export.write_export("the export", target, force=True)
            except OSError as error:
                refused: OSError | None = error
            else:
                refused = None
            assert node(target) == before
            assert type(refused).__name__ == "NotAFile", target
        assert os.read(reader, 100) == b""
    finally:
        os.close(reader)


# A locale that cannot show every character --------------------------------------------------
def plain_locale(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONIOENCODING", "LANG", "LANGUAGE") and not k.startswith("LC_")}
    return {**env, "PYTHONUTF8": "0", **extra}


LOCALES = {
    "C": (plain_locale(LC_ALL="C"), "na?ve ? ? ?"),
    # A Latin-1 terminal (en_US.ISO-8859-1 need not be installed to test it): "ï" fits.
    "latin-1": (plain_locale(LC_ALL="C", PYTHONIOENCODING="iso-8859-1"), "naïve ? ? ?"),
}


@pytest.mark.parametrize("locale", LOCALES)
def test_export_in_a_narrow_locale_prints_what_fits(workbook: Path, tmp_path: Path,
                                                    locale: str):
    env, shown = LOCALES[locale]
    out = subprocess.run([sys.executable, "-m", "secondop_tui", "--data-dir", str(workbook),
                          "export"], capture_output=True, timeout=60, env=env)
    stdout = out.stdout.decode("iso-8859-1")
    stderr = out.stderr.decode("ascii", "replace")
    assert out.returncode == 0 and "Traceback" not in stderr, stderr
    assert shown in stdout
    assert stderr.count("printed as \"?\"") == 1 and "-o FILE" in stderr
    # A file is always UTF-8, whatever the locale, and needs no hint.
    target = tmp_path / "full.txt"
    out = subprocess.run([sys.executable, "-m", "secondop_tui", "--data-dir", str(workbook),
                          "export", "-o", str(target)], capture_output=True, timeout=60,
                         env=env)
    assert out.returncode == 0 and b"printed as" not in out.stderr, out.stderr
    assert NOTE in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("locale", LOCALES)
def test_check_and_restore_in_a_narrow_locale(tmp_path: Path, locale: str):
    """Their output is mostly paths: a name the locale cannot decode is printed as its own
    bytes (as ls does), never as a traceback."""
    data_dir = tmp_path / "données ψ"
    for n in range(2):
        store = WorkbookStore.open(data_dir, autoflush=True)
        store.set_setting("n", n)
        store.close()
    env = LOCALES[locale][0]
    for args in (["check"], ["restore", "newest"]):
        out = subprocess.run([sys.executable, "-m", "secondop_tui", "--data-dir",
                              str(data_dir), *args], capture_output=True, timeout=60,
                             env=env)
        stderr = out.stderr.decode("ascii", "replace")
        assert out.returncode == 0 and "Traceback" not in stderr, (args, stderr)
        assert str(data_dir).encode() in out.stdout, args
        assert "printed as" not in stderr, args


async def test_the_f8_dialog_names_a_pipe_and_asks_nothing(make_app, store, tmp_path: Path):
    from textual.widgets import Input, Static

    from secondop_tui.ui.dialogs.notes_export_dialog import NotesExportDialog
    from tests.helpers import open_notes_pane as open_pane

    visit = new_consultation(store, title="Visit")
    save_note(store, visit.doc_id, NOTE)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o644)
    before = node(fifo)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pane(pilot)
        await pilot.press("alt+x")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NotesExportDialog)
        dialog.query_one(Input).value = str(fifo)
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is dialog  # no "Replace it?", nothing written
        shown = str(dialog.query_one("#export-problem", Static).render())
        assert "it is a pipe, not a file" in shown
    assert node(fifo) == before


def test_check_shows_text_it_cannot_encode_as_question_marks(data_dir: Path):
    """The one piece of other text check prints: who holds the workbook (a host name)."""
    import json

    store = WorkbookStore.open(data_dir)  # holds the lock
    try:
        record = {"pid": os.getpid(), "host": "hôte-ψ", "since": "2026-11-20T09:30:00"}
        store.paths.lock.write_text(json.dumps(record), encoding="utf-8")
        out = subprocess.run([sys.executable, "-m", "secondop_tui", "--data-dir",
                              str(data_dir), "check"], capture_output=True, timeout=60,
                             env=LOCALES["C"][0])
    finally:
        store.close()
    stderr = out.stderr.decode("ascii", "replace")
    assert out.returncode == 0 and "Traceback" not in stderr, stderr
    assert "h?te-?" in out.stdout.decode("ascii")
    assert stderr.count("printed as") == 1 and "UTF-8 locale" in stderr
