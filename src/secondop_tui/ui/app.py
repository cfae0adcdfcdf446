"""The secondop-tui application: leaving, the startup questions, the Header's status and
the palette.

How it saves the workbook is in :mod:`.saving`. Its first screen, the workbook with its four panes, is in :mod:`.workbook_screen`.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import threading
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from rich.cells import cell_len
from textual import constants, on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.events import DescendantFocus
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from secondop_tui.core.content import NOT_ADVICE
from secondop_tui.core.errors import (
    PassphraseNeeded,
    StoreError,
    WorkbookDamaged,
    WorkbookLocked,
)
from secondop_tui.core.store import WorkbookStore, restore_backup
from secondop_tui.ui.commands import WorkbookSearch, WorkbookSearchProvider, workbook_commands
from secondop_tui.ui.dialogs.startup_dialogs import (
    damaged_dialog,
    locked_dialog,
    unsaved_quit_dialog,
)
from secondop_tui.ui.key_order import KeysInOrder, takes_typing
from secondop_tui.ui.terminal import InputClosed, WorkbookDriver
from secondop_tui.ui.textual_internals import app_driver
from secondop_tui.ui.panes import PANES, Pane
from secondop_tui.ui.panes.base import after_first_frame
from secondop_tui.ui.themes import PALETTE_THEMES, THEMES
from secondop_tui.ui.encrypting import EncryptingApp
from secondop_tui.ui.workbook_app import KeepsFormOnHangup
from secondop_tui.ui.workbook_screen import WorkbookScreen, mounted_panes

ANIMATIONS_SETTING = "animations"

# How long to wait for the terminal to be restored after a hangup, once the workbook is
# saved and closed, before leaving anyway: with the connection gone, restoring the
# terminal may never return.
HANGUP_GRACE_SECONDS = 2.0

# After a hangup, the app leaves on its own if it has made no progress at all (its loop
# stuck) for this long, writing down the keys it had not handled. Progress, not time
# spent, is what counts: on a busy machine handling the keys read may take long.
HANGUP_STUCK_SECONDS = 30.0

# After a hangup, how long the input may go on without a quiet moment before the app
# stops waiting to read it all; only an input thread that stopped reading reaches it.
INPUT_GIVE_UP = 30.0

# The Header's icon and the space on its right (4 cells each, see app.tcss): the rest
# is the title.
HEADER_SIDES = 8


def fit_status(parts: list[tuple[str, ...]], width: int) -> str:
    """The Header's status line: each part in its longest form that lets the line fit.

    ``parts`` are (the save state, the notes...), each a tuple of forms, longest first.
    The notes are shortened first, then the state. What still does not fit is cut at its
    end by the Header, so the last part should be the one whose end matters least.
    """
    chosen = [0] * len(parts)

    def line() -> str:
        return " · ".join(forms[i] for forms, i in zip(parts, chosen))

    for n in [*range(1, len(parts)), 0]:
        while cell_len(line()) > width and chosen[n] < len(parts[n]) - 1:
            chosen[n] += 1
    return line()


class HangupWatchdog(threading.Thread):
    """After a hangup: ends the process once the app has saved and closed the workbook
    but cannot finish leaving (restoring a dead terminal), or when the app has stopped
    making progress altogether, after saving what it can and writing down the keys it
    had not handled."""

    class Beat(Message):
        """Handled by the app's loop: the loop is running."""

    def __init__(self, app: "SecondOpinionApp") -> None:
        super().__init__(name="hangup-watchdog", daemon=True)
        self.app = app

    def run(self) -> None:
        app = self.app
        seen = (-1, -1)
        last_progress = time.monotonic()
        closed_at = None
        while True:
            time.sleep(0.25)
            now = time.monotonic()
            if app.closed_for_hangup:
                closed_at = closed_at or now
                if now - closed_at > HANGUP_GRACE_SECONDS:
                    os._exit(0)
                continue
            app.post_message(self.Beat())  # safe from another thread; never waits
            progress = (app.beats_handled, app.keys_handled)
            if progress != seen:
                seen, last_progress = progress, now
            elif now - last_progress > HANGUP_STUCK_SECONDS:
                self.give_up()

    def give_up(self) -> None:
        app = self.app
        store = app.store
        left = app.keys_not_handled()
        try:
            if store is not None and left:
                store.keep_keys_not_handled(left)
            if store is not None:
                store.close()
        finally:
            os._exit(0)


class SecondOpinionApp(KeysInOrder, EncryptingApp):
    """The workbook app. It receives its store from outside (the CLI or a test).

    How it saves the store is in :class:`.saving.SavingApp`; how it asks for the
    passphrase of an encrypted workbook, in :class:`.encrypting.EncryptingApp`."""

    TITLE = "secondop-tui"
    SUB_TITLE = "second-opinion workbook"
    CSS_PATH = [
        "app.tcss",
        "panes/guidance.tcss",
        "panes/checklist.tcss",
        "panes/doctors.tcss",
        "panes/notes.tcss",
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
    ) -> None:
        super().__init__()
        # Started with --read-only: nothing may write the workbook, not even a restore.
        self.started_read_only = read_only
        self.freeze_gc = freeze_gc  # the command does; tests, sharing one process, do not
        # After a hangup, end the process if leaving gets stuck (the command does; tests,
        # sharing one process, must not).
        self.leave_if_stuck = leave_if_stuck
        self.started_at = time.monotonic()
        for theme in THEMES:
            self.register_theme(theme)
        # TEXTUAL_ANIMATIONS as it is now (Textual reads it once, when first imported);
        # the workbook setting can only lower it.
        level = os.environ.get("TEXTUAL_ANIMATIONS", "").lower()
        if level in ("none", "basic", "full"):
            self.animation_level = level  # type: ignore[assignment]
        self.environment_animation_level = self.animation_level
        self.store = store
        self.problem = problem
        self.data_dir = data_dir if data_dir is not None else (store.paths.data_dir if store else None)
        self.watch_signals = watch_signals
        # Short notes shown in the Header beside the save state, by topic (for example
        # "appointment": the next appointment), so they are visible from every pane.
        # Each is a tuple of forms, longest first (empty: no note); see refresh_status.
        # A timing warning comes first: it is rare, and it matters most.
        self.header_notes: dict[str, tuple[str, ...]] = {"timing": ()}
        self._header_without_name = False
        self.workbook_search = WorkbookSearch()
        # Set by a hangup (SIGHUP, SIGTERM, the end of input): the signal it came with.
        self._leaving_on: int | None = None
        self._hangup_at = 0.0
        self.closed_for_hangup = False
        self.beats_handled = 0

    # Start-up ---------------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        # With a store in hand the workbook is the first screen, composed with the app:
        # pushing it after mount would cost a second screen's layout before the first frame.
        if self.store is not None:
            return WorkbookScreen(id="_default")
        return super().get_default_screen()

    def on_mount(self) -> None:
        if self.watch_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(sig, partial(self.on_terminate_signal, sig))
                # And a handler of Python's own, which runs on this thread at the next
                # bytecode whatever became of the byte asyncio's handler relies on: a
                # hangup under heavy load was seen never to reach the loop that way.
                signal.signal(sig, partial(self._on_signal_here, loop))
        if self.store is not None:
            self.start_workbook(push=False)
        elif isinstance(self.problem, WorkbookLocked):
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
        theme = self.store.get_setting("theme")
        if theme in self.available_themes:
            self.theme = theme
        self.apply_animation_setting()
        if push:
            self.push_screen(WorkbookScreen())
        self.refresh_status()
        # Reading the whole workbook for the timing warning waits until the first frame.
        after_first_frame(self, self.refresh_timing_note)  # type: ignore[arg-type]
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
                self.push_screen(damaged_dialog(self.problem), self.answer_damaged)
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
        except WorkbookLocked as error:
            self.problem = error
            self.push_screen(locked_dialog(error), self.answer_locked)
            return
        except WorkbookDamaged as error:
            self.problem = error
            self.push_screen(damaged_dialog(error, read_only=self.started_read_only),
                             self.answer_damaged)
            return
        except StoreError as error:
            self.exit(message=str(error))
            return
        self.start_workbook()

    # Status -----------------------------------------------------------------------------
    def refresh_status(self) -> None:
        store = self.store
        if store is None:
            return
        state: tuple[str, ...]
        if store.read_only:
            state = ("READ-ONLY: changes are not saved", "READ-ONLY")
        elif self.save_failure or self.conflict_waiting:
            state = ("NOT SAVED",)
        else:
            state = ("saved",) if not store.dirty else ("saving…",)
        notes = [forms for forms in self.header_notes.values() if forms]
        width = self.size.width - HEADER_SIDES
        line = fit_status([state, *notes], width) if notes else state[0]
        # The app's name goes first when the notes need its room (see format_title).
        self._header_without_name = cell_len(f"{self.title} — {line}") > width
        self.sub_title = line
        try:
            warning = self.screen.query_one("#save-warning", Static)
        except Exception:
            return
        text = self.save_warning()
        # Only when it changes: an update lays the screen out again, and this runs at
        # every save, which would cost a fast typist a frame twice a second.
        if text != getattr(warning, "shown_text", None):
            warning.shown_text = text  # type: ignore[attr-defined]
            warning.update(text)
        warning.set_class(bool(text), "-visible")

    def refresh_timing_note(self) -> bool:
        """Put the first timing warning (an appointment or an awaited report after a
        start-by date) in the Header, with how many more the timeline lists. True when
        it changed (the Header was then refreshed)."""
        if self.store is None:
            return False
        # deferred: start-up speed (this runs only after the first frame)
        from secondop_tui.core.timeline import timeline
        from secondop_tui.ui.screens.timeline_screen import header_note

        note = header_note(timeline(self.store))
        if self.header_notes.get("timing") == note:
            return False
        self.header_notes["timing"] = note
        self.refresh_status()
        return True

    def format_title(self, title: str, sub_title: str) -> Content:
        if self._header_without_name and title == self.title:
            return Content(sub_title)
        return super().format_title(title, sub_title)

    # Leaving ----------------------------------------------------------------------------
    async def action_quit(self) -> None:
        result = self.save_now()
        if result.ok or result.conflict and self.store is None:
            self.exit()
            return
        if result.conflict:
            # The conflict dialog is showing; the user decides first.
            self.notify("The workbook file was changed outside the app: choose which "
                        "version to keep, then quit.", title="Not quitting yet", timeout=6)
            return
        self.push_screen(unsaved_quit_dialog(result.message), self.answer_unsaved_quit)

    def answer_unsaved_quit(self, answer: str | None) -> None:
        if answer == "quit":
            if self.store is not None:
                self.store.close(flush=False)
            self.exit()

    def on_terminate_signal(self, sig: int) -> None:
        """SIGHUP (connection dropped), SIGTERM, or the end of the terminal's input:
        save, handle every key already read, save again, release the lock, leave.

        Nothing is drawn from here on (the terminal is gone, or going). Everything is
        saved at once; then the keys that had arrived (a burst from a fast typist or a
        slow link, and on a busy machine maybe many) are handled and saved too, however
        long that takes. Only a watchdog ends the process if the app stops making
        progress, after writing down what was left.
        """
        if self._leaving_on is not None:
            return  # a second signal, or the input ending as the connection drops
        self._leaving_on = sig
        self._hangup_at = time.monotonic()
        driver = app_driver(self)
        if isinstance(driver, WorkbookDriver):
            driver.mute()
        if self.leave_if_stuck:
            HangupWatchdog(self).start()
        store = self.store
        if store is None:
            self.exit(return_code=0)
            return
        self._collect_for_exit(sig, forms=True)
        if store.read_only or store.flush().conflict:
            self._close_and_exit(sig)  # a conflict nobody answered: ours is kept aside
            return
        self.call_later(self._exit_after_keys, sig)  # behind the keys already received

    def _on_signal_here(self, loop: asyncio.AbstractEventLoop, sig: int, frame) -> None:
        loop.call_soon_threadsafe(self.on_terminate_signal, sig)

    def input_read_to_the_end(self) -> bool:
        """Whether every byte sent to the terminal before the hangup has been read and
        passed on as keys (always, with a driver that cannot tell)."""
        driver = app_driver(self)
        if not isinstance(driver, WorkbookDriver):
            return True
        # The input thread marks each moment it finds nothing to read. One that has not
        # done so long after the hangup is not reading any more (it ended on an error):
        # waiting for it would keep the app, and the workbook's lock, for ever.
        return (driver.input_ended or driver.input_quiet_at > self._hangup_at
                or time.monotonic() - self._hangup_at > INPUT_GIVE_UP)

    def _exit_after_keys(self, sig: int) -> None:
        if not self.input_read_to_the_end():
            self.set_timer(0.02, partial(self._exit_after_keys, sig))
            return
        # What the input thread passed on is queued behind this: look again after it.
        self.call_later(self._exit_when_keys_handled, sig)

    def _exit_when_keys_handled(self, sig: int) -> None:
        if self.keys_pending():
            self.let_go_of_a_stuck_key()
            self.set_timer(0.02, partial(self._exit_when_keys_handled, sig))
            return
        self._collect_for_exit(sig, forms=False)
        self._close_and_exit(sig)

    @on(HangupWatchdog.Beat)
    def count_beat(self) -> None:
        self.beats_handled += 1

    def on_input_closed(self, message: InputClosed) -> None:
        # The terminal went away without a signal (a closed window, a lost SSH session).
        self.on_terminate_signal(signal.SIGHUP)

    def _collect_for_exit(self, sig: int, *, forms: bool) -> None:
        assert self.store is not None
        try:
            self.collect_pending_edits()
        except Exception as error:  # the save must happen whatever went wrong
            self.log.error(f"collecting edits on {sig}: {error!r}")
        if not forms or self.store.read_only:
            return
        for screen in self.screen_stack:
            # A form still open keeps what it holds, as if saved, when it can be.
            if isinstance(screen, KeepsFormOnHangup):
                try:
                    screen.save_on_hangup()
                except Exception as error:
                    self.log.error(f"keeping an open form on {sig}: {error!r}")

    def _close_and_exit(self, sig: int) -> None:
        assert self.store is not None
        result = self.store.close()
        if not result.ok:
            self.log.error(f"closing on {sig}: {result.message}")
        self.closed_for_hangup = True
        self.exit(return_code=0)

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
            notes = next((pane for pane in mounted_panes(screen)
                          if pane.id == "notes-pane"), None)
            for title, help_text, callback in self.encryption_commands():
                yield SystemCommand(title, help_text, callback)
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

    def watch_theme(self, theme: str) -> None:
        if self.store is not None and not self.store.read_only:
            if self.store.get_setting("theme") != theme:
                self.store.set_setting("theme", theme)

    # Animations ---------------------------------------------------------------------------
    @property
    def animations_wanted(self) -> bool:
        """The workbook's animation setting (on unless turned off)."""
        store = self.store
        return bool(store.get_setting(ANIMATIONS_SETTING, True)) if store is not None else True

    def apply_animation_setting(self) -> None:
        self.animation_level = (self.environment_animation_level if self.animations_wanted
                                else "none")

    def set_animations(self, wanted: bool) -> None:
        """Turn animations on or off and remember it in the workbook."""
        store = self.store
        if store is not None and not store.read_only:
            store.set_setting(ANIMATIONS_SETTING, wanted)
        self.animation_level = self.environment_animation_level if wanted else "none"
        if not wanted:
            self.notify("Animations are off: less to send over a slow connection.", timeout=4)
        elif self.animation_level == "none":
            self.notify("Animations stay off in this session: TEXTUAL_ANIMATIONS=none is set.",
                        timeout=6)
        else:
            self.notify("Animations are on.", timeout=3)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        # A blinking cursor redraws twice a second, forever, while nobody types: over a
        # slow link, and for a screen reader, an idle screen must send nothing. It stays.
        if getattr(event.widget, "cursor_blink", False):
            event.widget.cursor_blink = False  # type: ignore[attr-defined]
        if (self.conflict_waiting and not self._conflict_open
                and not takes_typing(event.widget)):
            self.ask_about_conflict()  # the field with the typing was left

    def theme_and_animation_commands(self) -> Iterable[SystemCommand]:
        for title, name in PALETTE_THEMES:
            if name != self.theme:
                yield SystemCommand(title, f"Switch to the {title.split(': ')[1]} colours "
                                    "(remembered in the workbook)",
                                    partial(setattr, self, "theme", name))
        wanted = self.animations_wanted
        yield SystemCommand("Animations: off" if wanted else "Animations: on",
                            "Stop scrolling animations (less to send over a slow "
                            "link)" if wanted else "Let scrolling and tabs animate again",
                            partial(self.set_animations, not wanted))
