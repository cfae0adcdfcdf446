"""The command line's side of encryption: asking for the passphrase, and the commands
``encrypt``, ``decrypt`` and ``passphrase``. Nothing here imports Textual."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from secondop_tui.core.passphrases import PassphraseReader
    from secondop_tui.core.sealing import WorkbookKey
    from secondop_tui.core.store import WorkbookStore

APP_NAME = "secondop-tui"
PROMPT = "Passphrase (or recovery key): "
# On a terminal, this many tries; then the command ends. After the first wrong one,
# each try waits a little longer (the key derivation itself takes a second or more).
TERMINAL_TRIES = 3
WAIT_AFTER_WRONG = 1.0


class CommandFailed(Exception):
    """A command cannot go on: the message says why (printed after the app's name)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def say(text: str = "") -> None:
    """A line for the person at the terminal (standard error: standard output may be a
    file, an export or a recovery key piped elsewhere)."""
    print(text, file=sys.stderr, flush=True)


class Secrets:
    """Where passphrases come from for one command: ``--passphrase-fd N``, else the
    terminal. Unlocks the workbook's key at most once."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd
        self._reader: "PassphraseReader | None" = None
        self.key_seconds = 0.0  # how long the key derivation took

    @property
    def reader(self) -> "PassphraseReader":
        if self._reader is None:
            # deferred: start-up speed (loaded only on the path that uses it)
            from secondop_tui.core.passphrases import PassphraseReader

            self._reader = PassphraseReader(self.fd)
        return self._reader

    def needed(self, data_dir: Path) -> bool:
        """Whether the workbook in ``data_dir`` is encrypted (so the key is needed)."""
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.core.encryption import encryption_on

        return encryption_on(Path(data_dir).expanduser())

    def key(self, data_dir: Path, *, may_skip: bool = False) -> "WorkbookKey | None":
        """The workbook's key when it is encrypted (None when it is not). With
        ``may_skip``, an empty answer (or no terminal) gives None instead of failing."""
        if not self.needed(data_dir):
            return None
        return self.unlock(data_dir, may_skip=may_skip)

    def unlock(self, data_dir: Path, *, may_skip: bool = False,
               prompt: str = PROMPT) -> "WorkbookKey | None":
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.core import encryption
        from secondop_tui.core.errors import KeyFileDamaged, MachineTooBusy, WrongPassphrase
        from secondop_tui.core.passphrases import NoPassphrase

        data_dir = Path(data_dir).expanduser()
        tries = TERMINAL_TRIES if self.reader.interactive else 1
        for attempt in range(1, tries + 1):
            try:
                secret = self.reader.read(prompt)
            except NoPassphrase as why:
                if may_skip:
                    return None
                raise CommandFailed(f"the workbook is encrypted, and no passphrase was "
                                    f"given: {why}.") from None
            if not secret:
                if may_skip:
                    return None
                say("The passphrase is empty; type it, or press ctrl+c to stop.")
                continue
            started = time.monotonic()
            try:
                key = encryption.unlock(data_dir, secret)
            except (WrongPassphrase, MachineTooBusy) as error:
                if attempt == tries:
                    raise CommandFailed(f"{error} Nothing was changed.") from None
                say(f"{error} Try again ({tries - attempt} more).")
                if isinstance(error, WrongPassphrase):  # too busy is no wrong try: no wait
                    time.sleep(WAIT_AFTER_WRONG * attempt)
                continue
            except KeyFileDamaged as error:
                raise CommandFailed(str(error)) from None
            self.key_seconds = time.monotonic() - started
            return key
        raise CommandFailed("no passphrase was given. Nothing was changed.")

    def unlock_key_file(self, key_file: bytes, sealed: bytes) -> "WorkbookKey":
        """The key sealed in ``key_file`` (a shared workbook's, from the sync remote),
        opened with its passphrase (or the key itself, its recovery key); it must open
        ``sealed``, the shared workbook."""
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.core.encryption import unlock_shared
        from secondop_tui.core.errors import MachineTooBusy, WrongPassphrase
        from secondop_tui.core.passphrases import NoPassphrase

        tries = TERMINAL_TRIES if self.reader.interactive else 1
        for attempt in range(1, tries + 1):
            try:
                secret = self.reader.read("The shared workbook's passphrase (or recovery "
                                          "key): ")
            except NoPassphrase as why:
                raise CommandFailed(f"the shared workbook is encrypted, and no passphrase "
                                    f"was given: {why}.") from None
            if not secret:
                say("The passphrase is empty; type it, or press ctrl+c to stop.")
                continue
            try:
                return unlock_shared(key_file, sealed, secret)
            except (WrongPassphrase, MachineTooBusy) as error:
                wrong = isinstance(error, WrongPassphrase)
                if attempt == tries:
                    raise CommandFailed(str(error) if wrong
                                        else f"{error} Nothing was changed.") from None
                say(f"{error} Try again ({tries - attempt} more).")
                if wrong:  # too busy is no wrong try: no wait
                    time.sleep(WAIT_AFTER_WRONG * attempt)
        raise CommandFailed("no passphrase was given.")

    def new_passphrase(self) -> str:
        """A new passphrase: from the descriptor, one line; on the terminal, typed twice,
        with its strength (a weak one is taken only once the user says so)."""
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.core.passphrases import (ADVICE, FORGOTTEN_WARNING, NoPassphrase,
                                                   strength)

        if not self.reader.interactive:
            try:
                chosen = self.reader.read("")
            except NoPassphrase as why:
                raise CommandFailed(f"no new passphrase: {why}.") from None
            hint = strength(chosen)
            if not hint.good_enough:
                say(f"{APP_NAME}: note: {hint.describe()}")
            return chosen
        say(ADVICE)
        say(f"IMPORTANT: {FORGOTTEN_WARNING}")
        while True:
            try:
                chosen = self.reader.read("New passphrase: ")
                if not chosen:
                    say("The passphrase is empty; type one, or press ctrl+c to stop.")
                    continue
                hint = strength(chosen)
                say(hint.describe())
                if not hint.good_enough:
                    keep = self.reader.read("Keep this passphrase anyway? Type yes to keep "
                                            "it, or press enter to choose another: ")
                    if keep.strip().lower() not in ("y", "yes"):
                        continue
                again = self.reader.read("The same passphrase again: ")
            except NoPassphrase as why:
                raise CommandFailed(f"no new passphrase: {why}. Nothing was changed.") \
                    from None
            if again == chosen:
                return chosen
            say("The two did not match; once more.")


def _open(data_dir: Path, key: "WorkbookKey | None") -> "WorkbookStore":
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.errors import StoreError, WorkbookLocked
    from secondop_tui.core.store import WorkbookStore

    try:
        return WorkbookStore.open(data_dir, key=key)
    except WorkbookLocked as error:
        raise CommandFailed(f"{error} Close it first; nothing was changed.") from None
    except StoreError as error:
        raise CommandFailed(f"{error}") from None


def _failed(error: CommandFailed) -> int:
    print(f"{APP_NAME}: {error}", file=sys.stderr)
    return error.code


def cmd_encrypt(data_dir: Path, secrets: Secrets) -> int:
    """``secondop-tui encrypt``."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core import encryption
    from secondop_tui.core.errors import StoreError

    data_dir = Path(data_dir).expanduser()
    try:
        if encryption.encryption_on(data_dir) and not encryption.switch_in_progress(data_dir):
            raise CommandFailed("the workbook is already encrypted. To change the "
                                "passphrase: secondop-tui passphrase.")
        store = _open(data_dir, None)
        try:
            if store.encrypted:
                raise CommandFailed("the workbook is already encrypted.")
            if secrets.reader.interactive:
                say(f"Encrypting the workbook in {data_dir}, its backups and every copy of "
                    "it, with a passphrase.")
            passphrase = secrets.new_passphrase()
            say("Encrypting (making the passphrase into a key takes a few seconds)…")
            try:
                key = store.encrypt(passphrase)
            except (StoreError, OSError) as error:
                raise CommandFailed(f"could not encrypt: {error}. The workbook was left "
                                    "as it was.") from None
        finally:
            store.close()
    except CommandFailed as error:
        return _failed(error)
    say("The workbook is now encrypted. Your recovery key follows, shown this once only. "
        "Write it down or print it, and keep it somewhere safe away from this computer: "
        "it opens the workbook if you forget the passphrase (give it where the passphrase "
        "is asked for), and without this app: age -d -i FILE workbook.json, FILE holding "
        "the key.")
    print(key.recovery_key(), flush=True)
    say_if_synced(data_dir)
    return 0


def say_if_synced(data_dir: Path) -> None:
    """What encryption means for a synced workbook."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.sync import SYNCED_ENCRYPTION_NOTE, is_set_up

    if is_set_up(data_dir):
        say(SYNCED_ENCRYPTION_NOTE)


def cmd_decrypt(data_dir: Path, secrets: Secrets) -> int:
    """``secondop-tui decrypt``."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.errors import StoreError

    data_dir = Path(data_dir).expanduser()
    try:
        if not secrets.needed(data_dir):
            raise CommandFailed("the workbook is not encrypted; nothing to do.", code=0)
        key = secrets.unlock(data_dir)
        store = _open(data_dir, key)
        try:
            if not store.encrypted:
                raise CommandFailed("the workbook is not encrypted; nothing to do.", code=0)
            try:
                store.decrypt()
            except (StoreError, OSError) as error:
                raise CommandFailed(f"could not decrypt: {error}. The workbook stays "
                                    "encrypted.") from None
        finally:
            store.close()
    except CommandFailed as error:
        return _failed(error)
    say("The workbook and every copy of it are stored plain again, and the key files are "
        "removed: the passphrase and the recovery key are no longer needed.")
    return 0


def cmd_passphrase(data_dir: Path, secrets: Secrets) -> int:
    """``secondop-tui passphrase``."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.errors import StoreError

    data_dir = Path(data_dir).expanduser()
    try:
        if not secrets.needed(data_dir):
            raise CommandFailed("the workbook is not encrypted; to encrypt it: "
                                "secondop-tui encrypt.")
        key = secrets.unlock(data_dir, prompt="Current passphrase (or recovery key): ")
        store = _open(data_dir, key)
        try:
            passphrase = secrets.new_passphrase()
            say("Changing the passphrase (a few seconds)…")
            try:
                store.change_passphrase(passphrase)
            except (StoreError, OSError) as error:
                raise CommandFailed(f"could not change the passphrase: {error}. The old "
                                    "one still opens the workbook.") from None
        finally:
            store.close()
    except CommandFailed as error:
        return _failed(error)
    say("The passphrase is changed. The recovery key stays the same.")
    return 0
