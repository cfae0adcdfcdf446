"""The app's side of encryption: the passphrase asked at start, and the palette's
Encrypt, Change passphrase and Decrypt.

The switches run on a worker thread, as one writer with the saves (see
``WorkbookStore.encrypt``): typing goes on meanwhile, and its saves wait for the switch,
then are sealed (or not) as the workbook now is.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual import work

from secondop_tui.core import encryption
from secondop_tui.core.errors import StoreError
from secondop_tui.core.sealing import WorkbookKey
from secondop_tui.ui.saving import SavingApp


class EncryptingApp(SavingApp):
    """An app whose workbook may be encrypted: it holds the key once the passphrase was
    given (``workbook_key``), only in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.workbook_key: WorkbookKey | None = None
        self.data_dir: Path | None = None

    # At start ---------------------------------------------------------------------------
    def ask_passphrase_at_start(self) -> None:
        """Ask for the passphrase on the app's own screen, before anything of the
        workbook is shown; then open the workbook with its key (see open_store)."""
        # deferred: start-up speed (an unencrypted workbook opens without its dialogs)
        from secondop_tui.ui.dialogs.passphrase_dialog import UnlockDialog

        assert self.data_dir is not None
        self.push_screen(UnlockDialog(self.data_dir), self.answer_unlock)

    def answer_unlock(self, key: WorkbookKey | None) -> None:
        if key is None:
            self.exit()
            return
        self.workbook_key = key
        self.open_workbook_with_key()

    def open_workbook_with_key(self) -> None:
        """Open the workbook now that its key is known (the app does it as at start)."""

    # The palette ------------------------------------------------------------------------
    def encryption_commands(self) -> Iterable[tuple[str, str, object]]:
        """(title, help, callback) for the palette: what can be done with encryption."""
        store = self.store
        if store is None or store.read_only:
            return
        if store.encrypted:
            yield ("Encryption: change passphrase",
                   "Seal the workbook's key with a new passphrase (the recovery key stays)",
                   self.action_change_passphrase)
            yield ("Encryption: decrypt the workbook",
                   "Stop encrypting: the workbook and its copies are stored plain again",
                   self.action_decrypt_workbook)
        else:
            yield ("Encryption: encrypt the workbook",
                   "Encrypt the workbook and every copy of it with a passphrase",
                   self.action_encrypt_workbook)

    def _before_switch(self) -> bool:
        store = self.store
        if store is None or store.read_only:
            self.notify("This workbook is open read-only; nothing can be changed.")
            return False
        # Whatever is typed and not yet in the store goes into the switch too.
        self.collect_pending_edits()
        store.storage.mark_dirty()  # the snapshot the switch writes, taken here
        return True

    def action_encrypt_workbook(self) -> None:
        # deferred: start-up speed (an unencrypted workbook opens without its dialogs)
        from secondop_tui.ui.dialogs.passphrase_dialog import EncryptDialog

        if self.store is not None and not self.store.encrypted:
            self.push_screen(EncryptDialog(), self.answer_encrypt)

    def answer_encrypt(self, answer: tuple[str, str] | None) -> None:
        if answer is not None and self._before_switch():
            self.notify("Encrypting the workbook…", timeout=3)
            self.encrypt_in_background(answer[1])

    @work(thread=True, group="encryption", exit_on_error=False)
    def encrypt_in_background(self, passphrase: str) -> None:
        assert self.store is not None
        try:
            key = self.store.encrypt(passphrase)
        except (StoreError, OSError) as error:
            self.call_from_thread(self.switch_failed, "encrypt", error)
            return
        self.call_from_thread(self.encrypted_now, key)

    def encrypted_now(self, key: WorkbookKey) -> None:
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.core.sync import SYNCED_ENCRYPTION_NOTE, is_set_up
        from secondop_tui.ui.dialogs.passphrase_dialog import RecoveryKeyDialog

        self.workbook_key = key
        self.refresh_status()
        self.push_screen(RecoveryKeyDialog(key.recovery_key()))
        if self.store is not None and is_set_up(self.store.paths.data_dir):
            self.notify(SYNCED_ENCRYPTION_NOTE, title="Sync", timeout=20)

    def on_sync_dialog_key_changed(self, message) -> None:
        """A sync encrypted the workbook with the shared workbook's key (it asked for the
        shared passphrase): the workbook opens with that key from now on."""
        self.workbook_key = message.key
        self.refresh_status()

    def action_change_passphrase(self) -> None:
        # deferred: start-up speed (an unencrypted workbook opens without its dialogs)
        from secondop_tui.ui.dialogs.passphrase_dialog import ChangePassphraseDialog

        if self.store is not None and self.store.encrypted:
            self.push_screen(ChangePassphraseDialog(), self.answer_change_passphrase)

    def answer_change_passphrase(self, answer: tuple[str, str] | None) -> None:
        if answer is not None and self._before_switch():
            self.notify("Changing the passphrase…", timeout=3)
            self.change_passphrase_in_background(*answer)

    def _check_secret(self, secret: str) -> None:
        """Raise StoreError unless ``secret`` opens this workbook's key."""
        assert self.store is not None and self.data_dir is not None
        key = encryption.unlock(self.store.paths.data_dir, secret)
        held = self.store.storage.key
        if held is None or key.recipient != held.recipient:
            raise StoreError("That key is not this workbook's.")

    @work(thread=True, group="encryption", exit_on_error=False)
    def change_passphrase_in_background(self, current: str, new: str) -> None:
        assert self.store is not None
        try:
            self._check_secret(current)
            self.store.change_passphrase(new)
        except (StoreError, OSError) as error:
            self.call_from_thread(self.switch_failed, "change the passphrase", error)
            return
        self.call_from_thread(self.notify, "The passphrase is changed. The recovery key "
                              "stays the same.", title="Encryption", timeout=8)

    def action_decrypt_workbook(self) -> None:
        # deferred: start-up speed (an unencrypted workbook opens without its dialogs)
        from secondop_tui.ui.dialogs.passphrase_dialog import DecryptDialog

        if self.store is not None and self.store.encrypted:
            self.push_screen(DecryptDialog(), self.answer_decrypt)

    def answer_decrypt(self, secret: str | None) -> None:
        if secret is not None and self._before_switch():
            self.notify("Decrypting the workbook…", timeout=3)
            self.decrypt_in_background(secret)

    @work(thread=True, group="encryption", exit_on_error=False)
    def decrypt_in_background(self, secret: str) -> None:
        assert self.store is not None
        try:
            self._check_secret(secret)
            self.store.decrypt()
        except (StoreError, OSError) as error:
            self.call_from_thread(self.switch_failed, "decrypt", error)
            return
        self.call_from_thread(self.decrypted_now)

    def decrypted_now(self) -> None:
        self.workbook_key = None
        self.refresh_status()
        self.notify("The workbook and every copy of it are stored plain again; the key "
                    "files are removed.", title="Encryption", timeout=10)

    def switch_failed(self, what: str, error: BaseException) -> None:
        reason = str(error).rstrip(".")
        self.notify(f"Could not {what}: {reason}. Nothing was changed.", title="Encryption",
                    severity="error", timeout=15)
