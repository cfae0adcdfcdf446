"""The secondop-tui application, put together from its parts, each in its own module:

- :mod:`.saving`: every change the store announces is saved on a worker thread;
- :mod:`.key_order`: each key reaches the widgets after the one before it is done;
- :mod:`.leaving`: ctrl+q, and the hangup that still saves every key already read;
- :mod:`.status`: the Header's save state and notes;
- :mod:`.appearance`: themes and animations, kept in the workbook;
- :mod:`.screen_reader`: the cursor at the focus and notices in words, for a screen
  reader or a braille display;
- :mod:`.syncing`: the Header's word on sync, and syncing at start and quit;
- :mod:`.startup`: opening the workbook, or asking when it is locked or damaged.

Here: the first screen (the workbook with its four panes, :mod:`.workbook_screen`), the
terminal's driver, help, the glossary and the palette's commands.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from textual import constants
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.events import DescendantFocus
from textual.screen import Screen

from secondop_tui.core.content import NOT_ADVICE
from secondop_tui.core.errors import StoreError
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.commands import (WorkbookSearch, WorkbookSearchProvider,
                                      add_imported_doctors, workbook_commands)
from secondop_tui.ui.key_order import takes_typing
from secondop_tui.ui.leaving import LeavingApp
from secondop_tui.ui.panes import PANES, Pane
from secondop_tui.ui.panes.base import after_first_frame
from secondop_tui.ui.screen_reader import ScreenReaderApp
from secondop_tui.ui.startup import StartupApp
from secondop_tui.ui.syncing import SyncingApp
from secondop_tui.ui.terminal import WorkbookDriver
from secondop_tui.ui.workbook_screen import WorkbookScreen, mounted_panes


class SecondOpinionApp(ScreenReaderApp, StartupApp, SyncingApp, LeavingApp):
    """The workbook app. It receives its store from outside (the CLI or a test)."""

    TITLE = "secondop-tui"
    SUB_TITLE = "second-opinion workbook"
    CSS_PATH = [
        "app.tcss",
        "panes/guidance.tcss",
        "panes/checklist.tcss",
        "panes/doctors.tcss",
        "panes/notes.tcss",
        "screen_reader.tcss",
    ]
    ENABLE_COMMAND_PALETTE = True
    # The system commands (ours included, see get_system_commands) and search everything.
    COMMANDS = App.COMMANDS | {WorkbookSearchProvider}
    # Classes the stylesheets use to fit 60x20 as well as 80x24 and larger.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-tall")]

    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help"),
        Binding("question_mark", "help", "Help", show=False, id="app.help.alt"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("ctrl+s", "save", "Save now", show=False, id="app.save"),
        Binding("alt+s", "save", "Save now", show=False, priority=True, id="app.save.alt"),
        # The panes and the question list offer the words of what is highlighted first.
        Binding("alt+g", "glossary", "Glossary", show=False, id="app.glossary"),
        # Priority, so a field changes at once: keys that arrive in one burst (a fast
        # typist, or a slow SSH link that sends them together) land in the next field
        # after a tab, not in the one it left.
        Binding("tab", "focus_next", "Next field", show=False, priority=True,
                id="app.focus.next"),
        Binding("shift+tab", "focus_previous", "Previous field", show=False, priority=True,
                id="app.focus.previous"),
    ]

    def __init__(
        self,
        store: WorkbookStore | None = None,
        *,
        problem: StoreError | None = None,
        data_dir: Path | None = None,
        watch_signals: bool = True,
        freeze_gc: bool = False,
        read_only: bool = False,
        leave_if_stuck: bool = False,
        screen_reader: bool | None = None,
    ) -> None:
        super().__init__()
        self.screen_reader_asked = screen_reader  # None: as the workbook says
        self.started_read_only = read_only
        self.freeze_gc = freeze_gc  # the command does; tests, sharing one process, do not
        self.leave_if_stuck = leave_if_stuck  # likewise (see LeavingApp)
        self.store = store
        self.problem = problem
        self.data_dir = data_dir if data_dir is not None else (store.paths.data_dir if store else None)
        self.watch_signals = watch_signals
        self.workbook_search = WorkbookSearch()

    def get_default_screen(self) -> Screen:
        # With a store in hand the workbook is the first screen, composed with the app:
        # pushing it after mount would cost a second screen's layout before the first frame.
        if self.store is not None:
            return WorkbookScreen(id="_default")
        return super().get_default_screen()

    def on_mount(self) -> None:
        if self.watch_signals:
            self.watch_for_hangup()
        if self.store is not None:
            self.start_workbook(push=False)
        else:
            self.ask_about_problem()

    def start_workbook(self, *, push: bool = True) -> None:
        super().start_workbook(push=push)
        # Sync, if this workbook is shared, waits until the workbook is on screen.
        after_first_frame(self, self.after_start_sync)

    def get_driver_class(self):
        # The drivers that take pastes as text (and, in a terminal, the end of input as a
        # hangup): on Linux and macOS unless another driver is named, and in the browser
        # (serve names Textual's web driver).
        driver = super().get_driver_class()
        if constants.DRIVER is None and issubclass(WorkbookDriver, driver):
            return WorkbookDriver
        if driver.__module__ == "textual.drivers.web_driver" and driver.__name__ == "WebDriver":
            # deferred: start-up speed (only a served app needs it)
            from secondop_tui.ui.web_terminal import WorkbookWebDriver

            return WorkbookWebDriver
        return driver

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        # A blinking cursor redraws twice a second, forever, while nobody types: over a
        # slow link, and for a screen reader, an idle screen must send nothing. It stays.
        widget = event.widget
        if getattr(widget, "cursor_blink", False):
            setattr(widget, "cursor_blink", False)
        if (self.conflict_waiting and not self._conflict_open
                and not takes_typing(widget)):
            self.ask_about_conflict()  # the field with the typing was left

    # Messages from dialogs --------------------------------------------------------------
    async def on_contacts_import_dialog_confirmed(self, message) -> None:
        """The import dialog's doctors are to be added (it has closed)."""
        await add_imported_doctors(self, message.plan, message.source)

    # Help and palette -------------------------------------------------------------------
    def action_glossary(self) -> None:
        # deferred: start-up speed (the first frame needs no dialog)
        from secondop_tui.ui.dialogs.glossary_dialog import GlossaryDialog, show_glossary

        if not isinstance(self.screen, GlossaryDialog):
            show_glossary(self)

    def action_help(self) -> None:
        # deferred: start-up speed (the first frame needs no help screen)
        from secondop_tui.ui.help_screen import HelpScreen, describe_bindings

        if isinstance(self.screen, HelpScreen):
            return
        where = "this pane"
        if isinstance(self.screen, WorkbookScreen):
            where = f"the {self.screen.active_pane.title()} pane"
        self.push_screen(HelpScreen(describe_bindings(self.screen), where))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        if isinstance(screen, WorkbookScreen):
            for pane_id, title, key in PANES:
                yield SystemCommand(f"Pane: {title}", f"Show the {title} pane (key {key})",
                                    partial(screen.action_show_pane, pane_id))
            yield SystemCommand("Workbook: save now", "Write every change to disk now",
                                self.action_save)
            for title, help_text, callback in self.encryption_commands():
                yield SystemCommand(title, help_text, callback)
            notes = next((pane for pane in mounted_panes(screen)
                          if pane.id == "notes-pane"), None)
            for title, help_text, callback in workbook_commands(self, notes):
                if notes is not None and callback == notes.action_edit_opinion:
                    callback = partial(self._run_in_pane, screen, notes, callback)
                yield SystemCommand(title, help_text, callback)
            for pane in mounted_panes(screen):
                for title, help_text, callback in pane.palette_commands():
                    yield SystemCommand(title, help_text,
                                        partial(self._run_in_pane, screen, pane, callback))
        yield SystemCommand("Help: keys", "Show the keys that work here (F1)", self.action_help)
        yield from self.theme_and_animation_commands()
        yield from self.screen_reader_commands()
        yield SystemCommand("About: not medical advice", NOT_ADVICE,
                            lambda: self.notify(NOT_ADVICE, timeout=10))
        for command in super().get_system_commands(screen):
            if command.title.lower() in {"quit the application", "keys"}:
                continue  # ours save first / is built from live bindings
            yield command

    @staticmethod
    async def _run_in_pane(screen: WorkbookScreen, pane: Pane, callback) -> None:
        await screen.action_show_pane(pane.pane_id)
        result = callback()
        if inspect.isawaitable(result):
            await result
