"""What every dialog shares: a centred frame of the same size and a bold title."""

from __future__ import annotations

import inspect

from textual import on
from textual.await_complete import AwaitComplete
from textual.events import ScreenResume
from textual.screen import ModalScreen, Screen, ScreenResultType

from secondop_tui.ui.textual_internals import take_result_callback

_NOTHING = object()


class DismissOnce(Screen[ScreenResultType]):
    """A screen that closes once, and only itself.

    Textual's ``dismiss`` closes whatever screen is on top and hands the result on each
    time it is called. Called twice (a worker's answer and an escape in the same moment,
    or keys mashed after the answer) the second call would close the screen below and
    fail on the answer already given; called while another screen covers this one, it
    would close that one instead. Here a dismiss of a screen no longer shown does
    nothing, and one while covered waits until the screen is uncovered.
    """

    _pending_dismiss: object = _NOTHING

    def dismiss(self, result: ScreenResultType | None = None) -> AwaitComplete:
        try:
            on_top = self.app.screen is self
            stack = self.app.screen_stack
        except Exception:  # no app, or no screen at all any more
            return AwaitComplete.nothing()
        if on_top:
            self._pending_dismiss = _NOTHING
            return super().dismiss(result)
        if self in stack and self._pending_dismiss is _NOTHING:
            self._pending_dismiss = result  # the first answer wins
        return AwaitComplete.nothing()

    @on(ScreenResume)
    def _dismiss_when_uncovered(self) -> None:
        if self._pending_dismiss is not _NOTHING and self.app.screen is self:
            result, self._pending_dismiss = self._pending_dismiss, _NOTHING
            self.dismiss(result)  # type: ignore[arg-type]


class DialogScreen(DismissOnce[ScreenResultType], ModalScreen[ScreenResultType]):
    """A modal dialog: its first container is drawn as a framed box in the middle."""

    DEFAULT_CSS = """
    DialogScreen {
        align: center middle;
    }
    DialogScreen > Vertical, DialogScreen > VerticalScroll {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    DialogScreen .dialog-title {
        text-style: bold;
    }
    """

    def hangup_result(self) -> ScreenResultType | None:
        """What saving this form now would give, or None when it holds nothing valid.

        Forms whose result the opener stores override it, so that a dropped connection
        keeps what was typed (see :meth:`save_on_hangup`)."""
        return None

    def save_on_hangup(self) -> None:
        """The connection dropped with this form open: hand its result to whoever opened
        it now, not through the message queue, since the app saves and leaves next."""
        result = self.hangup_result()
        if result is None:
            return
        callback = take_result_callback(self)  # taken out: never applied twice
        if callback is not None and not inspect.iscoroutinefunction(callback):
            callback(result)
