"""The Notes pane."""

from __future__ import annotations

from textual.app import ComposeResult

from secondop_tui.ui.panes.base import EmptyState, Pane


class NotesPane(Pane):
    """The Notes pane (empty state until its content arrives)."""

    pane_id = "notes"
    title = "Notes"

    def compose(self) -> ComposeResult:
        yield EmptyState(
            "[b]Notes[/b]\n\n"
            "Your notes from each consultation will be kept here, with the questions you prepared beside them, ready to export as plain text to print or email.\n\n"
            "Press [b]4[/b] from anywhere to come back here, and [b]F1[/b] to see every key.",
            id="notes-empty",
        )
