"""The Doctors pane."""

from __future__ import annotations

from textual.app import ComposeResult

from secondop_tui.ui.panes.base import EmptyState, Pane


class DoctorsPane(Pane):
    """The Doctors pane (empty state until its content arrives)."""

    pane_id = "doctors"
    title = "Doctors"

    def compose(self) -> ComposeResult:
        yield EmptyState(
            "[b]Doctors[/b]\n\n"
            "The doctors you are considering will be listed here, with their board certification, training, experience with your type of cancer, hospital, insurance, the records you sent them and your appointments.\n\n"
            "Press [b]3[/b] from anywhere to come back here, and [b]F1[/b] to see every key.",
            id="doctors-empty",
        )
