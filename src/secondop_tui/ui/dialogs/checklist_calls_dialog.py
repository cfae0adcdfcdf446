"""The calls logged on an insurance item: choose one to edit or delete."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from secondop_tui.core.checklist import CallEntry
from secondop_tui.core.text import one_line
from secondop_tui.ui.dialogs.base import DialogScreen


def describe_call(call: CallEntry) -> str:
    """One call log entry on one line, made safe to show."""
    return call.heading() + (f": {one_line(call.said)}" if call.said else "")


@dataclass(frozen=True)
class CallAction:
    """What to do: ``"edit"`` or ``"delete"`` the call at ``index``, or ``"add"`` one."""

    action: str
    index: int = -1


class ChecklistCallsDialog(DialogScreen[CallAction | None]):
    """The item's calls in the order they were logged. Dismisses with a CallAction."""

    DEFAULT_CSS = """
    ChecklistCallsDialog OptionList { height: auto; max-height: 12; }
    ChecklistCallsDialog .hint { color: $text-muted; }
    """

    BINDINGS = [
        Binding("e", "edit", "Edit the call", show=False, id="checklist.calls.edit"),
        Binding("f2", "edit", "Edit the call", show=False, id="checklist.calls.edit.alt"),
        Binding("x", "delete", "Delete the call (asks first)", show=False,
                id="checklist.calls.delete"),
        Binding("delete", "delete", "Delete the call (asks first)", show=False,
                id="checklist.calls.delete.alt"),
        Binding("l", "add", "Log another call", show=False, id="checklist.calls.add"),
        Binding("escape", "cancel", "Close", show=False, id="checklist.calls.close"),
    ]

    def __init__(self, item_title: str, calls: tuple[CallEntry, ...], *,
                 highlight: int = 0) -> None:
        super().__init__()
        self.item_title = item_title
        self.calls = calls
        self.highlight = highlight

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Insurance calls: {self.item_title}", classes="dialog-title",
                         markup=False)
            # The user's words: plain Text, never read as markup.
            yield OptionList(*[Option(Text(f"{n}. {describe_call(call)}"))
                               for n, call in enumerate(self.calls, 1)], id="calls-list")
            yield Static("enter edits · x deletes (asks first) · l logs another · escape "
                         "closes", classes="hint", markup=False)

    def on_mount(self) -> None:
        options = self.query_one("#calls-list", OptionList)
        if self.calls:
            options.highlighted = min(max(self.highlight, 0), len(self.calls) - 1)
        options.focus()

    def _chosen(self) -> int | None:
        return self.query_one("#calls-list", OptionList).highlighted

    @on(OptionList.OptionSelected, "#calls-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(CallAction("edit", event.option_index))

    def action_edit(self) -> None:
        index = self._chosen()
        if index is not None:
            self.dismiss(CallAction("edit", index))

    def action_delete(self) -> None:
        index = self._chosen()
        if index is not None:
            self.dismiss(CallAction("delete", index))

    def action_add(self) -> None:
        self.dismiss(CallAction("add"))

    def action_cancel(self) -> None:
        self.dismiss(None)
