"""The Guidance pane."""

from __future__ import annotations

from textual.app import ComposeResult

from secondop_tui.ui.panes.base import EmptyState, Pane


class GuidancePane(Pane):
    """The Guidance pane (empty state until its content arrives)."""

    pane_id = "guidance"
    title = "Guidance"

    def compose(self) -> ComposeResult:
        yield EmptyState(
            "[b]Guidance[/b]\n\n"
            "Calm, plain-language guidance on getting a second opinion will be here: what it is and when it helps, how soon treatment must start, paying for it, finding and checking a doctor, gathering records, the visit itself, and deciding when opinions differ.\n\n"
            "Press [b]1[/b] from anywhere to come back here, and [b]F1[/b] to see every key.",
            id="guidance-empty",
        )
