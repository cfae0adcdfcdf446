"""How the app saves its workbook: every change the store announces is saved on a
worker thread; a failed save is retried, a slow one shown, and a file changed outside
the app asked about.

:class:`SavingApp` is the base of the app (:mod:`.app`), which shows the save state in
its Header (``refresh_status``) and the timing warning (``refresh_timing_note``).
"""

from __future__ import annotations

import threading

from textual import on, work
from textual.app import App
from textual.message import Message
from textual.signal import Signal

from secondop_tui.core import tables
from secondop_tui.core.errors import StoreError
from secondop_tui.core.storage import SaveResult
from secondop_tui.core.store import StoreChange, WorkbookStore
from secondop_tui.ui.key_order import takes_typing
from secondop_tui.ui.workbook_app import HoldsEdits
from secondop_tui.ui.workbook_screen import mounted_panes

# A save of a typed note still running after this many seconds shows "saving…".
SLOW_SAVE = 1.0


# A change to only these fields of a consultation is a note being typed (see
# core.notes.save_note): nothing the timing warning reads can have moved.
NOTE_TEXT_FIELDS = frozenset({"note", "questions"})


def moves_dates(change: StoreChange) -> bool:
    """Whether a change may move what the timing warning reads (dates, opinions,
    appointments): anything but a note's text."""
    return not (change.table == tables.CONSULTATIONS and change.fields is not None
                and change.fields <= NOTE_TEXT_FIELDS)


class SavingApp(App[None]):
    """An app that saves the workbook store it holds (``store``, None until one is open)."""

    class Saved(Message):
        """A save finished (on a worker thread); carries its result."""

        def __init__(self, result: SaveResult, *, asked: bool = True) -> None:
            super().__init__()
            self.result = result
            self.asked = asked  # False for the saves that typing starts

    class StoreChanged(Message):
        """The store was changed on another thread than the app's."""

        def __init__(self, change: StoreChange) -> None:
            super().__init__()
            self.change = change

    def __init__(self) -> None:
        super().__init__()
        self.store: WorkbookStore | None = None
        self.save_failure = ""
        self._conflict_open = False
        # The workbook file changed on disk while someone was typing in a field: the
        # question waits until they leave the field or press ctrl+s (see on_save_result).
        self.conflict_waiting = False
        self._retry_timer = None
        self._slow_save_timer = None
        # The store whose changes are being saved and the thread the app runs on (see
        # follow_store), and what the changes since the last save was started need.
        self._watched_store: WorkbookStore | None = None
        self._app_thread = threading.get_ident()
        self._save_scheduled = False
        self._save_dates = False
        # Bumped on every change, so what is built from the store (the search index)
        # knows when to build again.
        self.workbook_version = 0
        # Published after the workbook was reloaded from disk (see answer_conflict).
        self.workbook_reloaded: Signal[None] = Signal(self, "workbook-reloaded")

    # Shown by the app -------------------------------------------------------------------
    def refresh_status(self) -> None:
        """Show the save state (and the notes beside it) in the Header again."""

    def refresh_timing_note(self) -> bool:
        """Show the first timing warning again; True when it changed (and the Header was
        refreshed with it)."""
        return False

    def save_warning(self) -> str:
        """The line under the Header while changes are not saved (empty while they are)."""
        if self.conflict_waiting:
            return ("⚠ NOT SAVED: the workbook file was changed outside the app. What you "
                    "type is kept; leave this field or press ctrl+s to choose what to keep.")
        if self.save_failure:
            return (f"⚠ NOT SAVED: {self.save_failure}. Everything is kept in memory and "
                    "saving is retried on every change (ctrl+s to retry now).")
        return ""

    # Saving -----------------------------------------------------------------------------
    def follow_store(self, store: WorkbookStore) -> None:
        """Save every change made to ``store``, whoever makes it (see take_store_change)."""
        self._app_thread = threading.get_ident()  # called on the app's thread
        if store is not self._watched_store:
            self._watched_store = store
            store.subscribe(self.take_store_change)

    def take_store_change(self, change: StoreChange) -> None:
        """The store announced a change: it is saved on a worker thread.

        One save is started for all the writes of one step (a pane's action often
        writes several records), once the step is over.
        """
        if threading.get_ident() != self._app_thread:
            self.post_message(self.StoreChanged(change))  # safe from another thread
            return
        self.workbook_version += 1
        self._save_dates = self._save_dates or moves_dates(change)
        if not self._save_scheduled:
            self._save_scheduled = True
            self.call_later(self._save_changes)

    @on(StoreChanged)
    def on_store_changed(self, message: StoreChanged) -> None:
        self.take_store_change(message.change)

    def _save_changes(self) -> None:
        dates, self._save_dates = self._save_dates, False
        self._save_scheduled = False
        store = self.store
        if store is not None and store is self._watched_store and not store.closed:
            self.changed(dates=dates, count=False)

    def changed(self, *, dates: bool = True, count: bool = True) -> None:
        """Save the store on a worker thread (every change to it does, see
        take_store_change). ``count=False`` when its version was counted already.

        ``dates=False`` when only a note's text changed: nothing the timing warning reads
        (dates, opinions, appointments) can have moved, so the typing path skips it.
        """
        if self.store is not None and not self.store.read_only:
            if count:
                self.workbook_version += 1
            if dates:
                if not self.refresh_timing_note():
                    self.refresh_status()
            elif self._slow_save_timer is None:
                # A typed note is saved twice a second. Turning the Header to "saving…"
                # and back at each save would cost the typist two frames a save, so the
                # Header says "saving…" only for a save still running a second later.
                self._slow_save_timer = self.set_timer(SLOW_SAVE, self._show_slow_save)
            self.save_in_background()

    def _show_slow_save(self) -> None:
        self._slow_save_timer = None
        self.refresh_status()

    @work(thread=True, group="save", exit_on_error=False)
    def save_in_background(self) -> None:
        # Never exclusive: a later save must not cancel an earlier one. The storage
        # writes the newest data whichever worker runs last.
        if self.store is not None:
            self.post_message(self.Saved(self.store.flush(), asked=False))

    def collect_pending_edits(self) -> None:
        """Ask every pane and screen to put edits still held in widgets into the store."""
        for screen in self.screen_stack:
            if isinstance(screen, HoldsEdits):
                screen.save_pending_edits()
            for pane in mounted_panes(screen):
                pane.save_pending_edits()

    def save_now(self) -> SaveResult:
        """Save synchronously on this thread (pane switch, quit, hangup)."""
        if self.store is None or self.store.read_only:
            return SaveResult(ok=True)
        self.collect_pending_edits()
        result = self.store.flush()
        self.on_save_result(result)
        return result

    @on(Saved)
    def on_saved(self, message: Saved) -> None:
        self.on_save_result(message.result, asked=message.asked)

    def on_save_result(self, result: SaveResult, *, asked: bool = True) -> None:
        """``asked``: the save was asked for by a key (ctrl+s, a pane switch, quitting),
        not started by typing."""
        if result.conflict:
            self.save_failure = ""
            if not self._conflict_open:
                if asked or not takes_typing(self.focused):
                    self.ask_about_conflict()
                else:
                    # A question popping up under someone's fingers would take the
                    # letters they type next as its answers: it waits for them.
                    self.conflict_waiting = True
        elif not result.ok:
            self.save_failure = result.message
            if self._retry_timer is None:
                self._retry_timer = self.set_interval(10, self.save_in_background)
        else:
            self.save_failure = ""
            if self._retry_timer is not None:
                self._retry_timer.stop()
                self._retry_timer = None
        self.refresh_status()

    def ask_about_conflict(self) -> None:
        """The question "the workbook changed on disk": reload, or keep the app's."""
        self.conflict_waiting = False
        self._conflict_open = True
        assert self.store is not None
        # deferred: start-up speed (the first frame needs no dialog)
        from secondop_tui.ui.dialogs.startup_dialogs import conflict_dialog

        self.push_screen(conflict_dialog(self.store.path.name), self.answer_conflict)

    def answer_conflict(self, answer: str | None) -> None:
        self._conflict_open = False
        assert self.store is not None
        try:
            if answer == "reload":
                aside = self.store.take_theirs()
                self.show_reloaded_workbook()
                self.notify(f"Reloaded the workbook from disk. The app's version was kept as "
                            f"{aside.name}.", title="Workbook", timeout=10)
            else:
                aside = self.store.keep_mine()
                self.notify(f"Saved the app's version. The file that was on disk was kept as "
                            f"{aside.name}.", title="Workbook", timeout=10)
        except (StoreError, OSError) as error:
            self.notify(f"That did not work: {error}", severity="error", timeout=15)
        self.refresh_status()

    def show_reloaded_workbook(self) -> None:
        """The store's data was replaced (reloaded from disk, or merged by a sync):
        every pane and screen that shows it reads it again."""
        self.workbook_version += 1
        self.refresh_timing_note()
        for screen in self.screen_stack:
            for pane in mounted_panes(screen):
                pane.on_workbook_reloaded()
        self.workbook_reloaded.publish(None)  # the screens that show the store

    def action_save(self) -> None:
        if self.store is not None and self.store.read_only:
            self.notify("This workbook is open read-only; nothing is saved.")
            return
        result = self.save_now()
        if result.ok:
            self.notify("All changes are saved.", timeout=3)
