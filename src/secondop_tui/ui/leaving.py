"""Leaving: quitting with ctrl+q, and the hangup (SIGHUP, SIGTERM, the end of the
terminal's input), after which every key already read still reaches the workbook.

:class:`LeavingApp` sits on the app's key order (:mod:`.key_order`), whose keys it waits
for, and its saving (:mod:`.saving`), whose store it closes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from functools import partial

from textual import on
from textual.message import Message

from secondop_tui.ui.key_order import KeysInOrder
from secondop_tui.ui.saving import SavingApp
from secondop_tui.ui.terminal import InputClosed, WorkbookDriver
from secondop_tui.ui.textual_internals import app_driver
from secondop_tui.ui.workbook_app import KeepsFormOnHangup

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


class HangupWatchdog(threading.Thread):
    """After a hangup: ends the process once the app has saved and closed the workbook
    but cannot finish leaving (restoring a dead terminal), or when the app has stopped
    making progress altogether, after saving what it can and writing down the keys it
    had not handled."""

    class Beat(Message):
        """Handled by the app's loop: the loop is running."""

    def __init__(self, app: "LeavingApp") -> None:
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


class LeavingApp(KeysInOrder, SavingApp):
    """An app that saves before it leaves, and after a hangup handles and saves every key
    it had read before it releases the workbook."""

    def __init__(self) -> None:
        super().__init__()
        # After a hangup, end the process if leaving gets stuck (the command sets it;
        # tests, sharing one process, must not).
        self.leave_if_stuck = False
        # Set by a hangup (SIGHUP, SIGTERM, the end of input): the signal it came with.
        self._leaving_on: int | None = None
        self._hangup_at = 0.0
        self.closed_for_hangup = False
        self.beats_handled = 0

    def watch_for_hangup(self) -> None:
        """Leave as :meth:`on_terminate_signal` says on SIGHUP and SIGTERM (call on the
        app's loop, once it runs)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            loop.add_signal_handler(sig, partial(self.on_terminate_signal, sig))
            # And a handler of Python's own, which runs on this thread at the next
            # bytecode whatever became of the byte asyncio's handler relies on: a
            # hangup under heavy load was seen never to reach the loop that way.
            signal.signal(sig, partial(self._on_signal_here, loop))

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
        # deferred: start-up speed (the first frame needs no dialog)
        from secondop_tui.ui.dialogs.startup_dialogs import unsaved_quit_dialog

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
