"""Sync now: the workbook fetched, merged, saved and pushed on a worker thread, while
this dialog covers the screen (nothing else changes the workbook meanwhile), then what
came in and what went out, in words."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Static

from secondop_tui.core import sync
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.dialogs.base import DialogScreen


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
    ]

    class Finished(Message):
        """The sync ended (posted from its worker thread)."""

        def __init__(self, report: sync.SyncReport | None, problem: str) -> None:
            super().__init__()
            self.report = report
            self.problem = problem

    def __init__(self, store: WorkbookStore, *, when: str = "") -> None:
        super().__init__()
        self.store = store
        self.when = when  # "at start", "at quit": said in the title
        self.session = sync.Session(store)
        self.report: sync.SyncReport | None = None
        self.running = True

    def compose(self) -> ComposeResult:
        title = "Sync" + (f" {self.when}" if self.when else "")
        with Vertical():
            yield Static(title, classes="dialog-title", markup=False)
            with VerticalScroll():
                yield Static(Text(f"Syncing with {sync.safe(self.session.state.remote)}…\n"
                                  "escape stops it (nothing is lost)."),
                             id="sync-body", markup=False)
            with Horizontal():
                yield Button(Text("Stop [escape]"), id="sync-close")

    def on_mount(self) -> None:
        self.query_one("#sync-close", Button).focus()
        self.run_sync()

    @work(thread=True, group="sync", exit_on_error=False)
    def run_sync(self) -> None:
        try:
            report = self.session.run()
        except sync.SyncError as error:
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
        text = "\n".join(message.report.lines()) if message.report else message.problem
        self.query_one("#sync-body", Static).update(Text(text))
        button = self.query_one("#sync-close", Button)
        button.label = Text("Close [escape]")
        button.focus()

    @on(Button.Pressed, "#sync-close")
    def pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        if self.running:
            self.session.repo.stop()  # the worker then reports that it was stopped
            return
        self.dismiss(self.report)
