"""The app with an encrypted workbook: the passphrase asked before anything is shown,
wrong tries told apart from a damaged key file and slowed down, and the palette's
Encrypt, Change passphrase and Decrypt."""

from __future__ import annotations

from pathlib import Path

import pytest

from secondop_tui.core import encryption, notes, sealing
from secondop_tui.core.errors import PassphraseNeeded
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.app import SecondOpinionApp
from secondop_tui.ui.dialogs import passphrase_dialog
from secondop_tui.ui.dialogs.passphrase_dialog import RecoveryKeyDialog, UnlockDialog
from tests.helpers import (
    NEW_PASSPHRASE,
    PANES,
    PASSPHRASE,
    SECRET_DOCTOR,
    SECRET_NOTE,
    encrypted,
    files_holding,
    damaged_key_file,
    key_file_asking_too_much,
    private_workbook,
    run_from_palette,
    screen_text,
    wait_until,
)


def locked_app(data_dir: Path) -> SecondOpinionApp:
    """The app as the command starts it for an encrypted workbook: no store yet."""
    return SecondOpinionApp(problem=PassphraseNeeded(data_dir / "workbook.json"),
                            data_dir=data_dir, watch_signals=False)


async def type_into_unlock(pilot, text: str) -> None:
    dialog = pilot.app.screen
    assert isinstance(dialog, UnlockDialog)
    await wait_until(pilot, lambda: not dialog.query_one("#unlock-passphrase").disabled,
                     "the passphrase field ready")
    await pilot.press(*text, "enter")


def status_of(app) -> str:
    return str(app.screen.query_one("#unlock-status").render())


async def test_the_passphrase_comes_before_anything_of_the_workbook(data_dir: Path):
    private_workbook(data_dir)
    encrypted(data_dir)
    app = locked_app(data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockDialog),
                         "the passphrase asked")
        shown = screen_text(app)
        assert "This workbook is encrypted" in shown
        assert SECRET_DOCTOR not in shown and "Guidance 1" not in shown
        assert app.store is None
        await type_into_unlock(pilot, "not it")
        await wait_until(pilot, lambda: "does not open this workbook" in status_of(app),
                         "the wrong passphrase told", state=lambda: status_of(app))
        assert "1 wrong try" in status_of(app) and app.store is None
        await type_into_unlock(pilot, PASSPHRASE)
        await wait_until(pilot, lambda: app.store is not None and all(
            title in screen_text(app) for title in PANES), "the workbook shown")
        assert app.store.encrypted
        await pilot.press("3")
        await wait_until(pilot, lambda: SECRET_DOCTOR in screen_text(app), "the doctors")
        await pilot.press("ctrl+q")
    assert files_holding(data_dir) == []


async def test_after_a_few_wrong_tries_each_waits_longer(data_dir: Path, monkeypatch):
    assert [passphrase_dialog.wait_after(n) for n in range(6)] == [0, 0, 0, 2, 4, 8]
    assert passphrase_dialog.wait_after(30) == passphrase_dialog.WAIT_LONGEST
    private_workbook(data_dir, starts=1)
    encrypted(data_dir)
    app = locked_app(data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockDialog),
                         "the passphrase asked")
        for n in range(passphrase_dialog.FREE_TRIES):
            await type_into_unlock(pilot, f"wrong {n}")
            await wait_until(pilot, lambda: f"{n + 1} wrong tr" in status_of(app),
                             f"wrong try {n + 1} told", state=lambda: status_of(app))
        assert "The next try is possible in" in status_of(app)
        assert app.screen.query_one("#unlock-passphrase").disabled
        await pilot.press("escape")
    assert app.return_code in (0, None)


@pytest.mark.parametrize(("spoil", "told"), [
    (damaged_key_file, ("is damaged",)),
    # A work factor age will not try here: as on a machine that looks too slow just now.
    (key_file_asking_too_much, ("not tried", "recovery key")),
], ids=["damaged key file", "passphrase not tried on a busy machine"])
async def test_a_passphrase_refused_for_another_reason_is_no_wrong_try(
        data_dir: Path, monkeypatch, spoil, told):
    private_workbook(data_dir, starts=1)
    key = encrypted(data_dir)
    spoil(data_dir)
    monkeypatch.setattr(sealing, "TOO_MUCH_WORK_TRIES", 2)
    app = locked_app(data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockDialog),
                         "the passphrase asked")
        await type_into_unlock(pilot, PASSPHRASE)
        await wait_until(pilot, lambda: told[0] in status_of(app),
                         f"{told[0]!r} told", state=lambda: status_of(app))
        assert "wrong" not in status_of(app)
        assert all(words in status_of(app) for words in told)
        # The recovery key still opens it.
        await type_into_unlock(pilot, key.recovery_key())
        await wait_until(pilot, lambda: app.store is not None, "the workbook open")
        await pilot.press("ctrl+q")


async def test_read_only_asks_too_and_writes_nothing(data_dir: Path):
    private_workbook(data_dir, starts=1)
    encrypted(data_dir)
    before = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    app = SecondOpinionApp(problem=PassphraseNeeded(data_dir / "workbook.json"),
                           data_dir=data_dir, watch_signals=False, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockDialog),
                         "the passphrase asked")
        await type_into_unlock(pilot, PASSPHRASE)
        await wait_until(pilot, lambda: app.store is not None and app.store.read_only,
                         "the workbook open read-only")
        await pilot.press("ctrl+q")
    after = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    assert after == before


async def test_encrypt_change_and_decrypt_from_the_palette(data_dir: Path):
    doc_id = private_workbook(data_dir)
    store = WorkbookStore.open(data_dir)
    app = SecondOpinionApp(store=store, watch_signals=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: PANES[0] in screen_text(app), "the app started")
        await run_from_palette(pilot, "encrypt the workbook",
                               "Encryption: encrypt the workbook")
        await wait_until(pilot, lambda: "Encrypt the workbook" in screen_text(app),
                         "the encrypt dialog")
        await pilot.press(*"password", "enter")
        assert "weak" in screen_text(app)  # a hint, not a rule
        await pilot.press(*"password", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecoveryKeyDialog),
                         "the recovery key shown", timeout=120)
        recovery = app.screen.recovery_key
        assert recovery.startswith("AGE-SECRET-KEY-1")
        await wait_until(pilot, lambda: recovery in screen_text(app), "the key on screen")
        assert store.encrypted and files_holding(data_dir) == []
        await pilot.press("escape")  # not how it closes: it stays until written down
        assert isinstance(app.screen, RecoveryKeyDialog)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, RecoveryKeyDialog),
                         "the recovery key closed")
        # Typing goes on, and is saved sealed.
        notes.save_note(store, doc_id, f"{SECRET_NOTE} typed later")
        app.save_now()
        assert files_holding(data_dir) == []

        await run_from_palette(pilot, "change passphrase", "Encryption: change passphrase")
        await wait_until(pilot, lambda: "Change the passphrase" in screen_text(app),
                         "the change dialog")
        await pilot.press(*"password", "enter", *NEW_PASSPHRASE, "enter",
                          *NEW_PASSPHRASE, "enter")
        await wait_until(pilot, lambda: encryption.key_file_state(data_dir) == "intact"
                         and _opens(data_dir, NEW_PASSPHRASE), "the passphrase changed",
                         timeout=120)
        assert encryption.unlock(data_dir, recovery).recipient == store.storage.key.recipient

        await run_from_palette(pilot, "decrypt the workbook",
                               "Encryption: decrypt the workbook")
        await wait_until(pilot, lambda: "Stop encrypting" in screen_text(app),
                         "the decrypt dialog")
        await pilot.press(*NEW_PASSPHRASE, "enter")
        await wait_until(pilot, lambda: not store.encrypted, "decrypted", timeout=120)
        assert not (data_dir / encryption.KEY_NAME).exists()
        await pilot.press("ctrl+q")
    assert SECRET_NOTE in notes.get_consultation(WorkbookStore.open(data_dir, read_only=True),
                                                 doc_id).note


def _opens(data_dir: Path, passphrase: str) -> bool:
    try:
        encryption.unlock(data_dir, passphrase)
    except Exception:  # noqa: BLE001 - not yet
        return False
    return True
