"""Choose one thing from a list (a consultation, a doctor): up and down, then enter."""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from secondop_tui.ui.dialogs.base import DialogScreen

T = TypeVar("T")


class PickDialog(DialogScreen[T], Generic[T]):
    """Dismisses with the chosen value, or None on escape."""

    DEFAULT_CSS = """
    PickDialog .dialog-body {
        padding: 0 0 1 0;
    }
    PickDialog OptionList {
        height: auto;
        max-height: 12;
    }
    PickDialog .hint {
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel"),
        Binding("f2", "pick", "Choose", show=False, id="pick.choose.alt"),
    ]

    def __init__(self, title: str, body: str, options: list[tuple[str, T]],
                 *, highlight: int = 0) -> None:
        super().__init__()
        self.dialog_title = title
        self.body = body
        self.options = options
        self.highlight = highlight

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.dialog_title, classes="dialog-title", markup=False)
            if self.body:
                yield Static(self.body, classes="dialog-body", markup=False)
            # Labels are the user's text: shown as plain Text, never read as markup.
            yield OptionList(*[Option(Text(label)) for label, _ in self.options],
                             id="pick-list")
            yield Static("up/down to choose · enter picks · escape cancels", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one("#pick-list", OptionList)
        if self.options:
            options.highlighted = min(max(self.highlight, 0), len(self.options) - 1)
        options.focus()

    @on(OptionList.OptionSelected, "#pick-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.options[event.option_index][1])

    def action_pick(self) -> None:
        index = self.query_one("#pick-list", OptionList).highlighted
        if index is not None:
            self.dismiss(self.options[index][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
