"""What the panes, screens, dialogs and widgets ask of the app that runs them.

They are given the running app as ``self.app``; the app module imports them, so they do
not import it back. This protocol names the few things they use beyond Textual's
``App``: the store, and how to save it now. (Nobody tells the app that the store
changed: the store says so itself, see ``WorkbookStore.subscribe``.)
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from secondop_tui.core.storage import SaveResult
from secondop_tui.core.store import WorkbookStore


@runtime_checkable
class WorkbookApp(Protocol):
    """The workbook app, as the parts of the ui below it see it."""

    store: WorkbookStore | None
    # Bumped on every change, so what is built from the store knows when to build again.
    workbook_version: int

    def save_now(self) -> SaveResult:
        """Save at once, on this thread."""

    def refresh_status(self) -> None:
        """Show the save state (and the notes beside it) in the Header again."""
