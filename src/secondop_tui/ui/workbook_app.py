"""What the panes, screens, dialogs and widgets ask of the app that runs them.

They are given the running app as ``self.app``; the app module imports them, so they do
not import it back. This protocol names the few things they use beyond Textual's
``App``: the store, how to save it now, and the news that it was reloaded. (Nobody
tells the app that the store changed: the store says so itself, see
``WorkbookStore.subscribe``.) The app, in turn, asks the screens on its stack for what
the two protocols below name, if they do it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, cast, runtime_checkable

from textual.dom import DOMNode
from textual.signal import Signal

from secondop_tui.core.storage import SaveResult
from secondop_tui.core.store import WorkbookStore


@runtime_checkable
class WorkbookApp(Protocol):
    """The workbook app, as the parts of the ui below it see it."""

    store: WorkbookStore | None
    # Bumped on every change, so what is built from the store knows when to build again.
    workbook_version: int
    # Published after the workbook was reloaded from disk (the file on disk won over the
    # app's version): whatever shows the store reads it again (see follow_reloads).
    workbook_reloaded: Signal[None]

    def save_now(self) -> SaveResult:
        """Save at once, on this thread."""

    def refresh_status(self) -> None:
        """Show the save state (and the notes beside it) in the Header again."""


def workbook_app(node: DOMNode) -> WorkbookApp:
    """The app running ``node``, as the parts of the ui see it (the app module makes
    sure its app is one; checking each time would cost the typing path)."""
    return cast(WorkbookApp, node.app)


@runtime_checkable
class HoldsEdits(Protocol):
    """A screen that may hold edits not yet in the store (a note being typed)."""

    def save_pending_edits(self) -> None:
        """Put them into the store now (the app saves next)."""


@runtime_checkable
class KeepsFormOnHangup(Protocol):
    """A form that keeps what it holds, as if saved, when the connection drops."""

    def save_on_hangup(self) -> None:
        """Hand its result on now: the app saves and leaves next."""


def follow_reloads(node: DOMNode, callback: Callable[[], None]) -> None:
    """Call ``callback`` each time the workbook is reloaded from disk, while ``node``
    is on screen (call it when the node is mounted)."""
    app = node.app
    if isinstance(app, WorkbookApp):
        app.workbook_reloaded.subscribe(node, lambda _: callback())
