"""What every dialog shares: a centred frame of the same size and a bold title."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from textual.screen import ModalScreen, ScreenResultType


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

    def hangup_result(self) -> ScreenResultType | None:
        """What saving this form now would give, or None when it holds nothing valid.

        Forms whose result the opener stores override it, so that a dropped connection
        keeps what was typed (see :meth:`save_on_hangup`)."""
        return None

    def save_on_hangup(self) -> None:
        """The connection dropped with this form open: hand its result to whoever opened
        it now, not through the message queue, since the app saves and leaves next."""
        result = self.hangup_result()
        if result is None or not self._result_callbacks:
            return
        waiting = self._result_callbacks[-1]
        callback, waiting.callback = waiting.callback, None  # never applied twice
        if callback is not None and not inspect.iscoroutinefunction(callback):
            callback(result)


def ask_before_discarding(screen: ModalScreen, unsaved: bool, changes: str,
                          save: Callable[[], object]) -> None:
    """Close a form; if it has unsaved ``changes`` (for example "to this opinion"),
    first ask whether to save them, discard them or keep editing."""
    from secondop_tui.ui.dialogs.choice_dialog import Choice, ChoiceDialog

    if not unsaved:
        screen.dismiss(None)
        return

    def answered(answer: str | None) -> None:
        if answer == "save":
            save()
        elif answer == "discard":
            screen.dismiss(None)

    screen.app.push_screen(ChoiceDialog(
        "Discard your changes?",
        f"You made changes {changes} and have not saved them.\n\n"
        "s saves them, d discards them, escape goes back to the form.",
        [Choice("s", "Save", "save", "primary"), Choice("d", "Discard", "discard", "error"),
         Choice("k", "Keep editing", "keep")], cancel="keep"), answered)

