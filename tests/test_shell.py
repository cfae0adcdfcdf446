"""The app shell: panes by key and palette, help from live bindings, quitting saves."""

from __future__ import annotations

from textual.widgets import TabbedContent

from secondop_tui.ui.workbook_screen import WorkbookScreen
from secondop_tui.ui.help_screen import HelpScreen
from tests.helpers import run_from_palette, wait_until


async def test_panes_switch_by_key(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WorkbookScreen)
        tabs = app.screen.query_one("#panes", TabbedContent)
        for key, pane in [("2", "checklist"), ("3", "doctors"), ("4", "notes"), ("1", "guidance")]:
            await pilot.press(key)
            await pilot.pause()
            assert tabs.active == pane
        await pilot.press("alt+3")
        await pilot.pause()
        assert tabs.active == "doctors"


async def test_palette_finds_pane_by_name(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await run_from_palette(pilot, "Doctors")
        await wait_until(pilot, lambda: app.screen.query_one("#panes", TabbedContent).active
                         == "doctors", "the Doctors pane shown")


async def test_help_lists_live_bindings(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        described = dict((d, k) for k, d in app.screen.rows)
        assert described["Guidance"].startswith("1")
        assert "alt+4" in described["Notes"]
        assert "Quit" in described
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_help_shows_the_pane_keys_first_in_their_order(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        descriptions = [d for _, d in app.screen.rows]
        # The pane's own keys, as declared, before the list's moves and the app's keys.
        assert descriptions[:3] == ["Tick", "Add", "Edit item"], descriptions[:6]
        assert descriptions.index("Guidance") < descriptions.index("Notes")
        assert descriptions.index("Move down") < descriptions.index("Down")


async def test_quit_saves_pending_changes(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        store.set_setting("probe", "kept")
        assert store.dirty
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not store.dirty
    assert b'"probe": "kept"' in store.path.read_bytes() or b'"probe":"kept"' in store.path.read_bytes()


async def test_theme_choice_is_kept(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.theme = "textual-light"
        await pilot.pause()
    assert store.get_setting("theme") == "textual-light"


async def test_a_save_while_a_hidden_pane_is_still_mounting(make_app):
    """The hidden panes are mounted after the first frame; a save in that moment (alt+s,
    a pane switch) asked a pane not yet composed for its edits and crashed the app."""
    import asyncio

    from textual.widgets import TabPane

    from secondop_tui.ui.panes.notes import NotesPane

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        pane = NotesPane(id="second-notes-pane")  # mounted like a hidden pane is
        app.screen.query_one("#notes", TabPane).mount(pane)
        caught = False
        for _ in range(200):
            await asyncio.sleep(0)
            if pane.is_attached and not pane.is_mounted:
                caught = True
                assert app.save_now().ok
            if pane.is_mounted:
                break
        assert caught and pane.is_mounted
