"""Sync now: the workbook fetched, merged, saved and pushed on a worker thread, while
this dialog covers the screen (nothing else changes the workbook meanwhile), then what
came in and what went out, in words.

When the shared workbook is encrypted with a key this workbook lacks, the dialog asks
for the shared passphrase (p), encrypts this workbook with the same key, and syncs
again; it tells the app the key the workbook has now (:class:`SyncDialog.KeyChanged`).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Static

from secondop_tui.core import sync
from secondop_tui.core.errors import StoreError
from secondop_tui.core.sealing import WorkbookKey
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.dialogs.base import DialogScreen
from secondop_tui.ui.dialogs.passphrase_dialog import SharedPassphraseDialog


class SyncDialog(DialogScreen["sync.SyncReport | None"]):
    """Runs one sync of ``store``; dismisses with its report (None when it failed or
    was stopped)."""

    DEFAULT_CSS = """
    SyncDialog VerticalScroll {
        height: auto;
        max-height: 16;
    }
    SyncDialog Horizontal {
        height: auto;
        padding-top: 1;
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close (or stop the sync)", id="sync.close"),
        Binding("q", "close", "Close (or stop the sync)", show=False, id="sync.close.alt"),
        Binding("p", "passphrase", "The shared passphrase", id="sync.passphrase"),
    ]

    class Finished(Message):
        """The sync ended (posted from its worker thread)."""

        def __init__(self, report: sync.SyncReport | None, problem: str,
                     key_needed: sync.SyncError | None = None) -> None:
            super().__init__()
            self.report = report
            self.problem = problem
            self.key_needed = key_needed  # the shared workbook's key is needed

    class KeyChanged(Message):
        """This workbook is encrypted with the shared workbook's key now (for the app,
        which keeps the key the workbook opens with)."""

        def __init__(self, key: WorkbookKey) -> None:
            super().__init__()
            self.key = key

    def __init__(self, store: WorkbookStore, *, when: str = "") -> None:
        super().__init__()
        self.store = store
        self.when = when  # "at start", "at quit": said in the title
        self.session = sync.Session(store)
        self.report: sync.SyncReport | None = None
        self.running = True
        self.key_needed: sync.SyncError | None = None
        self.now_encrypted = False  # this sync encrypted the workbook with the shared key

    def compose(self) -> ComposeResult:
        title = "Sync" + (f" {self.when}" if self.when else "")
        with Vertical():
            yield Static(title, classes="dialog-title", markup=False)
            with VerticalScroll():
                yield Static(Text(f"Syncing with {sync.safe(self.session.state.remote)}…\n"
                                  "escape stops it (nothing is lost)."),
                             id="sync-body", markup=False)
            with Horizontal():
                yield Button(Text("Give the passphrase [p]"), id="sync-passphrase")
                yield Button(Text("Stop [escape]"), id="sync-close")

    def on_mount(self) -> None:
        self.query_one("#sync-passphrase", Button).display = False
        self.query_one("#sync-close", Button).focus()
        self.run_sync()

    @work(thread=True, group="sync", exit_on_error=False)
    def run_sync(self, key: WorkbookKey | None = None, key_file: bytes = b"") -> None:
        if key is not None:
            try:
                self.store.use_shared_key(key, key_file)
            except (StoreError, OSError) as error:
                self.post_message(self.Finished(
                    None, f"This workbook could not be encrypted with the shared key: "
                          f"{error}. Nothing was synced; your workbook is as it was."))
                return
            self.post_message(self.KeyChanged(key))
            self.session = sync.Session(self.store)  # it now seals to the shared key
        try:
            report = self.session.run()
        except sync.SyncError as error:
            if error.kind == "key-needed" and error.key_file is not None:
                self.post_message(self.Finished(None, str(error), key_needed=error))
            else:
                self.post_message(self.Finished(None, str(error)))
            return
        except Exception as error:  # the workbook is intact whatever this was
            self.post_message(self.Finished(None, f"The sync failed: {error!r}. Your "
                                                  "workbook is intact."))
            return
        self.post_message(self.Finished(report, ""))

    @on(Finished)
    def show_result(self, message: Finished) -> None:
        self.running = False
        self.report = message.report
        self.key_needed = message.key_needed
        text = "\n".join(message.report.lines()) if message.report else message.problem
        if self.now_encrypted:
            text = ("This workbook is now encrypted with the shared workbook's key: from "
                    f"now on it opens with that passphrase.\n{text}")
        if self.key_needed is not None:
            text = (f"{self.key_needed.why} Press p to give the shared workbook's "
                    "passphrase: this workbook is then encrypted with the same key, and "
                    "the sync runs again. Nothing was changed here.")
        self.query_one("#sync-body", Static).update(Text(text))
        button = self.query_one("#sync-close", Button)
        button.label = Text("Close [escape]")
        passphrase = self.query_one("#sync-passphrase", Button)
        passphrase.display = self.key_needed is not None
        (passphrase if self.key_needed is not None else button).focus()
        self.refresh_bindings()

    @on(KeyChanged)
    def encrypted_now(self) -> None:
        self.now_encrypted = True  # and the message goes on up to the app

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "passphrase":
            return self.key_needed is not None and not self.running
        return True

    @on(Button.Pressed, "#sync-passphrase")
    def passphrase_pressed(self) -> None:
        self.action_passphrase()

    def action_passphrase(self) -> None:
        needed = self.key_needed
        if needed is None or self.running or needed.key_file is None:
            return
        key_file = needed.key_file

        def answered(key: WorkbookKey | None) -> None:
            if key is None:
                return
            self.key_needed = None
            self.running = True
            self.refresh_bindings()
            self.query_one("#sync-passphrase", Button).display = False
            self.query_one("#sync-body", Static).update(Text(
                "Encrypting this workbook with the shared key, then syncing…\n"
                "escape stops the sync (nothing is lost)."))
            close = self.query_one("#sync-close", Button)
            close.label = Text("Stop [escape]")
            close.focus()
            # What the switch writes is the workbook as it is now (nothing else changes
            # it while this dialog is open).
            self.store.storage.mark_dirty()
            self.run_sync(key, key_file)

        self.app.push_screen(SharedPassphraseDialog(key_file, needed.sealed), answered)

    @on(Button.Pressed, "#sync-close")
    def pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        if self.running:
            self.session.repo.stop()  # the worker then reports that it was stopped
            return
        self.dismiss(self.report)
