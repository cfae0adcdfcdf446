"""Errors the store raises; each carries what the user needs to be told."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from secondop_tui.core.backups import BackupInfo


class StoreError(Exception):
    """Base class for workbook store errors."""


class LockHolder(NamedTuple):
    """Who holds the workbook lock, as recorded in the lock file."""

    pid: int | None
    host: str
    since: str

    def describe(self) -> str:
        pid = f"process {self.pid}" if self.pid else "an unknown process"
        return f"{pid} on {self.host or 'an unknown host'}, since {self.since or 'an unknown time'}"


class WorkbookLocked(StoreError):
    """Another copy of the app holds the workbook."""

    def __init__(self, path: Path, holder: LockHolder | None) -> None:
        self.path = path
        self.holder = holder
        who = holder.describe() if holder else "another copy of secondop-tui"
        super().__init__(f"The workbook is already open in {who}.")


class WorkbookDamaged(StoreError):
    """The workbook file cannot be read as a workbook. It is never overwritten."""

    def __init__(
        self,
        path: Path,
        reason: str,
        *,
        line: int | None = None,
        column: int | None = None,
        aside: Path | None = None,
        backup: "BackupInfo | None" = None,
    ) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        self.column = column
        self.aside = aside
        self.backup = backup
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"The workbook file is damaged: {reason}{where}.")


class WorkbookUnreadable(StoreError):
    """The data folder or workbook cannot be read or created (permissions, not a folder...)."""


class ReadOnlyWorkbook(PermissionError):
    """A change to a workbook that is open read-only. Refused before anything is changed,
    in memory or on disk. A ``PermissionError``, which is what callers catch."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or READ_ONLY)


READ_ONLY = "This workbook is open read-only: nothing in it can be changed."


class SaveFailed(StoreError):
    """A save did not reach the disk; the previous file is intact."""


class PassphraseNeeded(StoreError):
    """The workbook is encrypted: it opens only with its passphrase (or recovery key)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"The workbook {path} is encrypted: it opens with its passphrase.")


class WrongPassphrase(StoreError):
    """The passphrase (or recovery key) given does not open the workbook's key. The key
    file is intact: it is the passphrase that is wrong."""


class MachineTooBusy(StoreError):
    """The passphrase could not be tried: age judged this machine too slow, just now, to
    make it into the key (a busy moment, or a key file made on a much faster machine).
    Nothing is known of the passphrase, and nothing was changed."""


class KeyFileDamaged(StoreError):
    """The workbook's key file is damaged, missing or not this workbook's. The recovery
    key still opens the workbook (see ``secondop-tui passphrase``)."""


class EncryptionMismatch(StoreError):
    """The workbook file is plain where an encrypted one is expected, or the other way
    round. It is left exactly as it is."""
