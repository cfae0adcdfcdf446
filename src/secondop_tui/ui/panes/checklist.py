"""The Checklist pane."""

from __future__ import annotations

from textual.app import ComposeResult

from secondop_tui.ui.panes.base import EmptyState, Pane


class ChecklistPane(Pane):
    """The Checklist pane (empty state until its content arrives)."""

    pane_id = "checklist"
    title = "Checklist"

    def compose(self) -> ComposeResult:
        yield EmptyState(
            "[b]Checklist[/b]\n\n"
            "Your preparation checklist will be here, grouped by phase: insurance calls, records to gather and send, what to bring to the visit, and what to do after it, with your progress shown as you tick items off.\n\n"
            "Press [b]2[/b] from anywhere to come back here, and [b]F1[/b] to see every key.",
            id="checklist-empty",
        )
