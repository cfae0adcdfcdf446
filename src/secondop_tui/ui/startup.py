"""Opening the workbook: with the store the command line opened, or after asking what
to do when it is locked by another copy of the app or damaged.

:class:`StartupApp` shows the workbook with its status (:mod:`.status`) and its
appearance (:mod:`.appearance`) once a store is open.
"""

from __future__ import annotations

import time
from pathlib import Path

from secondop_tui.core.errors import (PassphraseNeeded, StoreError, WorkbookDamaged,
                                     WorkbookLocked)
from secondop_tui.core.store import WorkbookStore, restore_backup
from secondop_tui.ui.appearance import AppearanceApp
from secondop_tui.ui.encrypting import EncryptingApp
from secondop_tui.ui.panes.base import after_first_frame
from secondop_tui.ui.status import StatusApp
from secondop_tui.ui.workbook_screen import WorkbookScreen


class StartupApp(StatusApp, AppearanceApp, EncryptingApp):
    """An app that opens its workbook (asking first for the passphrase of an encrypted
    one, see :mod:`.encrypting`), or asks what to do when it cannot."""

    def __init__(self) -> None:
        super().__init__()
        self.started_at = time.monotonic()
        # What kept the command line from opening the workbook (None: the store is open).
        self.problem: StoreError | None = None
        self.data_dir: Path | None = None
        # Started with --read-only: nothing may write the workbook, not even a restore.
        self.started_read_only = False

    def ask_about_problem(self) -> None:
        """With no store open: ask what to do about the problem that kept it closed."""
        # deferred: start-up speed (the first frame needs no dialog)
        from secondop_tui.ui.dialogs.startup_dialogs import damaged_dialog, locked_dialog

        if isinstance(self.problem, WorkbookLocked):
            self.push_screen(locked_dialog(self.problem), self.answer_locked)
        elif isinstance(self.problem, WorkbookDamaged):
            self.push_screen(damaged_dialog(self.problem, read_only=self.started_read_only),
                             self.answer_damaged)
        elif isinstance(self.problem, PassphraseNeeded):
            self.ask_passphrase_at_start()

    def open_workbook_with_key(self) -> None:
        self.open_store(read_only=self.started_read_only)

    def start_workbook(self, *, push: bool = True) -> None:
        assert self.store is not None
        self.follow_store(self.store)
        self.apply_appearance()
        if push:
            self.push_screen(WorkbookScreen())
        self.refresh_status()
        # Reading the whole workbook for the timing warning waits until the first frame.
        after_first_frame(self, self.refresh_timing_note)
        for notice in self.store.notices:
            self.notify(notice, title="Workbook", severity="warning", timeout=15)
        self.log(f"secondop-tui ready in {time.monotonic() - self.started_at:.3f}s")

    def answer_locked(self, answer: str | None) -> None:
        if answer == "read-only":
            self.open_store(read_only=True)
        else:
            self.exit()

    def answer_damaged(self, answer: str | None) -> None:
        assert isinstance(self.problem, WorkbookDamaged) and self.data_dir is not None
        backup = self.problem.backup
        if answer == "restore" and backup is not None and not self.started_read_only:
            try:
                restore_backup(self.data_dir, backup.path, self.workbook_key)
            except (StoreError, OSError) as error:
                self.notify(f"Could not restore the backup: {error}", severity="error")
                self.ask_about_problem()  # the same question again
                return
            self.open_store()
            if self.store is not None:
                self.notify(f"Restored the backup from {backup.modified:%Y-%m-%d %H:%M}.",
                            title="Workbook")
        elif answer == "read-only":
            self.open_store(read_only=True, data_from=backup.path if backup else None)
        else:
            self.exit()

    def open_store(self, *, read_only: bool = False, data_from: Path | None = None) -> None:
        assert self.data_dir is not None
        try:
            if data_from is None and read_only and isinstance(self.problem, WorkbookDamaged):
                # Nothing readable and no backup: an empty workbook that is never saved.
                self.store = WorkbookStore.in_memory(
                    self.data_dir, "Showing an empty workbook, read-only: the damaged file "
                    "was left as it is.")
            else:
                self.store = WorkbookStore.open(self.data_dir, read_only=read_only,
                                                data_from=data_from, key=self.workbook_key)
        except (WorkbookLocked, WorkbookDamaged) as error:
            self.problem = error
            self.ask_about_problem()
            return
        except StoreError as error:
            self.exit(message=str(error))
            return
        self.start_workbook()
