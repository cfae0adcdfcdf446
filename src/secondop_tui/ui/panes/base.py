"""What every pane shares, and the list of panes in tab order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from textual import events
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from secondop_tui.ui.textual_internals import torn_down
from secondop_tui.ui.workbook_app import WorkbookApp, workbook_app as app_of

if TYPE_CHECKING:
    from textual.message_pump import MessagePump


FIRST_FRAME_PAUSE = 0.08  # seconds


def after_first_frame(node: "MessagePump", callback: Callable[[], object]) -> None:
    """Run ``callback`` once the first full frame, Footer included, is on screen.

    The Footer fills itself in only after the first refresh (when the bindings are
    known), and heavy work queued right after that refresh would hold its paint back; a
    short pause lets the whole first frame out before the rest of the start-up work.
    """
    node.call_after_refresh(node.set_timer, FIRST_FRAME_PAUSE, callback)


class Pane(VerticalScroll):
    """A pane of the workbook screen. Subclasses set ``pane_id`` and ``title``."""

    pane_id = ""
    title = ""
    key = ""

    class SummaryChanged(Message):
        """What the pane holds may read differently now (see ``summary``)."""

    async def on_event(self, event: events.Event) -> None:
        # A pane mounted behind its tab just after the first frame can get its Mount
        # after the app began to quit: Textual then mounted none of its parts, and the
        # pane's on_mount looked for them (see torn_down). A pane on its way out sets
        # nothing up.
        if isinstance(event, events.Mount) and torn_down(self):
            return
        await super().on_event(event)

    def summary(self) -> str:
        """What the pane holds, in words: its progress or its count ("5 of 30 done"),
        said after its name by the pane heading (shown with the screen reader setting)."""
        return ""

    @property
    def workbook_app(self) -> WorkbookApp:
        return app_of(self)

    def on_workbook_reloaded(self) -> None:
        """Called after the workbook was reloaded from disk; panes re-read the store."""

    def save_pending_edits(self) -> None:
        """Put edits not yet in the store (a note being typed) into it now."""

    def focus_default(self) -> None:
        """Give focus to the pane's main widget when the pane is shown."""
        self.focus()

    def palette_commands(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        """(title, help, callback) for the command palette; the pane is shown first.

        Titles carry a category prefix, e.g. ``"Checklist: add item"``.
        """
        return ()


class EmptyState(Static):
    """What a pane shows before it holds anything: what it is for and how to start."""

    DEFAULT_CSS = """
    EmptyState {
        width: 1fr;
        height: auto;
        padding: 1 2;
        color: $text;
    }
    """


PANES: list[tuple[str, str, str]] = [
    # (pane id, title, key)
    ("guidance", "Guidance", "1"),
    ("checklist", "Checklist", "2"),
    ("doctors", "Doctors", "3"),
    ("notes", "Notes", "4"),
]
