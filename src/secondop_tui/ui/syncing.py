"""Sync in the app: the Header's word on the last sync and open conflicts, and syncing
at start and at quit when the user turned it on (kept on this machine only).

The palette's "Sync now" and "Conflicts" are in :mod:`.commands`; the sync itself is the
core's (:mod:`secondop_tui.core.sync`), run by :mod:`.dialogs.sync_dialog` on a worker.
"""

from __future__ import annotations

from secondop_tui.ui.commands import sync_now
from secondop_tui.ui.status import StatusApp


class SyncingApp(StatusApp):
    """An app that shows where sync stands and syncs at start and quit when asked to."""

    def __init__(self) -> None:
        super().__init__()
        self._synced_at_quit = False
        # This machine's sync state as last read (see read_sync_state); while the app
        # holds the workbook only it and its syncs change it.
        self._sync_state = None
        self._sync_state_read = False

    def read_sync_state(self):
        """Read this machine's sync state from disk again (after a sync) and return it."""
        self._sync_state, self._sync_state_read = None, True
        if self.store is not None:
            # deferred: start-up speed (sync is read after the first frame, if at all)
            from secondop_tui.core import sync

            data_dir = self.store.paths.data_dir
            if sync.is_set_up(data_dir):
                self._sync_state = sync.SyncState.load(data_dir)
        return self._sync_state

    def sync_settings(self):
        """This machine's sync state (sync.SyncState), or None when not synced. The
        palette asks at every key typed in it: read from disk only the first time."""
        if not self._sync_state_read:
            return self.read_sync_state()
        return self._sync_state

    def set_sync_setting(self, key: str, value: bool) -> None:
        """Turn syncing at start or at quit on or off (kept on this machine only)."""
        state = self.sync_settings()
        if state is None or self.store is None:
            return
        setattr(state, key, value)
        try:
            state.save(self.store.paths.data_dir)
        except OSError as error:
            self.notify(f"Could not keep the setting: {error}", severity="error")
            return
        moment = "starts" if key == "at_start" else "quits"
        self.notify(f"The app {'now syncs' if value else 'no longer syncs'} each time it "
                    f"{moment}.", title="Sync", timeout=5)

    def refresh_sync_note(self) -> None:
        """The Header's word on sync: open conflicts first, then the last sync."""
        state = self.read_sync_state()
        conflicts: tuple[str, ...] = ()
        synced: tuple[str, ...] = ()
        if self.store is not None and self.store.table("conflicts").all():
            count = len(self.store.table("conflicts"))
            conflicts = (f"⚠ {count} sync conflict{'s' if count != 1 else ''}",
                         f"⚠ {count} conflict{'s' if count != 1 else ''}", f"⚠ {count}")
        if state is not None:
            # deferred: start-up speed (read after the first frame)
            from datetime import datetime
            from secondop_tui.core.dates import short_datetime

            try:
                when = datetime.fromisoformat(state.last_sync).replace(tzinfo=None)
            except ValueError:
                synced = ("never synced", "not synced")
            else:
                shown = short_datetime(when, year=False)
                synced = (f"last sync {shown}", f"synced {shown}",
                          f"synced {when:%H:%M}")
        if (self.header_notes.get("conflicts"), self.header_notes.get("sync")) != \
                (conflicts, synced):
            self.header_notes["conflicts"] = conflicts
            self.header_notes["sync"] = synced
            self.refresh_status()

    def after_start_sync(self) -> None:
        """Once the workbook is on screen: the Header's sync note, and the sync at start
        when it is turned on."""
        self.refresh_sync_note()
        state = self.sync_settings()
        if state is not None and state.at_start and self.store is not None \
                and not self.store.read_only:
            sync_now(self, when="at start")

    async def action_quit(self) -> None:
        store = self.store
        if store is not None and not store.read_only and not self._synced_at_quit:
            state = self.sync_settings()
            if state is not None and state.at_quit and self.save_now().ok:
                self._synced_at_quit = True  # a second ctrl+q leaves without it
                sync_now(self, when="at quit", then=self.exit)
                return
        await super().action_quit()
