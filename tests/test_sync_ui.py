"""Sync in the app: "Sync now" in the palette, the Header's last sync and open conflicts,
the mark on the records a conflict is about, "Conflicts" to keep this, that or both,
and syncing at start and at quit (off until turned on)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual.widgets import OptionList

from secondop_tui.core import conflicts, notes, sync
from secondop_tui.core.doctors import Doctor, add_doctor, list_doctors, update_doctor
from secondop_tui.core.store import WorkbookStore
from secondop_tui.ui.app import SecondOpinionApp
from secondop_tui.ui.dialogs.choice_dialog import ChoiceDialog
from secondop_tui.ui.dialogs.pick_dialog import PickDialog
from secondop_tui.ui.dialogs.sync_dialog import SyncDialog
from tests.helpers import plain, run_from_palette, screen_text, show_pane, wait_until


def shared_pair(tmp_path: Path) -> tuple[Path, Path]:
    """Two data folders sharing a workbook (one doctor, one consultation) through a bare
    repository, the doctor's phone changed on both: a conflict once both synced."""
    laptop, desktop, remote = tmp_path / "laptop", tmp_path / "desktop", tmp_path / "r.git"
    store = WorkbookStore.open(laptop, autoflush=True)
    doctor = add_doctor(store, Doctor(name="Dr Ames"))
    notes.new_consultation(store, title="First opinion", doctor_id=doctor,
                           day=date(2026, 11, 2))
    sync.setup(store, str(remote), machine="laptop")
    store.close()
    store = WorkbookStore.open(desktop)
    sync.setup(store, str(remote), machine="desktop", clone=True)
    store.close()
    for folder, phone in ((desktop, "222"), (laptop, "111")):
        store = WorkbookStore.open(folder, autoflush=True)
        [ames] = list_doctors(store)
        ames.phone = phone
        update_doctor(store, ames)
        store.close()
    store = WorkbookStore.open(desktop)
    sync.Session(store).run()
    store.close()
    return laptop, desktop


async def test_sync_now_merges_shows_the_conflict_and_resolves_it(tmp_path: Path):
    laptop, desktop = shared_pair(tmp_path)
    store = WorkbookStore.open(laptop)
    app = SecondOpinionApp(store=store, watch_signals=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "last sync 20 Nov 09:30" in str(app.sub_title),
                         "the last sync shown")
        await run_from_palette(pilot, "Sync now")
        await wait_until(pilot, lambda: isinstance(app.screen, SyncDialog), "the sync dialog")
        dialog = app.screen
        await wait_until(pilot, lambda: not dialog.running, "the sync done")
        text = screen_text(app)
        assert "Came in from the other side (from desktop)" in text
        assert "1 conflict to look at" in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, SyncDialog),
                         "the dialog closed")
        await wait_until(pilot, lambda: "1 sync conflict" in str(app.sub_title),
                         "the Header's conflict")
        doctors = await show_pane(pilot, "doctors")
        assert "⚠ Dr Ames" in doctors.table.get_row_at(0)[0].plain

        await run_from_palette(pilot, "Conflicts")
        await wait_until(pilot, lambda: isinstance(app.screen, PickDialog), "the list")
        listed = app.screen.query_one(OptionList)
        assert "Doctor Dr Ames: phone changed on both machines" in plain(
            listed.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the choice")
        text = screen_text(app)
        assert "In place now (from laptop): 111" in text
        assert "The other (from desktop): 222" in text
        await pilot.press("o")  # keep that: the desktop's number
        await wait_until(pilot, lambda: not conflicts.open_conflicts(store), "resolved")
        assert list_doctors(store)[0].phone == "222"
        await wait_until(pilot, lambda: "conflict" not in str(app.sub_title),
                         "the Header without the conflict")
        await wait_until(pilot, lambda: "⚠" not in doctors.table.get_row_at(0)[0].plain,
                         "the mark gone")
    store.close()
    # The resolution travels with the next sync.
    for folder in (laptop, desktop):
        other = WorkbookStore.open(folder)
        sync.Session(other).run()
        other.close()
    other = WorkbookStore.open(desktop, read_only=True)
    assert not conflicts.open_conflicts(other) and list_doctors(other)[0].phone == "222"
    other.close()


async def test_sync_at_quit_is_off_until_turned_on_then_runs_before_leaving(tmp_path):
    laptop, _ = shared_pair(tmp_path)
    store = WorkbookStore.open(laptop)
    app = SecondOpinionApp(store=store, watch_signals=False)
    async with app.run_test(size=(100, 30)) as pilot:
        assert sync.SyncState.load(laptop).at_quit is False
        await run_from_palette(pilot, "Sync at quit: on")
        await wait_until(pilot, lambda: sync.SyncState.load(laptop).at_quit,
                         "the setting kept")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, SyncDialog), "the sync dialog")
        dialog = app.screen
        await wait_until(pilot, lambda: not dialog.running, "the sync done")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.return_code is not None or not app.is_running,
                         "the app gone", workers=False)
    store.close()
    state = sync.SyncState.load(laptop)
    assert state.last_sync and "conflict" in state.last_summary


async def test_sync_now_on_a_workbook_not_synced_says_how_to_set_it_up(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await run_from_palette(pilot, "Sync now")
        await wait_until(pilot, lambda: any("sync setup REMOTE" in str(n.message)
                                            for n in app._notifications), "the word")
        assert not isinstance(app.screen, SyncDialog)
        assert "sync" not in str(app.sub_title)


async def test_the_palette_reads_the_sync_state_once_not_at_every_key(tmp_path, monkeypatch):
    laptop, _ = shared_pair(tmp_path)
    reads = []
    load = sync.SyncState.load.__func__

    def counted(cls, data_dir):
        reads.append(data_dir)
        return load(cls, data_dir)

    monkeypatch.setattr(sync.SyncState, "load", classmethod(counted))
    store = WorkbookStore.open(laptop)
    app = SecondOpinionApp(store=store, watch_signals=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "last sync" in app.sub_title, "the sync note")
        before = len(reads)
        await pilot.press("ctrl+p", *"sync at st")
        await wait_until(pilot, lambda: "Sync at start" in screen_text(app),
                         "the command offered")
        assert len(reads) == before
        await pilot.press("escape")
    store.close()
