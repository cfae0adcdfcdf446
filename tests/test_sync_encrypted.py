"""Sync with encryption on: what reaches the remote (and the sync repository here) is only
ever the sealed workbook and its key sealed with the passphrase; the other machine opens
it with the same passphrase, and a machine without the key is told what to do in words,
with nothing changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from secondop_tui.core import encryption, sync
from secondop_tui.core.doctors import Doctor, add_doctor, list_doctors
from secondop_tui.core.sealing import is_sealed
from secondop_tui.core.store import WorkbookStore
from tests import key_memo
from tests.helpers import PASSPHRASE, SECRET_DOCTOR, SECRETS, encrypted, files_holding, \
    private_workbook


def cli(data_dir: Path, *args: str, secret: str = "") -> subprocess.CompletedProcess:
    """The command line on ``data_dir``, with ``secret`` given on descriptor 0."""
    return subprocess.run(
        [sys.executable, "-c", key_memo.LAUNCH, "--data-dir", str(data_dir), *args,
         "--passphrase-fd", "0"], input=secret, capture_output=True, text=True,
        timeout=300, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})


def every_object(repo: Path) -> bytes:
    """Every object a git repository holds, as git gives them back (unpacked)."""
    return subprocess.run(["git", "--git-dir", str(repo), "cat-file", "--batch-all-objects",
                           "--batch"], capture_output=True, check=True).stdout


def shared_files(repo: Path) -> dict[str, bytes]:
    names = subprocess.run(["git", "--git-dir", str(repo), "ls-tree", "--name-only",
                            sync.REF], capture_output=True, text=True, check=True).stdout
    return {name: subprocess.run(["git", "--git-dir", str(repo), "cat-file", "blob",
                                  f"{sync.REF}:{name}"], capture_output=True,
                                 check=True).stdout
            for name in names.split()}


@pytest.fixture
def shared(tmp_path: Path) -> tuple[Path, Path]:
    """A workbook with private words, encrypted, then shared through an empty remote."""
    laptop, remote = tmp_path / "laptop", tmp_path / "remote.git"
    private_workbook(laptop)
    key = encrypted(laptop)
    store = WorkbookStore.open(laptop, key=key)
    try:
        report = sync.setup(store, str(remote), machine="laptop")
    finally:
        store.close()
    assert report.first
    return laptop, remote


def test_only_the_sealed_workbook_and_its_sealed_key_reach_the_remote(shared):
    laptop, remote = shared
    files = shared_files(remote)
    assert sorted(files) == ["workbook.json", "workbook.key.age"]
    assert is_sealed(files["workbook.json"]) and is_sealed(files["workbook.key.age"])
    for repo in (remote, laptop / "sync" / "repo"):
        objects = every_object(repo)
        assert not [word for word in SECRETS if word.encode() in objects], repo


def test_the_other_machine_joins_with_the_passphrase_and_both_stay_sealed(shared, tmp_path):
    laptop, remote = shared
    desktop = tmp_path / "desktop"
    done = cli(desktop, "sync", "setup", "--clone", str(remote), "--machine", "desktop",
               secret=PASSPHRASE + "\n")
    assert done.returncode == 0, done.stderr
    assert "encrypted with the shared workbook's key" in done.stderr
    assert is_sealed((desktop / "workbook.json").read_bytes())
    assert files_holding(desktop) == []
    # The same passphrase opens it, and the records came over.
    key = encryption.unlock(desktop, PASSPHRASE)
    store = WorkbookStore.open(desktop, key=key, autoflush=True)
    try:
        assert SECRET_DOCTOR in [d.name for d in list_doctors(store)]
        add_doctor(store, Doctor(name="Dr Desktop Added"))
    finally:
        store.close()
    done = cli(desktop, "sync", secret=PASSPHRASE + "\n")
    assert done.returncode == 0, done.stderr
    # Back on the laptop: its own key opens what the desktop sent.
    key = encryption.unlock(laptop, PASSPHRASE)
    store = WorkbookStore.open(laptop, key=key)
    try:
        sync.Session(store).run()
        assert "Dr Desktop Added" in [d.name for d in list_doctors(store)]
    finally:
        store.close()
    objects = every_object(remote)
    assert b"Dr Desktop Added" not in objects
    assert not [word for word in SECRETS if word.encode() in objects]
    assert files_holding(laptop) == [] and files_holding(desktop) == []


def test_a_wrong_passphrase_joins_nothing_and_changes_nothing(shared, tmp_path):
    _, remote = shared
    desktop = tmp_path / "desktop"
    store = WorkbookStore.open(desktop, autoflush=True)
    add_doctor(store, Doctor(name="Dr Only Here"))
    store.close()
    before = (desktop / "workbook.json").read_bytes()
    done = cli(desktop, "sync", "setup", "--clone", str(remote), secret="not it\n")
    assert done.returncode == 1
    assert "does not open the shared workbook" in done.stderr
    assert "Traceback" not in done.stderr
    assert (desktop / "workbook.json").read_bytes() == before
    assert not encryption.encryption_on(desktop)
    assert not sync.is_set_up(desktop)


def encrypted_after_sync(tmp_path: Path):
    """Two machines synced plain (a doctor), then the laptop encrypted and synced again
    with a doctor more. Returns the laptop, the desktop (plain) and the laptop's key."""
    laptop, desktop, remote = tmp_path / "laptop", tmp_path / "desktop", tmp_path / "r.git"
    store = WorkbookStore.open(laptop, autoflush=True)
    add_doctor(store, Doctor(name="Dr Ames"))
    sync.setup(store, str(remote), machine="laptop")
    store.close()
    store = WorkbookStore.open(desktop)
    sync.setup(store, str(remote), machine="desktop", clone=True)
    store.close()
    key = encrypted(laptop)
    store = WorkbookStore.open(laptop, key=key, autoflush=True)
    add_doctor(store, Doctor(name="Dr Sealed"))
    sync.Session(store).run()
    store.close()
    return laptop, desktop, key


def test_a_plain_machine_is_told_in_words_what_to_do_and_nothing_changes(tmp_path):
    """The other machine turned encryption on after both were synced: a sync here stops
    and says what to do; the command line then asks for the shared passphrase."""
    laptop, desktop, key = encrypted_after_sync(tmp_path)
    before = (desktop / "workbook.json").read_bytes()
    store = WorkbookStore.open(desktop)
    try:
        with pytest.raises(sync.SyncError) as raised:
            sync.Session(store).run()
    finally:
        store.close()
    assert raised.value.kind == "key-needed"
    message = str(raised.value)
    assert "encrypted" in message and "secondop-tui sync" in message
    assert "Nothing was changed here" in message
    assert (desktop / "workbook.json").read_bytes() == before
    # The command line asks for the passphrase, and the desktop is encrypted from then on.
    done = cli(desktop, "sync", secret=PASSPHRASE + "\n")
    assert done.returncode == 0, done.stderr
    assert encryption.encryption_on(desktop)
    store = WorkbookStore.open(desktop, key=encryption.unlock(desktop, PASSPHRASE))
    try:
        assert "Dr Sealed" in [d.name for d in list_doctors(store)]
    finally:
        store.close()


def test_a_synced_version_restores_with_the_key(shared):
    laptop, _ = shared
    version = sync.history(laptop)[0].short
    done = cli(laptop, "restore", version, secret=PASSPHRASE + "\n")
    assert done.returncode == 0, done.stderr
    assert is_sealed((laptop / "workbook.json").read_bytes())
    assert files_holding(laptop) == []


async def test_sync_now_asks_for_the_shared_passphrase_then_syncs(tmp_path):
    """The app's "Sync now" on a plain workbook whose shared one was encrypted on the
    other machine: it says so, asks for the shared passphrase (p), refuses a wrong one,
    and with the right one encrypts this workbook with the same key and syncs."""
    # deferred: these tests start the app; the ones above need no Textual
    from textual.widgets import Input

    from secondop_tui.ui.app import SecondOpinionApp
    from secondop_tui.ui.dialogs.passphrase_dialog import SharedPassphraseDialog
    from secondop_tui.ui.dialogs.sync_dialog import SyncDialog
    from tests.contexts import key_event, press
    from tests.helpers import run_from_palette, screen_text, wait_until

    def words(app) -> str:
        """The screen's words, lines joined, a dialog's borders left out."""
        return " ".join(screen_text(app).translate({ord(c): " " for c in "█▀▄▔▁▎▊"})
                        .split())

    laptop, desktop, key = encrypted_after_sync(tmp_path)
    store = WorkbookStore.open(desktop)
    app = SecondOpinionApp(store=store, watch_signals=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await run_from_palette(pilot, "Sync now")
        await wait_until(pilot, lambda: isinstance(app.screen, SyncDialog)
                         and not app.screen.running, "the sync done")
        dialog = app.screen
        assert "Press p to give the shared workbook's passphrase" in words(app)
        assert not encryption.encryption_on(desktop)
        await press(pilot, "p")
        await wait_until(pilot, lambda: isinstance(app.screen, SharedPassphraseDialog)
                         and isinstance(app.focused, Input), "the passphrase asked")
        await press(pilot, *"not it", "enter")
        await wait_until(pilot, lambda: "does not open the shared workbook" in words(app),
                         "the wrong passphrase refused")
        assert not encryption.encryption_on(desktop)
        await press(pilot, *PASSPHRASE)
        # The dialog closes from its own worker (the passphrase opened the key), which
        # counts as cancelled: wait for the screens, not for every worker to succeed.
        app.post_message(key_event("enter"))
        await wait_until(pilot, lambda: app.screen is dialog and not dialog.running,
                         "the workbook encrypted and synced", timeout=120, workers=False)
        # The report is drawn once its lines are laid out: on a busy machine a frame can
        # show its first line in the room the text before it took.
        await wait_until(pilot, lambda: "Came in from the other side" in words(app),
                         "the report shown", state=lambda: words(app))
        assert "This workbook is now encrypted with the shared workbook's key" in words(app)
        assert "Dr Sealed" in [d.name for d in list_doctors(store)]
        assert store.encrypted and app.workbook_key is not None
        assert app.workbook_key.recipient == key.recipient
    assert is_sealed((desktop / "workbook.json").read_bytes())
    assert files_holding(desktop, ("Dr Sealed", "Dr Ames")) == []


def test_a_synced_workbook_encrypted_goes_out_encrypted_at_the_next_sync(tmp_path):
    """Nothing else changed: the next sync still sends it, sealed, with its key."""
    laptop, remote = tmp_path / "laptop", tmp_path / "r.git"
    store = WorkbookStore.open(laptop, autoflush=True)
    add_doctor(store, Doctor(name=SECRET_DOCTOR))
    sync.setup(store, str(remote), machine="laptop")
    store.close()
    key = encrypted(laptop)
    for went_out in (["the workbook, encrypted from now on"], []):
        store = WorkbookStore.open(laptop, key=key)
        try:
            report = sync.Session(store).run()
        finally:
            store.close()
        assert report.went_out == went_out
        files = shared_files(remote)
        assert is_sealed(files["workbook.json"]) and "workbook.key.age" in files
