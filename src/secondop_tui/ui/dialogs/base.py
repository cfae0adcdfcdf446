"""What every dialog shares: a centred frame of the same size and a bold title."""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import ModalScreen, Screen, ScreenResultType


class DialogScreen(ModalScreen[ScreenResultType]):
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


def after_typed_keys(screen: Screen, callback: Callable[[], object]) -> None:
    """Run ``callback`` once the focused field has taken every key typed before.

    A priority key (ctrl+s) is acted on as soon as it arrives, while the letters typed
    just ahead of it may still wait in the focused field's queue: a form saved then
    would miss its last letters. Queued behind them, the callback sees them all.
    """
    focused = screen.focused
    if focused is None:
        callback()
    else:
        focused.call_later(callback)
